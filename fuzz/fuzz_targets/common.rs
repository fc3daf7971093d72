//! Shared by the reader fuzz targets: feed bytes to a reader of one format
//! and parse every record it yields; nothing may panic.

use std::sync::Arc;

use newsdex::ingest::{FieldMap, Format, Input, Limits, parse_record, read_from};

pub fn read_and_parse(format: Format, name: &str, data: &[u8]) {
    let input = Arc::new(Input {
        path: name.into(),
        name: name.into(),
        format,
        gzip: false,
        rel_id: Some(name.into()),
        size: data.len() as u64,
    });
    let map = FieldMap::default();
    let reader = Box::new(std::io::Cursor::new(data.to_vec()));
    let limits = Limits {
        max_record_bytes: 1 << 16,
    };
    let _ = read_from(&input, reader, limits, &mut |raw| {
        let _ = parse_record(&raw, &map);
        let _ = raw.raw_text();
        true
    });
}
