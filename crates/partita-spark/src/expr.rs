//! Partita expressions as Spark Connect `Expression` protos: columns as unresolved
//! attributes, typed literals, casts by type name, and functions by the names
//! Spark's function registry knows them by (the names PySpark sends).

use partita_common::{
    AggregateFunction, BinaryOperator, DataType, DatePart, Error, Result, ScalarFunction,
    ScalarValue, SortKey, TimeUnit,
};
use partita_plan::Expr;
use pb::expression::{self, literal::LiteralType, ExprType};
use spark_connect_proto as pb;

/// `name` as Spark parses an identifier: always back-quoted, so a name with a dot,
/// a space or a keyword stays one column.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn wrap(e: ExprType) -> pb::Expression {
    pb::Expression {
        common: None,
        expr_type: Some(e),
    }
}

/// A column reference.
pub fn column(name: &str) -> pb::Expression {
    wrap(ExprType::UnresolvedAttribute(
        expression::UnresolvedAttribute {
            unparsed_identifier: quote(name),
            plan_id: None,
            is_metadata_column: None,
        },
    ))
}

/// A call of a Spark function by name.
pub fn call(name: &str, args: Vec<pb::Expression>) -> pb::Expression {
    call_distinct(name, args, false)
}

fn call_distinct(name: &str, args: Vec<pb::Expression>, distinct: bool) -> pb::Expression {
    wrap(ExprType::UnresolvedFunction(
        expression::UnresolvedFunction {
            function_name: name.to_string(),
            arguments: args,
            is_distinct: distinct,
            is_user_defined_function: false,
            is_internal: None,
        },
    ))
}

/// `e AS name`.
pub fn alias(e: pb::Expression, name: &str) -> pb::Expression {
    wrap(ExprType::Alias(Box::new(expression::Alias {
        expr: Some(Box::new(e)),
        name: vec![name.to_string()],
        metadata: None,
    })))
}

/// `CAST(e AS t)`.
pub fn cast(e: pb::Expression, to: DataType) -> Result<pb::Expression> {
    Ok(wrap(ExprType::Cast(Box::new(expression::Cast {
        expr: Some(Box::new(e)),
        cast_to_type: Some(expression::cast::CastToType::TypeStr(type_name(to)?)),
        eval_mode: expression::cast::EvalMode::Unspecified as i32,
    }))))
}

/// A literal of a Rust value.
pub fn literal(v: &ScalarValue) -> Result<pb::Expression> {
    let typed = |t: LiteralType| {
        Ok(wrap(ExprType::Literal(expression::Literal {
            literal_type: Some(t),
            data_type: None,
        })))
    };
    let Some(value) = scalar_literal(v)? else {
        // A typed null: Spark's void literal cast to the column's type.
        let null = wrap(ExprType::Literal(expression::Literal {
            literal_type: Some(LiteralType::Null(pb::DataType {
                kind: Some(pb::data_type::Kind::Null(pb::data_type::Null {
                    type_variation_reference: 0,
                })),
            })),
            data_type: None,
        }));
        return match v.data_type() {
            DataType::Null => Ok(null),
            t => cast(null, t),
        };
    };
    typed(value)
}

