//! Any bytes into the afb reader (format detection skipped): an error or a flow, never a panic.
#![no_main]

use flowkg::{ReadOptions, SourceFormat, read_bytes_as};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = read_bytes_as(
        "fuzz.json",
        None,
        data,
        SourceFormat::Afb,
        &ReadOptions::new(),
    );
});
