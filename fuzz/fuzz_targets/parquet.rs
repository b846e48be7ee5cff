//! A Parquet file, any bytes (mutations of files written by pyarrow, pandas and
//! Polars): every column decoded under both presets with one and three
//! partitions. Every read of a preset fails, or all give the same table; nothing
//! panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| partita_fuzz::check_parquet(data));
