//! Data types, scalar values and schemas, shared by the plan and the kernels.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::semantics::{IdentifierCase, Semantics};

/// The logical type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    /// true / false.
    Boolean,
    /// 64-bit signed integer (pandas int64, Spark bigint).
    Int64,
    /// 64-bit IEEE float (pandas float64, Spark double).
    Float64,
    /// UTF-8 text (pandas str, Spark string).
    Utf8,
    /// The type of an untyped NULL literal; casts to any type.
    Null,
}

impl DataType {
    /// True for Int64 and Float64.
    pub fn is_numeric(&self) -> bool {
        matches!(self, DataType::Int64 | DataType::Float64)
    }

    /// Parses a type name as written in SQL or a case file (`i64`, `bigint`, `double`, ...).
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name.trim().to_ascii_lowercase().as_str() {
            "bool" | "boolean" => DataType::Boolean,
            "i64" | "int64" | "bigint" | "int" | "integer" | "long" => DataType::Int64,
            "f64" | "float64" | "double" | "float" | "real" => DataType::Float64,
            "str" | "string" | "utf8" | "text" | "varchar" => DataType::Utf8,
            other => return Err(Error::plan(format!("unknown data type '{other}'"))),
        })
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DataType::Boolean => "bool",
            DataType::Int64 => "i64",
            DataType::Float64 => "f64",
            DataType::Utf8 => "str",
            DataType::Null => "null",
        })
    }
}

/// One value of a known type; `None` inside a variant is a typed NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalarValue {
    /// An untyped NULL.
    Null,
    /// A boolean or a typed NULL.
    Boolean(Option<bool>),
    /// An integer or a typed NULL.
    Int64(Option<i64>),
    /// A float or a typed NULL.
    Float64(Option<f64>),
    /// A string or a typed NULL.
    Utf8(Option<String>),
}

impl ScalarValue {
    /// The value's type.
    pub fn data_type(&self) -> DataType {
        match self {
            ScalarValue::Null => DataType::Null,
            ScalarValue::Boolean(_) => DataType::Boolean,
            ScalarValue::Int64(_) => DataType::Int64,
            ScalarValue::Float64(_) => DataType::Float64,
            ScalarValue::Utf8(_) => DataType::Utf8,
        }
    }

    /// A NULL of the given type.
    pub fn null_of(dtype: DataType) -> Self {
        match dtype {
            DataType::Boolean => ScalarValue::Boolean(None),
            DataType::Int64 => ScalarValue::Int64(None),
            DataType::Float64 => ScalarValue::Float64(None),
            DataType::Utf8 => ScalarValue::Utf8(None),
            DataType::Null => ScalarValue::Null,
        }
    }

    /// True for any NULL.
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            ScalarValue::Null
                | ScalarValue::Boolean(None)
                | ScalarValue::Int64(None)
                | ScalarValue::Float64(None)
                | ScalarValue::Utf8(None)
        )
    }
}

impl fmt::Display for ScalarValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            v if v.is_null() => f.write_str("NULL"),
            ScalarValue::Boolean(Some(b)) => write!(f, "{b}"),
            ScalarValue::Int64(Some(i)) => write!(f, "{i}"),
            ScalarValue::Float64(Some(x)) => {
                if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 {
                    write!(f, "{x:.1}")
                } else {
                    write!(f, "{x}")
                }
            }
            ScalarValue::Utf8(Some(s)) => write!(f, "'{}'", s.replace('\'', "''")),
            _ => unreachable!("nulls are handled above"),
        }
    }
}

macro_rules! scalar_from {
    ($($t:ty => $v:ident $(as $cast:ty)?),+) => {$(
        impl From<$t> for ScalarValue {
            fn from(x: $t) -> Self { ScalarValue::$v(Some((x $(as $cast)?).into())) }
        }
        impl From<Option<$t>> for ScalarValue {
            fn from(x: Option<$t>) -> Self { ScalarValue::$v(x.map(|x| (x $(as $cast)?).into())) }
        }
    )+};
}
scalar_from!(bool => Boolean, i64 => Int64, i32 => Int64 as i64, f64 => Float64, &str => Utf8, String => Utf8);

/// A named, typed column of a schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// The column name.
    pub name: String,
    /// The column type.
    pub data_type: DataType,
}

impl Field {
    /// A field.
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        Field {
            name: name.into(),
            data_type,
        }
    }
}

/// An ordered list of fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Schema {
    fields: Vec<Field>,
}

/// A shared schema.
pub type SchemaRef = Arc<Schema>;

impl Schema {
    /// A schema from fields. Duplicate names are allowed only where a caller checks them.
    pub fn new(fields: Vec<Field>) -> Self {
        Schema { fields }
    }

    /// The fields in order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the schema has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The field names in order.
    pub fn names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }

    /// The field at `index`.
    pub fn field(&self, index: usize) -> &Field {
        &self.fields[index]
    }

    /// The index of the field named exactly `name`.
    pub fn index_of_exact(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Resolves a column name as the semantics says: exact match first; under
    /// case-insensitive identifiers a unique case-insensitive match; an error naming
    /// the column (with the nearest name) when none matches, or both when two match.
    pub fn resolve(&self, name: &str, semantics: &Semantics) -> Result<usize> {
        let insensitive = semantics.identifier_case == IdentifierCase::Insensitive;
        if insensitive {
            let matches: Vec<usize> = (0..self.fields.len())
                .filter(|&i| self.fields[i].name.eq_ignore_ascii_case(name))
                .collect();
            match matches.len() {
                1 => return Ok(matches[0]),
                0 => {}
                _ => {
                    let names: Vec<&str> = matches
                        .iter()
                        .map(|&i| self.fields[i].name.as_str())
                        .collect();
                    return Err(Error::analysis(
                        "AMBIGUOUS_REFERENCE",
                        format!(
                            "column reference '{name}' is ambiguous: it matches {}",
                            names.join(", ")
                        ),
                    ));
                }
            }
        } else if let Some(i) = self.index_of_exact(name) {
            return Ok(i);
        }
        Err(Error::column_not_found(name, &self.names()))
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|x| format!("{}: {}", x.name, x.data_type))
            .collect();
        write!(f, "[{}]", parts.join(", "))
    }
}
