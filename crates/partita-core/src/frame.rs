//! Partitions as polars frames: type mapping, construction, concatenation, scalars.
//!
//! Every polars call of Partita lives in this crate; this module holds the ones
//! about whole frames and single values.

use partita_common::{
    DataType, Error, Field, Result, ScalarValue, Schema, Semantics, TimeUnit, TimeZone,
};
use polars_core::prelude::{
    BooleanChunked, ChunkFull, Column, DataFrame, DataType as PlDataType, Float32Chunked,
    Float64Chunked, Int32Chunked, Int64Chunked, IntoColumn, IntoSeries, PolarsError, Series,
    StringChunked, TimeUnit as PlTimeUnit, TimeZone as PlTimeZone, UInt64Chunked,
};

/// One partition: an in-memory columnar frame.
pub type Partition = DataFrame;

/// The NaN values of the float columns of `df`.
pub fn nan_count(df: &DataFrame) -> usize {
    df.columns()
        .iter()
        .map(|c| {
            let s = c.as_materialized_series();
            match s.dtype() {
                PlDataType::Float64 => s.f64().map_or(0, |a| {
                    a.downcast_iter()
                        .map(|arr| match arr.validity() {
                            None => arr.values().iter().filter(|x| x.is_nan()).count(),
                            Some(_) => arr.iter().flatten().filter(|x| x.is_nan()).count(),
                        })
                        .sum()
                }),
                PlDataType::Float32 => s
                    .f32()
                    .map_or(0, |a| a.iter().flatten().filter(|x| x.is_nan()).count()),
                _ => 0,
            }
        })
        .sum()
}

/// Turns a polars error into a Partita error (a bug unless said otherwise).
pub fn pl_err(e: PolarsError) -> Error {
    Error::Internal(format!("kernel error: {e}"))
}

fn to_polars_unit(u: TimeUnit) -> PlTimeUnit {
    match u {
        TimeUnit::Millisecond => PlTimeUnit::Milliseconds,
        TimeUnit::Microsecond => PlTimeUnit::Microseconds,
        TimeUnit::Nanosecond => PlTimeUnit::Nanoseconds,
    }
}

fn from_polars_unit(u: PlTimeUnit) -> TimeUnit {
    match u {
        PlTimeUnit::Milliseconds => TimeUnit::Millisecond,
        PlTimeUnit::Microseconds => TimeUnit::Microsecond,
        PlTimeUnit::Nanoseconds => TimeUnit::Nanosecond,
    }
}

/// The polars type that stores a Partita type.
pub fn to_polars_type(t: DataType) -> PlDataType {
    match t {
        DataType::Boolean => PlDataType::Boolean,
        DataType::Int8 => PlDataType::Int8,
        DataType::Int16 => PlDataType::Int16,
        DataType::Int32 => PlDataType::Int32,
        DataType::Int64 => PlDataType::Int64,
        DataType::UInt8 => PlDataType::UInt8,
        DataType::UInt16 => PlDataType::UInt16,
        DataType::UInt32 => PlDataType::UInt32,
        DataType::UInt64 => PlDataType::UInt64,
        DataType::Float32 => PlDataType::Float32,
        DataType::Float64 => PlDataType::Float64,
        DataType::Utf8 | DataType::Categorical(_) => PlDataType::String,
        DataType::Date => PlDataType::Date,
        DataType::Timestamp(unit, tz) => PlDataType::Datetime(
            to_polars_unit(unit),
            // SAFETY: a zone name reaches a Partita type only after parsing (a case
            // file, a Parquet file's metadata, SQL): polars does not validate it
            // again here, and Partita's own kernels do the zone arithmetic.
            tz.map(|z| unsafe { PlTimeZone::new_unchecked(z.name()) }),
        ),
        DataType::Duration(unit) => PlDataType::Duration(to_polars_unit(unit)),
        DataType::Decimal(p, s) => PlDataType::Decimal(p as usize, s as usize),
        DataType::Null | DataType::Unsupported(_) => PlDataType::Null,
    }
}

