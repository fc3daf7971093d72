//! The columns a hit list can have, named once: what `--fields` parses to,
//! what a row's cells are made for, and the keys of JSON rows.

use crate::analyze::EntityType;
use crate::error::{Error, Result};

/// One column of a hit list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The query's id (`batch`).
    Qid,
    Id,
    Score,
    Rank,
    Date,
    Source,
    Title,
    Url,
    Category,
    /// The canonical names of one entity type.
    Names(EntityType),
    Snippet,
    Body,
}

/// The columns of `newsdex export`, in their default order.
pub const EXPORT: &[Column] = &[
    Column::Id,
    Column::Score,
    Column::Rank,
    Column::Date,
    Column::Source,
    Column::Title,
    Column::Url,
    Column::Category,
    Column::Names(EntityType::Person),
    Column::Names(EntityType::Org),
    Column::Names(EntityType::Location),
    Column::Names(EntityType::Misc),
    Column::Snippet,
    Column::Body,
];

/// The columns of `newsdex batch`'s CSV and JSON lines.
pub const BATCH: &[Column] = &[
    Column::Qid,
    Column::Rank,
    Column::Id,
    Column::Score,
    Column::Date,
    Column::Title,
    Column::Source,
    Column::Url,
    Column::Snippet,
    Column::Names(EntityType::Person),
    Column::Names(EntityType::Org),
    Column::Names(EntityType::Location),
    Column::Names(EntityType::Misc),
];

impl Column {
    /// The column's name: its `--fields` name, CSV header and JSON key.
    pub fn name(self) -> &'static str {
        match self {
            Column::Qid => "qid",
            Column::Id => "id",
            Column::Score => "score",
            Column::Rank => "rank",
            Column::Date => "date",
            Column::Source => "source",
            Column::Title => "title",
            Column::Url => "url",
            Column::Category => "category",
            Column::Names(t) => t.name(),
            Column::Snippet => "snippet",
            Column::Body => "body",
        }
    }

    /// Whether the column's values come from the index's columns (fast
    /// fields) and the hit itself, without reading its stored document:
    /// id, score, rank, date, title (schema 2 on) and entity names.
    pub fn in_fast_fields(self) -> bool {
        matches!(
            self,
            Column::Qid
                | Column::Id
                | Column::Score
                | Column::Rank
                | Column::Date
                | Column::Title
                | Column::Names(_)
        )
    }
}

/// Parses `--fields id,title,person` against the columns `allowed`; None
/// gives `default`.
pub fn parse(spec: Option<&str>, allowed: &[Column], default: &[Column]) -> Result<Vec<Column>> {
    let Some(spec) = spec else {
        return Ok(default.to_vec());
    };
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            allowed
                .iter()
                .copied()
                .find(|c| c.name() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = allowed.iter().map(|c| c.name()).collect();
                    Error::Usage(format!(
                        "--fields: unknown field {name:?}; fields are {}",
                        names.join(", ")
                    ))
                })
        })
        .collect()
}

/// `newsdex export`'s columns: every column but body by default.
pub fn parse_export(spec: Option<&str>) -> Result<Vec<Column>> {
    parse(spec, EXPORT, &EXPORT[..EXPORT.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_columns_are_named() {
        let e = parse_export(Some("id,wordcount")).unwrap_err().to_string();
        assert!(
            e.starts_with("--fields: unknown field \"wordcount\""),
            "{e}"
        );
        assert!(!parse_export(None).unwrap().contains(&Column::Body));
        let e = parse(Some("qid,body"), BATCH, BATCH)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "--fields: unknown field \"body\"; fields are qid, rank, id, score, date, title, \
             source, url, snippet, person, org, location, misc"
        );
    }

    #[test]
    fn names_parse_back() {
        let all: Vec<Column> = EXPORT.iter().chain(BATCH).copied().collect();
        for &c in &all {
            assert_eq!(parse(Some(c.name()), &all, &[]).unwrap(), [c]);
        }
    }
}
