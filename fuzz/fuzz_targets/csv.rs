//! A CSV file, any bytes: read with default options under both presets with one
//! and three partitions (byte ranges cut at line ends). Every read of a preset
//! fails, or all give the same table; nothing panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| partita_fuzz::check_csv(data));
