//! Hash partitioning of rows by key columns, deterministic across runs and
//! machines (no random seed), so a shuffle never changes a result.

use partita_common::{Error, Result};
use polars_core::prelude::{DataFrame, DataType as PlDataType, Series};

use crate::frame::{column, pl_err, take_rows};

fn mix(mut x: u64) -> u64 {
    // splitmix64 finalizer
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

const NULL_HASH: u64 = 0x9e3779b97f4a7c15;

fn hash_column(s: &Series, acc: &mut [u64]) -> Result<()> {
    let view = crate::frame::key_view(s)?;
    let s: &Series = &view;
    let combine = |a: &mut u64, h: u64| *a = mix(*a ^ h.wrapping_add(0x9e3779b97f4a7c15));
    match s.dtype() {
        PlDataType::Int64 => {
            for (a, v) in acc.iter_mut().zip(s.i64().map_err(pl_err)?.iter()) {
                combine(a, v.map_or(NULL_HASH, |v| mix(v as u64)));
            }
        }
        PlDataType::Float64 => {
            for (a, v) in acc.iter_mut().zip(s.f64().map_err(pl_err)?.iter()) {
                let h = v.map_or(NULL_HASH, |v| {
                    let bits = if v.is_nan() {
                        f64::NAN.to_bits()
                    } else if v == 0.0 {
                        0
                    } else {
                        v.to_bits()
                    };
                    mix(bits)
                });
                combine(a, h);
            }
        }
        PlDataType::Boolean => {
            for (a, v) in acc.iter_mut().zip(s.bool().map_err(pl_err)?.iter()) {
                combine(a, v.map_or(NULL_HASH, |v| mix(v as u64 + 1)));
            }
        }
        PlDataType::String => {
            for (a, v) in acc.iter_mut().zip(s.str().map_err(pl_err)?.iter()) {
                combine(a, v.map_or(NULL_HASH, |v| fnv(v.as_bytes())));
            }
        }
        PlDataType::Null => {
            for a in acc.iter_mut() {
                combine(a, NULL_HASH);
            }
        }
        other => return Err(Error::NotImplemented(format!("hashing {other}"))),
    }
    Ok(())
}

/// Splits rows into `n` frames by the hash of `keys`; rows keep their order within
/// each output. Equal keys (NaN with NaN, 0.0 with -0.0, null with null) always
/// land in the same output.
pub fn hash_split(df: &DataFrame, keys: &[String], n: usize) -> Result<Vec<DataFrame>> {
    if n == 1 {
        return Ok(vec![df.clone()]);
    }
    let mut acc = vec![0u64; df.height()];
    for k in keys {
        hash_column(column(df, k)?, &mut acc)?;
    }
    let mut rows: Vec<Vec<u32>> = vec![Vec::with_capacity(df.height() / n + 1); n];
    for (row, h) in acc.iter().enumerate() {
        rows[(h % n as u64) as usize].push(row as u32);
    }
    rows.iter().map(|r| take_rows(df, r)).collect()
}
