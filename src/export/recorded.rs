//! Rows kept as owned cells, so that threads can make rows for a sink that
//! only one thread may write (a workbook's sheet): recorded in parallel,
//! replayed in order.

use super::columns::Column;
use super::rows::{Cell, JOIN, RowSink};

/// One cell, owned. Entity lists are kept joined, as sheets write them.
enum Owned {
    Missing,
    Text(String),
    Score(f32),
    Rank(usize),
    Date(i64),
}

/// The rows of a run of hits.
pub struct Recorded {
    columns: Vec<Column>,
    cells: Vec<Owned>,
}

impl Recorded {
    pub fn new(columns: &[Column]) -> Recorded {
        Recorded {
            columns: columns.to_vec(),
            cells: Vec::new(),
        }
    }

    /// Writes the rows recorded to `sink`, in order.
    pub fn replay<S: RowSink>(&self, sink: &mut S) -> std::io::Result<()> {
        let mut row: Vec<Cell<'_>> = Vec::with_capacity(self.columns.len());
        for cells in self.cells.chunks(self.columns.len().max(1)) {
            row.clear();
            row.extend(cells.iter().map(|c| match c {
                Owned::Missing => Cell::Maybe(None),
                Owned::Text(s) => Cell::Maybe(Some(s)),
                Owned::Score(s) => Cell::Score(*s),
                Owned::Rank(r) => Cell::Rank(*r),
                Owned::Date(d) => Cell::Date(*d),
            }));
            sink.write_cells(&row)?;
        }
        Ok(())
    }
}

impl RowSink for Recorded {
    fn columns(&self) -> &[Column] {
        &self.columns
    }

    fn write_cells(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        self.cells.extend(cells.iter().map(|c| match *c {
            Cell::Text(t) => Owned::Text(t.to_string()),
            Cell::Maybe(m) => m.map_or(Owned::Missing, |t| Owned::Text(t.to_string())),
            Cell::Score(s) => Owned::Score(s),
            Cell::Rank(r) => Owned::Rank(r),
            Cell::Date(d) => Owned::Date(d),
            Cell::Names(names) => Owned::Text(names.join(JOIN)),
            Cell::Spans(spans) => Owned::Text(spans.names().collect::<Vec<_>>().join(JOIN)),
        }));
        Ok(())
    }
}