/// The Partita type of a polars type. A type Partita does not handle is
/// [`DataType::Unsupported`] (a query that uses such a column fails at planning);
/// a categorical is read as its strings.
pub fn from_polars_type(t: &PlDataType) -> Result<DataType> {
    Ok(match t {
        PlDataType::Boolean => DataType::Boolean,
        PlDataType::Int8 => DataType::Int8,
        PlDataType::Int16 => DataType::Int16,
        PlDataType::Int32 => DataType::Int32,
        PlDataType::Int64 => DataType::Int64,
        PlDataType::UInt8 => DataType::UInt8,
        PlDataType::UInt16 => DataType::UInt16,
        PlDataType::UInt32 => DataType::UInt32,
        PlDataType::UInt64 => DataType::UInt64,
        PlDataType::Float32 => DataType::Float32,
        PlDataType::Float64 => DataType::Float64,
        PlDataType::String | PlDataType::Categorical(..) | PlDataType::Enum(..) => DataType::Utf8,
        PlDataType::Date => DataType::Date,
        PlDataType::Datetime(unit, tz) => DataType::Timestamp(
            from_polars_unit(*unit),
            tz.as_ref().map(|z| TimeZone::new(z.as_str())),
        ),
        PlDataType::Duration(unit) => DataType::Duration(from_polars_unit(*unit)),
        PlDataType::Decimal(p, s) if *p <= 38 && s <= p => DataType::Decimal(*p as u8, *s as u8),
        PlDataType::Null => DataType::Null,
        other => DataType::Unsupported(partita_common::intern(&other.to_string())),
    })
}

/// The Partita schema of a frame.
pub fn schema_of(df: &DataFrame) -> Result<Schema> {
    df.columns()
        .iter()
        .map(|c| Ok(Field::new(c.name().as_str(), from_polars_type(c.dtype())?)))
        .collect::<Result<Vec<_>>>()
        .map(Schema::new)
}

/// A frame from columns of equal length.
pub fn frame(columns: Vec<Series>) -> Result<DataFrame> {
    let height = columns.first().map(|s| s.len()).unwrap_or(0);
    frame_with_height(height, columns)
}

/// A frame from columns of length `height` (a frame with no columns keeps its height).
pub fn frame_with_height(height: usize, columns: Vec<Series>) -> Result<DataFrame> {
    DataFrame::new(
        height,
        columns.into_iter().map(|s| s.into_column()).collect(),
    )
    .map_err(pl_err)
}

/// An empty frame with a schema.
pub fn empty_frame(schema: &Schema) -> DataFrame {
    let cols = schema
        .fields()
        .iter()
        .map(|f| Column::new_empty(f.name.as_str().into(), &to_polars_type(f.data_type)))
        .collect();
    DataFrame::new(0, cols).expect("empty columns of one length")
}

/// The column named `name` as a series.
pub fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Series> {
    df.column(name)
        .map(|c| c.as_materialized_series())
        .map_err(|_| {
            Error::internal(format!(
                "column '{name}' missing from a partition with {:?}",
                df.get_column_names()
            ))
        })
}

/// The frame's columns as series, in order.
pub fn series_of(df: &DataFrame) -> Vec<Series> {
    df.columns()
        .iter()
        .map(|c| c.as_materialized_series().clone())
        .collect()
}

/// Concatenates frames of one schema, in order (`schema` gives the empty result).
pub fn concat(frames: Vec<DataFrame>, schema: &Schema) -> Result<DataFrame> {
    let mut out = stack(frames, schema)?;
    out.rechunk_mut();
    Ok(out)
}

/// As [`concat`], without copying: each frame's arrays become chunks of the
/// result's columns. For a frame that is gathered from right away.
pub fn stack(frames: Vec<DataFrame>, schema: &Schema) -> Result<DataFrame> {
    let mut iter = frames.into_iter().filter(|f| f.height() > 0);
    let Some(mut out) = iter.next() else {
        return Ok(empty_frame(schema));
    };
    for f in iter {
        out.vstack_mut_owned(f).map_err(pl_err)?;
    }
    Ok(out)
}

/// Splits a frame, in order, into `n` slices of near-equal size.
pub fn split_even(df: &DataFrame, n: usize) -> Vec<DataFrame> {
    let h = df.height();
    (0..n)
        .map(|i| {
            let start = h * i / n;
            let end = h * (i + 1) / n;
            df.slice(start as i64, end - start)
        })
        .collect()
}

