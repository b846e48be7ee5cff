//! Arrow IPC streams: partitions out (cast to a schema's types) and record batches
//! in, for engines that speak Arrow (the Spark Connect backend).

use partita_common::{Error, Result, Schema};
use polars_arrow::io::ipc::read::{read_stream_metadata, StreamReader, StreamState};
use polars_arrow::io::ipc::write::{StreamWriter, WriteOptions};
use polars_core::prelude::{CompatLevel, DataFrame, Series};
use polars_core::schema::SchemaExt;

use crate::frame::{pl_err, to_polars_type};
use crate::Partition;

/// `parts` as one Arrow IPC stream (a schema message, then a record batch per
/// chunk), each column cast to `schema`'s type at its position and named as the
/// schema names it; text travels in Arrow's classic (offset) layout.
pub fn write_stream(parts: &[Partition], schema: &Schema) -> Result<Vec<u8>> {
    let compat = CompatLevel::oldest();
    let mut out = Vec::new();
    let mut writer = StreamWriter::new(&mut out, WriteOptions { compression: None });
    let mut started = false;
    for part in parts {
        let columns = part
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| {
                let s = c.as_materialized_series();
                let want = to_polars_type(f.data_type);
                let s = if s.dtype() == &want {
                    s.clone()
                } else {
                    s.cast(&want).map_err(pl_err)?
                };
                Ok(s.with_name(f.name.as_str().into()).into())
            })
            .collect::<Result<Vec<_>>>()?;
        let mut df = DataFrame::new(part.height(), columns).map_err(pl_err)?;
        df.rechunk_mut();
        if !started {
            writer
                .start(&df.schema().to_arrow(compat), None)
                .map_err(pl_err)?;
            started = true;
        }
        for batch in df.iter_chunks(compat, false) {
            writer.write(&batch, None).map_err(pl_err)?;
        }
    }
    if !started {
        return Err(Error::internal(
            "an Arrow stream of a table without partitions",
        ));
    }
    writer.finish().map_err(pl_err)?;
    Ok(out)
}

/// The record batches of one Arrow IPC stream, each as a frame.
pub fn read_stream(bytes: &[u8]) -> Result<Vec<Partition>> {
    let mut cursor = std::io::Cursor::new(bytes);
    let meta = read_stream_metadata(&mut cursor).map_err(pl_err)?;
    let fields: Vec<_> = meta.schema.iter_values().cloned().collect();
    let reader = StreamReader::new(cursor, meta, None);
    let mut frames = vec![];
    for state in reader {
        match state.map_err(pl_err)? {
            StreamState::Waiting => break,
            StreamState::Some(batch) => {
                let height = batch.len();
                let columns = fields
                    .iter()
                    .zip(batch.into_arrays())
                    .map(|(f, a)| {
                        Series::from_arrow(f.name.clone(), a)
                            .map(Into::into)
                            .map_err(pl_err)
                    })
                    .collect::<Result<Vec<_>>>()?;
                frames.push(DataFrame::new(height, columns).map_err(pl_err)?);
            }
        }
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;
    use partita_common::{DataType, Field};
    use polars_core::prelude::{IntoColumn, NamedFrom};

    #[test]
    fn a_stream_reads_back_with_the_schema_types() {
        let df = DataFrame::new(
            3,
            vec![
                Series::new("a".into(), [1u8, 2, 255]).into_column(),
                Series::new("b".into(), [Some("x"), None, Some("zé")]).into_column(),
            ],
        )
        .unwrap();
        let schema = Schema::new(vec![
            Field::new("a", DataType::Int16),
            Field::new("b", DataType::Utf8),
        ]);
        let bytes = write_stream(&[df.clone(), df], &schema).unwrap();
        let back = read_stream(&bytes).unwrap();
        assert_eq!(back.len(), 2);
        let a = back[1]
            .column("a")
            .unwrap()
            .as_materialized_series()
            .clone();
        assert_eq!(a.dtype(), &to_polars_type(DataType::Int16));
        assert_eq!(a.i16().unwrap().get(2), Some(255));
        let b = back[0]
            .column("b")
            .unwrap()
            .as_materialized_series()
            .clone();
        assert_eq!(b.str().unwrap().get(2), Some("zé"));
        assert_eq!(b.null_count(), 1);
    }
}