fn scalar_literal(v: &ScalarValue) -> Result<Option<LiteralType>> {
    use ScalarValue as S;
    Ok(match v {
        S::Null => None,
        S::Boolean(b) => b.map(LiteralType::Boolean),
        S::Int8(x) => x.map(|x| LiteralType::Byte(x.into())),
        S::Int16(x) => x.map(|x| LiteralType::Short(x.into())),
        S::Int32(x) => x.map(LiteralType::Integer),
        S::Int64(x) => x.map(LiteralType::Long),
        S::UInt8(x) => x.map(|x| LiteralType::Short(x.into())),
        S::UInt16(x) => x.map(|x| LiteralType::Integer(x.into())),
        S::UInt32(x) => x.map(|x| LiteralType::Long(x.into())),
        S::UInt64(Some(x)) => match i64::try_from(*x) {
            Ok(x) => Some(LiteralType::Long(x)),
            Err(_) => Some(LiteralType::Decimal(expression::literal::Decimal {
                value: x.to_string(),
                precision: Some(20),
                scale: Some(0),
            })),
        },
        S::UInt64(None) => None,
        S::Float32(x) => x.map(LiteralType::Float),
        S::Float64(x) => x.map(LiteralType::Double),
        S::Utf8(x) => x.clone().map(LiteralType::String),
        S::Date(x) => x.map(LiteralType::Date),
        S::Timestamp(Some(x), unit, tz) => {
            let micros = match unit {
                TimeUnit::Millisecond => x.checked_mul(1000),
                TimeUnit::Microsecond => Some(*x),
                TimeUnit::Nanosecond => Some(x.div_euclid(1000)),
            }
            .ok_or_else(|| Error::User(format!("timestamp literal {v} is out of Spark's range")))?;
            Some(if tz.is_some() {
                LiteralType::Timestamp(micros)
            } else {
                LiteralType::TimestampNtz(micros)
            })
        }
        S::Timestamp(None, ..) => None,
        S::Duration(Some(x), unit) => Some(LiteralType::DayTimeInterval(match unit {
            TimeUnit::Millisecond => x.saturating_mul(1000),
            TimeUnit::Microsecond => *x,
            TimeUnit::Nanosecond => x.div_euclid(1000),
        })),
        S::Duration(None, _) => None,
        S::Decimal(Some(x), p, s) => Some(LiteralType::Decimal(expression::literal::Decimal {
            value: decimal_text(*x, *s),
            precision: Some((*p).into()),
            scale: Some((*s).into()),
        })),
        S::Decimal(None, ..) => None,
    })
}