/// A series of `len` copies of a scalar, with a name.
pub fn scalar_series(name: &str, value: &ScalarValue, len: usize) -> Series {
    let name = name.into();
    let typed = |s: Series, v: &ScalarValue| {
        s.cast(&to_polars_type(v.data_type()))
            .expect("a scalar's physical series casts to its logical type")
    };
    match value {
        ScalarValue::Null => Series::full_null(name, len, &PlDataType::Null),
        ScalarValue::Boolean(Some(v)) => BooleanChunked::full(name, *v, len).into_series(),
        ScalarValue::Int64(Some(v)) => Int64Chunked::full(name, *v, len).into_series(),
        ScalarValue::Float64(Some(v)) => Float64Chunked::full(name, *v, len).into_series(),
        ScalarValue::Utf8(Some(v)) => StringChunked::full(name, v, len).into_series(),
        ScalarValue::Float32(Some(v)) => Float32Chunked::full(name, *v, len).into_series(),
        ScalarValue::UInt64(Some(v)) => UInt64Chunked::full(name, *v, len).into_series(),
        ScalarValue::Date(Some(d)) => Int32Chunked::full(name, *d, len).into_series().into_date(),
        ScalarValue::Timestamp(Some(t), ..) | ScalarValue::Duration(Some(t), _) => {
            typed(Int64Chunked::full(name, *t, len).into_series(), value)
        }
        v if !v.is_null() && v.as_i128().is_some() => {
            let i = v.as_i128().expect("an integer") as i64;
            typed(Int64Chunked::full(name, i, len).into_series(), v)
        }
        other => Series::full_null(name, len, &to_polars_type(other.data_type())),
    }
}

/// The value at row `i`.
pub fn scalar_at(s: &Series, i: usize) -> Result<ScalarValue> {
    use polars_core::prelude::AnyValue as A;
    let v = s.get(i).map_err(pl_err)?;
    Ok(match v {
        A::Null => ScalarValue::null_of(from_polars_type(s.dtype())?),
        A::Boolean(b) => ScalarValue::Boolean(Some(b)),
        A::Int8(x) => ScalarValue::Int8(Some(x)),
        A::Int16(x) => ScalarValue::Int16(Some(x)),
        A::Int32(x) => ScalarValue::Int32(Some(x)),
        A::Int64(x) => ScalarValue::Int64(Some(x)),
        A::UInt8(x) => ScalarValue::UInt8(Some(x)),
        A::UInt16(x) => ScalarValue::UInt16(Some(x)),
        A::UInt32(x) => ScalarValue::UInt32(Some(x)),
        A::UInt64(x) => ScalarValue::UInt64(Some(x)),
        A::Float32(x) => ScalarValue::Float32(Some(x)),
        A::Float64(x) => ScalarValue::Float64(Some(x)),
        A::String(x) => ScalarValue::Utf8(Some(x.to_string())),
        A::StringOwned(x) => ScalarValue::Utf8(Some(x.to_string())),
        A::Date(d) => ScalarValue::Date(Some(d)),
        A::Datetime(t, ..) | A::DatetimeOwned(t, ..) | A::Duration(t, _) => {
            match from_polars_type(s.dtype())? {
                DataType::Timestamp(unit, tz) => ScalarValue::Timestamp(Some(t), unit, tz),
                DataType::Duration(unit) => ScalarValue::Duration(Some(t), unit),
                other => return Err(Error::internal(format!("a time value in a {other} column"))),
            }
        }
        A::Decimal(v, p, s) => ScalarValue::Decimal(Some(v), p as u8, s as u8),
        A::Categorical(..) | A::CategoricalOwned(..) | A::Enum(..) | A::EnumOwned(..) => {
            ScalarValue::Utf8(Some(v.str_value().to_string()))
        }
        other => {
            return Err(Error::NotImplemented(format!(
                "values of polars type {}",
                other.dtype()
            )))
        }
    })
}

/// Under `NaN is missing`, turns every NaN of a float column into null.
pub fn normalize_nan(s: Series, semantics: &Semantics) -> Result<Series> {
    if !semantics.nan_is_missing() || s.dtype() != &PlDataType::Float64 {
        return Ok(s);
    }
    let ca = s.f64().map_err(pl_err)?;
    // A vectorized scan of the raw values (a NaN under a missing slot only sends
    // the column down the exact path below).
    if !ca
        .downcast_iter()
        .any(|arr| arr.values().iter().any(|x| x.is_nan()))
    {
        return Ok(s);
    }
    let out: Float64Chunked = ca.iter().map(|v| v.filter(|x| !x.is_nan())).collect();
    Ok(out.with_name(s.name().clone()).into_series())
}

