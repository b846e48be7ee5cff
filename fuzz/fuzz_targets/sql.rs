//! SQL text, any bytes: parsed, planned, optimized, run on three partitions over
//! the fixture tables and rendered in every output mode, under the preset the
//! first byte picks. Nothing may panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| partita_fuzz::run_sql(data));
