//! The types columns travel to Spark as (in a `LocalRelation`'s Arrow IPC stream).

use partita_common::{DataType, Field, Schema, TimeUnit};

/// The type a column travels to Spark as: Spark reads no unsigned Arrow types and
/// only microsecond time stamps and durations.
pub fn transport_type(t: DataType) -> DataType {
    match t {
        DataType::UInt8 => DataType::Int16,
        DataType::UInt16 => DataType::Int32,
        DataType::UInt32 => DataType::Int64,
        DataType::UInt64 => DataType::Decimal(20, 0),
        DataType::Timestamp(_, tz) => DataType::Timestamp(TimeUnit::Microsecond, tz),
        DataType::Duration(_) => DataType::Duration(TimeUnit::Microsecond),
        other => other,
    }
}

/// The schema Spark sees for a table of `schema` (see [`transport_type`]).
pub fn transport_schema(schema: &Schema) -> Schema {
    Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| Field {
                data_type: transport_type(f.data_type),
                ..f.clone()
            })
            .collect(),
    )
}