/// Casts each column of a frame to the schema's type (by position) and applies the
/// NaN rule: what a scan yields.
pub fn conform(df: DataFrame, schema: &Schema, semantics: &Semantics) -> Result<DataFrame> {
    if df.width() != schema.len() {
        return Err(Error::internal(format!(
            "a partition has {} columns where the schema {schema} has {}",
            df.width(),
            schema.len()
        )));
    }
    let height = df.height();
    let cols = df
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| {
            let s = c.as_materialized_series();
            let want = to_polars_type(f.data_type);
            let s = if s.dtype() != &want {
                s.cast(&want).map_err(pl_err)?
            } else {
                s.clone()
            };
            let s = if s.name().as_str() != f.name {
                s.with_name(f.name.as_str().into())
            } else {
                s
            };
            normalize_nan(s, semantics)
        })
        .collect::<Result<Vec<_>>>()?;
    frame_with_height(height, cols)
}

/// True when any value of the series is missing (null, or NaN when `nan_is_missing`).
pub fn has_missing(s: &Series) -> bool {
    s.null_count() > 0
}

/// The rows `rows` of a frame, in that order.
///
/// Column by column on the calling thread: kernels run inside the session's tasks,
/// and polars' parallel frame operations would wait on polars' own pool from a
/// worker of ours, which then runs other queued tasks on top of its stack.
pub fn take_rows(df: &DataFrame, rows: &[u32]) -> Result<DataFrame> {
    let idx = polars_core::prelude::IdxCa::from_vec("rows".into(), rows.to_vec());
    let cols = df
        .columns()
        .iter()
        .map(|c| c.as_materialized_series().take(&idx).map_err(pl_err))
        .collect::<Result<Vec<_>>>()?;
    frame_with_height(rows.len(), cols)
}

/// As [`take_rows`], consuming the frame: each column is freed as soon as its rows
/// are gathered, so the input and the output are never both whole in memory.
pub fn take_rows_owned(df: DataFrame, rows: &[u32]) -> Result<DataFrame> {
    let idx = polars_core::prelude::IdxCa::from_vec("rows".into(), rows.to_vec());
    let take = |c: Column| {
        let s = c.as_materialized_series();
        // Strings of several chunks would be gathered value by value into new
        // buffers; one chunk gathers as views that share the strings' buffers.
        if s.n_chunks() > 1 && s.dtype() == &PlDataType::String {
            s.rechunk().take(&idx)
        } else {
            s.take(&idx)
        }
        .map_err(pl_err)
    };
    let cols = df
        .into_columns()
        .into_iter()
        .map(take)
        .collect::<Result<Vec<_>>>()?;
    frame_with_height(rows.len(), cols)
}

/// The rows of a frame where `mask` is true, on the calling thread (see
/// [`take_rows`] for why).
pub fn filter_rows(
    df: &DataFrame,
    mask: &polars_core::prelude::BooleanChunked,
) -> Result<DataFrame> {
    df.filter_seq(mask).map_err(pl_err)
}

/// Builds a column of `height` rows from pieces that each hold the values of some
/// rows (`rows[k]` gets `values[k]`); the pieces cover every row exactly once.
pub fn assemble(
    pieces: Vec<(Vec<u32>, Series)>,
    height: usize,
    dtype: DataType,
    name: &str,
) -> Result<Series> {
    let target = to_polars_type(dtype);
    let mut all = Series::new_empty(name.into(), &target);
    let mut position = vec![0u32; height];
    let mut offset = 0u32;
    for (rows, values) in pieces {
        let values = values.cast(&target).map_err(pl_err)?;
        for (k, r) in rows.iter().enumerate() {
            position[*r as usize] = offset + k as u32;
        }
        offset += rows.len() as u32;
        all.append(&values).map_err(pl_err)?;
    }
    let idx = polars_core::prelude::IdxCa::from_vec("position".into(), position);
    Ok(all.take(&idx).map_err(pl_err)?.with_name(name.into()))
}