fn decimal_text(x: i128, scale: u8) -> String {
    let digits = x.unsigned_abs().to_string();
    let scale = scale as usize;
    let sign = if x < 0 { "-" } else { "" };
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

/// Spark's DDL name of a Partita type.
pub fn type_name(t: DataType) -> Result<String> {
    use DataType as D;
    Ok(match t {
        D::Boolean => "boolean".into(),
        D::Int8 => "tinyint".into(),
        D::Int16 | D::UInt8 => "smallint".into(),
        D::Int32 | D::UInt16 => "int".into(),
        D::Int64 | D::UInt32 => "bigint".into(),
        D::UInt64 => "decimal(20,0)".into(),
        D::Float32 => "float".into(),
        D::Float64 => "double".into(),
        D::Utf8 => "string".into(),
        D::Date => "date".into(),
        D::Timestamp(_, Some(_)) => "timestamp".into(),
        D::Timestamp(_, None) => "timestamp_ntz".into(),
        D::Duration(_) => "interval day to second".into(),
        D::Decimal(p, s) => format!("decimal({p},{s})"),
        D::Null => "void".into(),
        D::Unsupported(what) => {
            return Err(Error::NotImplemented(format!(
                "columns of type {what} cannot be sent to Spark"
            )))
        }
    })
}

/// A sort key as Spark's `SortOrder`, direction and null placement explicit.
pub fn sort_order(key: &SortKey) -> pb::expression::SortOrder {
    use expression::sort_order::{NullOrdering, SortDirection};
    pb::expression::SortOrder {
        child: Some(Box::new(column(&key.column))),
        direction: if key.descending {
            SortDirection::Descending
        } else {
            SortDirection::Ascending
        } as i32,
        null_ordering: if key.nulls_last {
            NullOrdering::SortNullsLast
        } else {
            NullOrdering::SortNullsFirst
        } as i32,
    }
}

/// How expressions are lowered under the session's semantics.
pub struct ExprLowering {
    /// ROUND is half-even (pandas) rather than half away from zero (Spark).
    pub round_half_even: bool,
    /// FIRST/LAST without an explicit null rule skip missing values (pandas).
    pub first_ignores_nulls: bool,
    /// An integer literal that fits 32 bits is an `INT`, as the plan typed it
    /// under SQL promotion (Spark's own rule for literals in SQL text).
    pub small_int_literals: bool,
}

impl ExprLowering {
    /// `e` as a Spark expression.
    pub fn lower(&self, e: &Expr) -> Result<pb::Expression> {
        Ok(match e {
            Expr::Column(name) => column(name),
            Expr::Literal(ScalarValue::Int64(Some(i)))
                if self.small_int_literals && i32::try_from(*i).is_ok() =>
            {
                literal(&ScalarValue::Int32(Some(*i as i32)))?
            }
            Expr::Literal(v) => literal(v)?,
            Expr::Alias(inner, name) => alias(self.lower(inner)?, name),
            Expr::Binary { left, op, right } => {
                let (l, r) = (self.lower(left)?, self.lower(right)?);
                match op {
                    BinaryOperator::NotEq => call("not", vec![call("==", vec![l, r])]),
                    op => call(binary_name(*op), vec![l, r]),
                }
            }
            Expr::Not(inner) => call("not", vec![self.lower(inner)?]),
            Expr::IsNull(inner) => call("isnull", vec![self.lower(inner)?]),
            Expr::IsNotNull(inner) => call("isnotnull", vec![self.lower(inner)?]),
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let mut args = vec![self.lower(expr)?];
                for item in list {
                    args.push(self.lower(item)?);
                }
                let e = call("in", args);
                if *negated {
                    call("not", vec![e])
                } else {
                    e
                }
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let x = self.lower(expr)?;
                let e = call(
                    "and",
                    vec![
                        call(">=", vec![x.clone(), self.lower(low)?]),
                        call("<=", vec![x, self.lower(high)?]),
                    ],
                );
                if *negated {
                    call("not", vec![e])
                } else {
                    e
                }
            }
            Expr::Like {
                expr,
                pattern,
                negated,
            } => {
                let e = call(
                    "like",
                    vec![
                        self.lower(expr)?,
                        literal(&ScalarValue::Utf8(Some(pattern.clone())))?,
                    ],
                );
                if *negated {
                    call("not", vec![e])
                } else {
                    e
                }
            }
            Expr::Cast { expr, to } => cast(self.lower(expr)?, *to)?,
            Expr::Function { func, args } => {
                let args = args
                    .iter()
                    .map(|a| self.lower(a))
                    .collect::<Result<Vec<_>>>()?;
                self.function(*func, args)?
            }
            Expr::Case {
                branches,
                otherwise,
            } => {
                let mut args = vec![];
                for (when, then) in branches {
                    args.push(self.lower(when)?);
                    args.push(self.lower(then)?);
                }
                if let Some(o) = otherwise {
                    args.push(self.lower(o)?);
                }
                call("when", args)
            }
            Expr::Aggregate { func, args } => {
                let args = args
                    .iter()
                    .map(|a| self.lower(a))
                    .collect::<Result<Vec<_>>>()?;
                self.aggregate(func, args)?
            }
        })
    }

    fn function(
        &self,
        func: ScalarFunction,
        mut args: Vec<pb::Expression>,
    ) -> Result<pb::Expression> {
        use ScalarFunction as F;
        let name = match func {
            F::Round if self.round_half_even => "bround",
            F::Round => "round",
            F::Abs => "abs",
            F::Coalesce => "coalesce",
            F::Lower => "lower",
            F::Upper => "upper",
            F::Length => "char_length",
            F::Power => "power",
            F::Negate => "negative",
            F::DatePart(p) => match p {
                DatePart::Year => "year",
                DatePart::Quarter => "quarter",
                DatePart::Month => "month",
                DatePart::Day => "dayofmonth",
                DatePart::Hour => "hour",
                DatePart::Minute => "minute",
                DatePart::Second => "second",
                DatePart::DayOfWeek => "dayofweek",
                DatePart::WeekDay => "weekday",
                DatePart::DayOfYear => "dayofyear",
                DatePart::WeekOfYear => "weekofyear",
            },
            F::DateTrunc => "date_trunc",
            F::ToDate => "to_date",
            F::ToTimestamp => "to_timestamp",
            F::DateFormat => "date_format",
            F::MakeDate => "make_date",
            F::DateAdd => "date_add",
            F::DateSub => "date_sub",
            F::AddMonths => "add_months",
            F::DateDiff => "datediff",
            F::CurrentDate => "current_date",
            F::CurrentTimestamp => "current_timestamp",
        };
        if matches!(func, F::DateAdd | F::DateSub | F::AddMonths) && args.len() == 2 {
            // Spark takes the days or months as an INT, not a BIGINT.
            let n = args.pop().ok_or_else(|| Error::internal("two arguments"))?;
            args.push(cast(n, DataType::Int32)?);
        }
        Ok(call(name, args))
    }
}

fn binary_name(op: BinaryOperator) -> &'static str {
    use BinaryOperator as B;
    match op {
        B::Plus => "+",
        B::Minus => "-",
        B::Multiply => "*",
        B::Divide => "/",
        B::IntegerDivide => "div",
        B::Modulo => "%",
        B::Eq => "==",
        B::NotEq => "!=",
        B::Lt => "<",
        B::LtEq => "<=",
        B::Gt => ">",
        B::GtEq => ">=",
        B::NullSafeEq => "<=>",
        B::And => "and",
        B::Or => "or",
    }
}

