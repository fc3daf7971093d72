//! Fuzz target: the csv reader and record parser never panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::read_and_parse(newsdex::ingest::Format::Csv, "a.csv", data);
});