/// The series as one of the kernels' key types (Int64, Float64, Boolean, String,
/// Null) with the same equality and order: narrower and unsigned integers widen to
/// Int64 (a UInt64 maps onto Int64 by flipping its top bit, which keeps the order),
/// Float32 widens to Float64 (exactly), and dates, timestamps and durations are their
/// ticks. Grouping, hashing, sorting and MIN/MAX run on this view; [`from_key_view`]
/// turns a result back.
pub fn key_view(s: &Series) -> Result<std::borrow::Cow<'_, Series>> {
    use std::borrow::Cow;
    Ok(match s.dtype() {
        PlDataType::Int64
        | PlDataType::Float64
        | PlDataType::Boolean
        | PlDataType::String
        | PlDataType::Null => Cow::Borrowed(s),
        PlDataType::UInt64 => {
            let ca = s.u64().map_err(pl_err)?;
            let out: Int64Chunked = ca
                .iter()
                .map(|v| v.map(|v| (v ^ (1 << 63)) as i64))
                .collect();
            Cow::Owned(out.with_name(s.name().clone()).into_series())
        }
        PlDataType::Float32 => Cow::Owned(s.cast(&PlDataType::Float64).map_err(pl_err)?),
        // Unscaled values keep a decimal's order and equality (one scale per column).
        PlDataType::Decimal(p, _) if *p <= 18 => Cow::Owned(
            s.to_physical_repr()
                .cast(&PlDataType::Int64)
                .map_err(pl_err)?,
        ),
        // Wider decimals: the unscaled i128 as 32 hex digits with the sign bit flipped,
        // whose byte order is the numbers' order (exact, unlike a float).
        PlDataType::Decimal(..) => {
            let phys = s.to_physical_repr();
            let ca = phys.i128().map_err(pl_err)?;
            let out: StringChunked = ca
                .iter()
                .map(|v| v.map(|v| format!("{:032x}", (v as u128) ^ (1 << 127))))
                .collect();
            Cow::Owned(out.with_name(s.name().clone()).into_series())
        }
        PlDataType::Date | PlDataType::Datetime(..) | PlDataType::Duration(_) => Cow::Owned(
            s.to_physical_repr()
                .cast(&PlDataType::Int64)
                .map_err(pl_err)?,
        ),
        PlDataType::Categorical(..) | PlDataType::Enum(..) => {
            Cow::Owned(s.cast(&PlDataType::String).map_err(pl_err)?)
        }
        t if t.is_integer() => Cow::Owned(s.cast(&PlDataType::Int64).map_err(pl_err)?),
        other => {
            return Err(Error::NotImplemented(format!(
                "columns of polars type {other} as keys"
            )))
        }
    })
}

/// Turns a series of a [`key_view`] back into the original polars type `to`.
pub fn from_key_view(s: Series, to: &PlDataType) -> Result<Series> {
    if s.dtype() == to {
        return Ok(s);
    }
    Ok(match to {
        PlDataType::UInt64 => {
            let ca = s.i64().map_err(pl_err)?;
            let out: UInt64Chunked = ca
                .iter()
                .map(|v| v.map(|v| (v as u64) ^ (1 << 63)))
                .collect();
            out.with_name(s.name().clone()).into_series()
        }
        PlDataType::Date => s.cast(&PlDataType::Int32).map_err(pl_err)?.into_date(),
        PlDataType::Datetime(unit, tz) => s.into_datetime(*unit, tz.clone()),
        PlDataType::Duration(unit) => s.into_duration(*unit),
        PlDataType::Decimal(p, sc) if *p <= 18 => s
            .cast(&PlDataType::Int128)
            .map_err(pl_err)?
            .into_decimal(*p, *sc)
            .map_err(pl_err)?,
        PlDataType::Decimal(p, sc) => {
            let ca = s.str().map_err(pl_err)?;
            let out: polars_core::prelude::Int128Chunked = ca
                .iter()
                .map(|v| {
                    v.and_then(|h| u128::from_str_radix(h, 16).ok())
                        .map(|u| (u ^ (1 << 127)) as i128)
                })
                .collect();
            out.with_name(s.name().clone())
                .into_series()
                .into_decimal(*p, *sc)
                .map_err(pl_err)?
        }
        other => s.cast(other).map_err(pl_err)?,
    })
}