impl ExprLowering {
    /// An aggregate function by its Spark name.
    fn aggregate(
        &self,
        func: &AggregateFunction,
        mut args: Vec<pb::Expression>,
    ) -> Result<pb::Expression> {
        use AggregateFunction as A;
        let one = || literal(&ScalarValue::Int32(Some(1)));
        Ok(match func {
            A::CountStar => call("count", vec![one()?]),
            A::Count => call("count", args),
            A::Sum => call("sum", args),
            A::Mean => call("avg", args),
            A::Min => call("min", args),
            A::Max => call("max", args),
            A::Var { ddof: 1 } => call("var_samp", args),
            A::Var { ddof: 0 } => call("var_pop", args),
            A::Std { ddof: 1 } => call("stddev_samp", args),
            A::Std { ddof: 0 } => call("stddev_pop", args),
            A::Var { ddof } | A::Std { ddof } => {
                return Err(Error::NotImplemented(format!(
                    "{func} with ddof={ddof} has no Spark function"
                )))
            }
            A::Median => call("median", args),
            A::Quantile(q) => {
                args.push(literal(&ScalarValue::Float64(Some(*q)))?);
                call("percentile", args)
            }
            A::CountDistinct => call_distinct("count", args, true),
            A::SumDistinct => call_distinct("sum", args, true),
            A::MeanDistinct => call_distinct("avg", args, true),
            A::First { ignore_nulls } | A::Last { ignore_nulls } => {
                let ignore = ignore_nulls.unwrap_or(self.first_ignores_nulls);
                args.push(literal(&ScalarValue::Boolean(Some(ignore)))?);
                call(
                    if matches!(func, A::First { .. }) {
                        "first"
                    } else {
                        "last"
                    },
                    args,
                )
            }
            A::Corr => call("corr", args),
            // Partita's mode is deterministic: the smallest of the most frequent values.
            A::Mode => {
                args.push(literal(&ScalarValue::Boolean(Some(true)))?);
                call("mode", args)
            }
        })
    }
}

/// An expression as short text (for `EXPLAIN`).
pub fn show(e: &pb::Expression) -> String {
    match &e.expr_type {
        Some(ExprType::UnresolvedAttribute(a)) => a.unparsed_identifier.clone(),
        Some(ExprType::Literal(l)) => match &l.literal_type {
            Some(LiteralType::String(s)) => format!("'{s}'"),
            Some(LiteralType::Null(_)) | None => "NULL".into(),
            Some(LiteralType::Boolean(b)) => b.to_string(),
            Some(LiteralType::Integer(x)) => x.to_string(),
            Some(LiteralType::Long(x)) => format!("{x}L"),
            Some(LiteralType::Double(x)) => format!("{x:?}D"),
            Some(other) => format!("{other:?}"),
        },
        Some(ExprType::UnresolvedFunction(f)) => format!(
            "{}({}{})",
            f.function_name,
            if f.is_distinct { "DISTINCT " } else { "" },
            f.arguments.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        Some(ExprType::Alias(a)) => format!(
            "{} AS {}",
            a.expr.as_deref().map(show).unwrap_or_default(),
            a.name.join(".")
        ),
        Some(ExprType::Cast(c)) => format!(
            "CAST({} AS {})",
            c.expr.as_deref().map(show).unwrap_or_default(),
            match &c.cast_to_type {
                Some(expression::cast::CastToType::TypeStr(t)) => t.clone(),
                _ => "?".into(),
            }
        ),
        Some(ExprType::Window(w)) => format!(
            "{} OVER (PARTITION BY {} ORDER BY {})",
            w.window_function.as_deref().map(show).unwrap_or_default(),
            w.partition_spec
                .iter()
                .map(show)
                .collect::<Vec<_>>()
                .join(", "),
            w.order_spec
                .iter()
                .map(show_order)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "?".into(),
    }
}

/// A sort key as text: `a ASC NULLS FIRST`.
pub fn show_order(o: &pb::expression::SortOrder) -> String {
    format!(
        "{} {} NULLS {}",
        o.child.as_deref().map(show).unwrap_or_default(),
        if o.direction == expression::sort_order::SortDirection::Descending as i32 {
            "DESC"
        } else {
            "ASC"
        },
        if o.null_ordering == expression::sort_order::NullOrdering::SortNullsLast as i32 {
            "LAST"
        } else {
            "FIRST"
        }
    )
}
