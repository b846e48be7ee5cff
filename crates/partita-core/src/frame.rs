//! Partitions as polars frames: type mapping, construction, concatenation, scalars.
//!
//! Every polars call of Partita lives in this crate; this module holds the ones
//! about whole frames and single values.

use partita_common::{DataType, Error, Field, Result, ScalarValue, Schema, Semantics};
use polars_core::prelude::{
    BooleanChunked, ChunkFull, Column, DataFrame, DataType as PlDataType, Float64Chunked,
    Int64Chunked, IntoColumn, IntoSeries, PolarsError, Series, StringChunked,
};

/// One partition: an in-memory columnar frame.
pub type Partition = DataFrame;

/// Turns a polars error into a Partita error (a bug unless said otherwise).
pub fn pl_err(e: PolarsError) -> Error {
    Error::Internal(format!("kernel error: {e}"))
}

/// The polars type that stores a Partita type.
pub fn to_polars_type(t: DataType) -> PlDataType {
    match t {
        DataType::Boolean => PlDataType::Boolean,
        DataType::Int64 => PlDataType::Int64,
        DataType::Float64 => PlDataType::Float64,
        DataType::Utf8 => PlDataType::String,
        DataType::Null => PlDataType::Null,
    }
}

/// The Partita type of a polars type; narrower integers and floats map to the 64-bit ones.
pub fn from_polars_type(t: &PlDataType) -> Result<DataType> {
    Ok(match t {
        PlDataType::Boolean => DataType::Boolean,
        PlDataType::Int64
        | PlDataType::Int32
        | PlDataType::Int16
        | PlDataType::Int8
        | PlDataType::UInt32
        | PlDataType::UInt16
        | PlDataType::UInt8
        | PlDataType::UInt64 => DataType::Int64,
        PlDataType::Float64 | PlDataType::Float32 => DataType::Float64,
        PlDataType::String => DataType::Utf8,
        PlDataType::Null => DataType::Null,
        other => {
            return Err(Error::NotImplemented(format!(
                "columns of polars type {other}"
            )))
        }
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
    match value {
        ScalarValue::Null => Series::full_null(name, len, &PlDataType::Null),
        ScalarValue::Boolean(Some(v)) => BooleanChunked::full(name, *v, len).into_series(),
        ScalarValue::Int64(Some(v)) => Int64Chunked::full(name, *v, len).into_series(),
        ScalarValue::Float64(Some(v)) => Float64Chunked::full(name, *v, len).into_series(),
        ScalarValue::Utf8(Some(v)) => StringChunked::full(name, v, len).into_series(),
        other => Series::full_null(name, len, &to_polars_type(other.data_type())),
    }
}

/// The value at row `i`.
pub fn scalar_at(s: &Series, i: usize) -> Result<ScalarValue> {
    Ok(match s.dtype() {
        PlDataType::Boolean => ScalarValue::Boolean(s.bool().map_err(pl_err)?.get(i)),
        PlDataType::Int64 => ScalarValue::Int64(s.i64().map_err(pl_err)?.get(i)),
        PlDataType::Float64 => ScalarValue::Float64(s.f64().map_err(pl_err)?.get(i)),
        PlDataType::String => {
            ScalarValue::Utf8(s.str().map_err(pl_err)?.get(i).map(str::to_string))
        }
        PlDataType::Null => ScalarValue::Null,
        other => {
            return Err(Error::NotImplemented(format!(
                "values of polars type {other}"
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
    if !ca.iter().any(|v| v.is_some_and(f64::is_nan)) {
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
    take_rows_owned_with(df, rows, in_order)
}

/// The column mapper of [`take_rows_owned_with`] that gathers the columns one
/// after the other, on the calling thread.
pub fn in_order(
    cols: Vec<Column>,
    take: &(dyn Fn(Column) -> Result<Series> + Sync),
) -> Result<Vec<Series>> {
    cols.into_iter().map(take).collect()
}

/// As [`take_rows_owned`], with the caller mapping `take` over the columns: the
/// execution layer gathers them in parallel (kernels run no threads of their own).
pub fn take_rows_owned_with<M>(df: DataFrame, rows: &[u32], map_columns: M) -> Result<DataFrame>
where
    M: FnOnce(Vec<Column>, &(dyn Fn(Column) -> Result<Series> + Sync)) -> Result<Vec<Series>>,
{
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
    let cols = map_columns(df.into_columns(), &take)?;
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
