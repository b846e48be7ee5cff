//! Partita expressions as Spark Connect `Expression` protos: columns as unresolved
//! attributes, typed literals, casts by type name, and functions by the names
//! Spark's function registry knows them by (the names PySpark sends).

use partita_common::{
    AggregateFunction, BinaryOperator, CaseMapping, DataType, DatePart, DayOfWeek, DivisionByZero,
    EmptySum, Error, FirstLastNulls, IntWithNulls, IntegerDivision, IntegerOverflow, Logic,
    NumericPromotion, Result, Rounding, ScalarFunction, ScalarValue, Schema, Semantics, SortKey,
    TextFormat, TimeUnit, TimeZones,
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
        D::Utf8 | D::Categorical(_) => "string".into(),
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
    let child = match key.categories {
        None => column(&key.column),
        Some(c) => by_category(column(&key.column), c),
    };
    pb::expression::SortOrder {
        child: Some(Box::new(child)),
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

/// pandas' order of categories: each value's place in the list (1-based; a
/// missing value stays missing).
fn by_category(x: pb::Expression, c: partita_common::Categories) -> pb::Expression {
    call("array_position", vec![category_array(c), x])
}

/// The categories as a Spark array of strings.
fn category_array(c: partita_common::Categories) -> pb::Expression {
    call(
        "array",
        c.values()
            .iter()
            .map(|v| {
                wrap(ExprType::Literal(pb::expression::Literal {
                    literal_type: Some(LiteralType::String(v.clone())),
                    data_type: None,
                }))
            })
            .collect(),
    )
}

/// How expressions are lowered under the session's semantics: what Spark does by
/// itself where the semantics agree, and the semantics spelled out where they do
/// not (pandas' two-valued comparisons, NaN as missing, IEEE division, floor
/// division, sums of nothing as 0), or a clear refusal.
pub struct ExprLowering {
    /// The session's semantics.
    pub sem: Semantics,
}

/// `[partita:CLASS] message` raised by Spark's `raise_error`: read back as
/// Partita's error of that class.
pub const RAISED: &str = "[partita:";

/// `raise_error('[partita:CLASS] message')`: an error Partita raises where Spark
/// would return a value (pandas raises there).
pub fn raise(class: &str, message: &str) -> Result<pb::Expression> {
    Ok(call(
        "raise_error",
        vec![literal(&ScalarValue::Utf8(Some(format!(
            "{RAISED}{class}] {message}"
        ))))?],
    ))
}

pub(crate) fn f64_lit(x: f64) -> Result<pb::Expression> {
    literal(&ScalarValue::Float64(Some(x)))
}

pub(crate) fn bool_lit(b: bool) -> Result<pb::Expression> {
    literal(&ScalarValue::Boolean(Some(b)))
}

pub(crate) fn int_lit(i: i64) -> Result<pb::Expression> {
    literal(&ScalarValue::Int64(Some(i)))
}

pub(crate) fn and(a: pb::Expression, b: pb::Expression) -> pb::Expression {
    call("and", vec![a, b])
}

pub(crate) fn or(a: pb::Expression, b: pb::Expression) -> pb::Expression {
    call("or", vec![a, b])
}

pub(crate) fn not(a: pb::Expression) -> pb::Expression {
    call("not", vec![a])
}

pub(crate) fn coalesce(a: pb::Expression, b: pb::Expression) -> pb::Expression {
    call("coalesce", vec![a, b])
}

impl ExprLowering {
    fn two_valued(&self) -> bool {
        self.sem.logic == Logic::TwoValued
    }

    /// The refusal for a construct a switch decides differently from Spark.
    fn refuse(&self, what: &str, switch: &str, why: &str) -> Error {
        let value = self
            .sem
            .switches()
            .into_iter()
            .find(|(n, _)| *n == switch)
            .map(|(_, v)| v)
            .unwrap_or_default();
        Error::NotImplemented(format!(
            "{what} cannot run on Spark under {switch} = {value}: {why}; set {switch} to \
             Spark's value or run the query locally"
        ))
    }

    /// `e`, evaluated over rows of `schema`, as a Spark expression.
    pub fn lower(&self, e: &Expr, schema: &Schema) -> Result<pb::Expression> {
        let out = self.lower_inner(e, schema)?;
        // NaN is missing (pandas): every float64 value an expression makes is read
        // as missing when it is NaN, as the local engine does after each step.
        let computed = !matches!(e, Expr::Column(_) | Expr::Literal(_) | Expr::Alias(..));
        if computed
            && self.sem.nan_is_missing()
            && e.data_type(schema, &self.sem)? == DataType::Float64
        {
            return Ok(call(
                "nanvl",
                vec![out, literal(&ScalarValue::Float64(None))?],
            ));
        }
        Ok(out)
    }

    fn lower_inner(&self, e: &Expr, schema: &Schema) -> Result<pb::Expression> {
        let two = self.two_valued();
        Ok(match e {
            Expr::Column(name) => column(name),
            Expr::Literal(ScalarValue::Int64(Some(i)))
                if self.sem.numeric_promotion == NumericPromotion::Sql
                    && i32::try_from(*i).is_ok() =>
            {
                // The plan typed it INT (Spark's rule for literals in SQL text).
                literal(&ScalarValue::Int32(Some(*i as i32)))?
            }
            Expr::Literal(ScalarValue::Float64(Some(x)))
                if x.is_nan() && self.sem.nan_is_missing() =>
            {
                literal(&ScalarValue::Float64(None))?
            }
            Expr::Literal(v) => literal(v)?,
            Expr::Alias(inner, name) => alias(self.lower(inner, schema)?, name),
            Expr::Binary { left, op, right } if op.is_arithmetic() => {
                self.arithmetic(e, left, *op, right, schema)?
            }
            Expr::Binary { left, op, right } if op.is_logical() => {
                let (mut l, mut r) = (self.lower(left, schema)?, self.lower(right, schema)?);
                if two {
                    // pandas' & and | take a missing operand as false.
                    l = coalesce(l, bool_lit(false)?);
                    r = coalesce(r, bool_lit(false)?);
                }
                call(binary_name(*op), vec![l, r])
            }
            Expr::Binary { left, op, right } => {
                for (a, b) in [(left, right), (right, left)] {
                    if let Some(instant) = self.text_instant(a, b, schema)? {
                        // Text read as a wall time in the column's zone (or at
                        // its offset), as locally: the instant it names.
                        let (l, r) = if std::ptr::eq(a, left) {
                            (a.as_ref().clone(), instant)
                        } else {
                            (instant, a.as_ref().clone())
                        };
                        let e = Expr::Binary {
                            left: Box::new(l),
                            op: *op,
                            right: Box::new(r),
                        };
                        return self.lower_inner(&e, schema);
                    }
                    if let Some(tz) = self.column_zone(a, schema)? {
                        if b.data_type(schema, &self.sem)? == DataType::Utf8 {
                            return Err(self.refuse(
                                &format!("a comparison of a time stamp in {tz} with text"),
                                "time_zones",
                                "Spark reads the text's wall time in the session zone (UTC), pandas in the column's zone",
                            ));
                        }
                    }
                }
                let decimal = |t: DataType| matches!(t, DataType::Decimal(..));
                let (lt, rt) = (
                    left.data_type(schema, &self.sem)?,
                    right.data_type(schema, &self.sem)?,
                );
                if self.sem.date_text == partita_common::DateText::Object
                    && matches!(
                        (lt, rt),
                        (DataType::Date, DataType::Utf8) | (DataType::Utf8, DataType::Date)
                    )
                {
                    // pandas' date objects equal no text (the plan refuses ordering).
                    return bool_lit(*op == BinaryOperator::NotEq);
                }
                if self.sem.numeric_promotion == NumericPromotion::Numpy
                    && ((decimal(lt) && rt.is_float()) || (lt.is_float() && decimal(rt)))
                {
                    return Err(self.refuse(
                        &format!("the comparison '{e}' of a decimal with a float"),
                        "numeric_promotion",
                        "pandas compares a Decimal object with a float exactly, Spark casts the decimal to a double",
                    ));
                }
                let (mut l, mut r) = self.operands(left, right, schema)?;
                if let Some(c) = [lt, rt].into_iter().find_map(|t| match t {
                    DataType::Categorical(c) if op.is_order_comparison() && c.ordered() => Some(c),
                    _ => None,
                }) {
                    // pandas orders an ordered categorical by its categories.
                    l = by_category(l, c);
                    r = by_category(r, c);
                }
                let cmp = match op {
                    BinaryOperator::NotEq => not(call("==", vec![l, r])),
                    op => call(binary_name(*op), vec![l, r]),
                };
                if two && *op != BinaryOperator::NullSafeEq {
                    // pandas: a comparison with a missing value is false (`!=` true).
                    coalesce(cmp, bool_lit(*op == BinaryOperator::NotEq)?)
                } else {
                    cmp
                }
            }
            Expr::Not(inner) => {
                let x = self.lower(inner, schema)?;
                if two && inner.nullable(schema, &self.sem)? {
                    // pandas' ~ on a boolean holding None raises TypeError.
                    let message = format!(
                        "NOT of '{inner}', which holds missing values (pandas' ~ raises TypeError)"
                    );
                    call(
                        "when",
                        vec![
                            call("isnull", vec![x.clone()]),
                            raise("TypeError", &message)?,
                            not(x),
                        ],
                    )
                } else {
                    not(x)
                }
            }
            Expr::IsNull(inner) => call("isnull", vec![self.lower(inner, schema)?]),
            Expr::IsNotNull(inner) => call("isnotnull", vec![self.lower(inner, schema)?]),
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let x = self.lower(expr, schema)?;
                let items = list
                    .iter()
                    .map(|i| self.lower(i, schema))
                    .collect::<Result<Vec<_>>>()?;
                let mut args = vec![x.clone()];
                args.extend(items.iter().cloned());
                let mut r = call("in", args);
                if two {
                    r = coalesce(r, bool_lit(false)?);
                    // pandas' isin matches a missing text value with a missing item.
                    if expr.data_type(schema, &self.sem)? == DataType::Utf8 {
                        if let Some(any_null) = items
                            .iter()
                            .map(|i| call("isnull", vec![i.clone()]))
                            .reduce(or)
                        {
                            r = or(r, and(call("isnull", vec![x]), any_null));
                        }
                    }
                }
                if *negated {
                    not(r)
                } else {
                    r
                }
            }
            Expr::Between {
                expr,
                low,
                high,
                negated,
            } => {
                // As the local engine evaluates it: two comparisons and AND.
                let ge = Expr::Binary {
                    left: expr.clone(),
                    op: BinaryOperator::GtEq,
                    right: low.clone(),
                };
                let le = Expr::Binary {
                    left: expr.clone(),
                    op: BinaryOperator::LtEq,
                    right: high.clone(),
                };
                let both = Expr::Binary {
                    left: Box::new(ge),
                    op: BinaryOperator::And,
                    right: Box::new(le),
                };
                if *negated {
                    self.lower(&Expr::Not(Box::new(both)), schema)?
                } else {
                    self.lower(&both, schema)?
                }
            }
            Expr::Like {
                expr,
                pattern,
                negated,
            } => {
                let mut r = call(
                    "like",
                    vec![
                        self.lower(expr, schema)?,
                        literal(&ScalarValue::Utf8(Some(pattern.clone())))?,
                    ],
                );
                if two {
                    r = coalesce(r, bool_lit(false)?);
                }
                if *negated {
                    not(r)
                } else {
                    r
                }
            }
            Expr::Cast { expr, to, .. } => self.cast(expr, *to, schema)?,
            Expr::Function { func, args } => self.function(*func, args, schema)?,
            Expr::Case {
                branches,
                otherwise,
            } => {
                let mut args = vec![];
                for (when, then) in branches {
                    args.push(self.lower(when, schema)?);
                    args.push(self.lower(then, schema)?);
                }
                if let Some(o) = otherwise {
                    args.push(self.lower(o, schema)?);
                }
                call("when", args)
            }
            Expr::Aggregate { func, args } => self.aggregate(e, func, args, schema)?,
        })
    }

    /// Both operands of a binary operator. Under NumPy's promotion a Python
    /// number is "weak": a literal takes the type of a narrower numeric column on
    /// the other side (`float32 == 0.1` compares in float32, `int8 + 1` is int8),
    /// so the literal is cast to that type.
    fn operands(
        &self,
        left: &Expr,
        right: &Expr,
        schema: &Schema,
    ) -> Result<(pb::Expression, pb::Expression)> {
        let (mut l, mut r) = (self.lower(left, schema)?, self.lower(right, schema)?);
        if self.sem.numeric_promotion == NumericPromotion::Numpy {
            let (lt, rt) = (
                left.data_type(schema, &self.sem)?,
                right.data_type(schema, &self.sem)?,
            );
            let weak = |lit: &Expr, other: DataType| match lit {
                Expr::Literal(v) if !v.is_null() => {
                    let t = v.data_type();
                    (t.is_float() && other == DataType::Float32)
                        || (t.is_integer()
                            && other.is_integer()
                            && matches!(other, DataType::Int8 | DataType::Int16 | DataType::Int32))
                }
                _ => false,
            };
            if weak(right, lt) {
                r = cast(r, lt)?;
            } else if weak(left, rt) {
                l = cast(l, rt)?;
            }
        }
        Ok((l, r))
    }

    /// Decimal `+ - * / %`: Spark's own rules are the plan's types and values. Outside
    /// ANSI mode Spark makes a result past 38 digits missing, where the local engine
    /// raises `NUMERIC_VALUE_OUT_OF_RANGE`; the lowering raises it too (a zero divisor
    /// stays missing, as `division_by_zero = ieee` gives it locally).
    fn decimal_arithmetic(
        &self,
        op: BinaryOperator,
        l: pb::Expression,
        r: pb::Expression,
    ) -> Result<pb::Expression> {
        let v = call(binary_name(op), vec![l.clone(), r.clone()]);
        if self.sem.integer_overflow == partita_common::IntegerOverflow::Error {
            return Ok(v);
        }
        let mut lost = and(
            and(
                call("isnotnull", vec![l]),
                call("isnotnull", vec![r.clone()]),
            ),
            call("isnull", vec![v.clone()]),
        );
        if matches!(op, BinaryOperator::Divide | BinaryOperator::Modulo) {
            lost = and(lost, not(call("==", vec![r, int_lit(0)?])));
        }
        Ok(call(
            "when",
            vec![
                lost,
                raise(
                    "NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION",
                    "a decimal result needs more than 38 digits",
                )?,
                v,
            ],
        ))
    }

    /// `+ - * / DIV %` computed in the plan's result type, integers or doubles,
    /// with IEEE division by zero and floor division spelled out where the
    /// semantics ask for them.
    fn arithmetic(
        &self,
        e: &Expr,
        left: &Expr,
        op: BinaryOperator,
        right: &Expr,
        schema: &Schema,
    ) -> Result<pb::Expression> {
        let out = e.data_type(schema, &self.sem)?;
        let (mut l, mut r) = self.operands(left, right, schema)?;
        if let DataType::Decimal(..) = out {
            return self.decimal_arithmetic(op, l, r);
        }
        let float = out.is_float();
        if float {
            if left.data_type(schema, &self.sem)? != out {
                l = cast(l, out)?;
            }
            if right.data_type(schema, &self.sem)? != out {
                r = cast(r, out)?;
            }
        }
        let ieee = self.sem.division_by_zero == DivisionByZero::Ieee;
        let floor = self.sem.integer_division == IntegerDivision::Floor;
        let zero_lit = || if float { f64_lit(0.0) } else { int_lit(0) };
        let by_zero = call("==", vec![r.clone(), zero_lit()?]);
        let guarded = |x: pb::Expression, when_zero: pb::Expression| {
            call("when", vec![by_zero.clone(), when_zero, x])
        };
        Ok(match op {
            BinaryOperator::Divide if float && ieee => {
                guarded(call("/", vec![l.clone(), r.clone()]), ieee_by_zero(&l, &r)?)
            }
            BinaryOperator::IntegerDivide if float => {
                // floor(x / y) (or its truncation) in doubles, as the local engine does.
                let q = call("/", vec![l.clone(), r.clone()]);
                let q = if ieee {
                    guarded(q, ieee_by_zero(&l, &r)?)
                } else {
                    q
                };
                if floor {
                    double_floor(q)?
                } else {
                    double_trunc(q)?
                }
            }
            BinaryOperator::Modulo if float => {
                let m = call("%", vec![l.clone(), r.clone()]);
                let m = if floor {
                    python_mod(m, &r, f64_lit(0.0)?)
                } else {
                    m
                };
                if ieee {
                    guarded(m, f64_lit(f64::NAN)?)
                } else {
                    m
                }
            }
            BinaryOperator::IntegerDivide => {
                let q = call("div", vec![l.clone(), r.clone()]);
                let q = if floor {
                    // DIV truncates; floor division is one less when the remainder
                    // is not zero and the signs differ.
                    let rem = call("%", vec![l.clone(), r.clone()]);
                    let signs_differ = not(call(
                        "==",
                        vec![
                            call("<", vec![l.clone(), int_lit(0)?]),
                            call("<", vec![r.clone(), int_lit(0)?]),
                        ],
                    ));
                    let adjust = and(not(call("==", vec![rem, int_lit(0)?])), signs_differ);
                    call(
                        "-",
                        vec![q, call("when", vec![adjust, int_lit(1)?, int_lit(0)?])],
                    )
                } else {
                    q
                };
                guarded(q, raise("DIVIDE_BY_ZERO", DIVISION_BY_ZERO)?)
            }
            BinaryOperator::Modulo => {
                let m = call("%", vec![l.clone(), r.clone()]);
                let m = if floor {
                    python_mod(m, &r, int_lit(0)?)
                } else {
                    m
                };
                // pandas' integer remainder by zero is NaN, its missing value.
                let when_zero = if ieee {
                    literal(&ScalarValue::null_of(out))?
                } else {
                    raise("REMAINDER_BY_ZERO", DIVISION_BY_ZERO)?
                };
                guarded(m, when_zero)
            }
            op => {
                let v = call(binary_name(op), vec![l, r]);
                let bits =
                    match out {
                        DataType::UInt8 => 8,
                        DataType::UInt16 => 16,
                        DataType::UInt32 => 32,
                        DataType::UInt64 => return Err(Error::NotImplemented(
                            "arithmetic on uint64 cannot run on Spark (it has no unsigned types)"
                                .into(),
                        )),
                        _ => return Ok(v),
                    };
                // Unsigned columns travel one size wider and signed: NumPy's
                // wrap-around is the value modulo 2^bits.
                if self.sem.integer_overflow == IntegerOverflow::Wrap {
                    call("pmod", vec![v, int_lit(1i64 << bits)?])
                } else {
                    v
                }
            }
        })
    }

    /// A text literal `text` compared with the time stamp `ts`, as the instant the
    /// local engine reads it as (`partita_core::scalar::cast` to the column's type:
    /// a wall time in the column's zone, UTC without one, or at the text's
    /// offset), so that Spark compares the instant the plan means.
    fn text_instant(&self, ts: &Expr, text: &Expr, schema: &Schema) -> Result<Option<Expr>> {
        let Expr::Literal(v @ ScalarValue::Utf8(Some(_))) = text.unalias() else {
            return Ok(None);
        };
        let t = ts.data_type(schema, &self.sem)?;
        if !matches!(t, DataType::Timestamp(..)) {
            return Ok(None);
        }
        let one = partita_core::frame::scalar_series("text", v, 1);
        let instant = partita_core::scalar::cast(&one, t, &self.sem)?;
        Ok(Some(Expr::Literal(partita_core::frame::scalar_at(
            &instant, 0,
        )?)))
    }

    /// The zone a time stamp is read in when it is not Spark's (UTC): its
    /// column's, under `time_zones = per_column`.
    fn column_zone(&self, e: &Expr, schema: &Schema) -> Result<Option<&'static str>> {
        Ok(match e.data_type(schema, &self.sem)? {
            DataType::Timestamp(_, Some(tz))
                if self.sem.time_zones == TimeZones::PerColumn
                    && !tz.name().eq_ignore_ascii_case("UTC") =>
            {
                Some(tz.name())
            }
            _ => None,
        })
    }

    fn cast(&self, inner: &Expr, to: DataType, schema: &Schema) -> Result<pb::Expression> {
        let from = inner.data_type(schema, &self.sem)?;
        let mut x = self.lower(inner, schema)?;
        if let Some(tz) = self.column_zone(inner, schema)? {
            if to != DataType::Date {
                return Err(self.refuse(
                    &format!("CAST of a time stamp in {tz} to {to}"),
                    "time_zones",
                    "Spark reads every time stamp in the session zone (UTC), pandas in its column's zone",
                ));
            }
            // Its date is the date of its wall time in the column's zone.
            x = call(
                "from_utc_timestamp",
                vec![x, literal(&ScalarValue::Utf8(Some(tz.to_string())))?],
            );
        }
        if let DataType::Timestamp(_, Some(tz)) = to {
            if from == DataType::Utf8
                && self.sem.time_zones == TimeZones::PerColumn
                && !tz.name().eq_ignore_ascii_case("UTC")
            {
                return Err(self.refuse(
                    &format!("CAST of text to a time stamp in {}", tz.name()),
                    "time_zones",
                    "Spark reads a wall time in the session zone (UTC), pandas in the column's zone",
                ));
            }
        }
        if to == DataType::Utf8
            && self.sem.text_format == TextFormat::Python
            && from == DataType::Boolean
        {
            // Python's str(True).
            return Ok(call(
                "when",
                vec![
                    x.clone(),
                    literal(&ScalarValue::Utf8(Some("True".into())))?,
                    not(x),
                    literal(&ScalarValue::Utf8(Some("False".into())))?,
                ],
            ));
        }
        if to == DataType::Utf8
            && self.sem.text_format == TextFormat::Python
            && matches!(
                from,
                DataType::Float32 | DataType::Float64 | DataType::Timestamp(..)
            )
        {
            return Err(self.refuse(
                &format!("CAST of a {from} to text"),
                "text_format",
                "Spark writes Java's text (true, 2.0E-6), pandas Python's (True, 2e-06)",
            ));
        }
        let mut out = cast(x.clone(), to)?;
        if self.sem.integer_overflow == IntegerOverflow::Wrap
            && from == DataType::Utf8
            && to != DataType::Utf8
        {
            // Spark without ANSI mode (how integers wrap there) gives NULL for text
            // that is not a value; the local engine raises, as pandas does.
            out = call(
                "when",
                vec![
                    and(
                        call("isnotnull", vec![x.clone()]),
                        call("isnull", vec![out.clone()]),
                    ),
                    raise(
                        "CAST_INVALID_INPUT",
                        &format!("'{inner}' holds text that is not a {to}"),
                    )?,
                    out,
                ],
            );
        }
        if to.is_integer() && self.sem.int_with_nulls == IntWithNulls::Float64 {
            // pandas' astype(int) raises on a missing or non-finite value
            // (IntCastingNaNError)...
            let mut missing = call("isnull", vec![x.clone()]);
            if from.is_float() {
                missing = or(
                    missing,
                    or(
                        call("isnan", vec![x.clone()]),
                        call(
                            "==",
                            vec![call("abs", vec![x.clone()]), f64_lit(f64::INFINITY)?],
                        ),
                    ),
                );
            }
            let mut guarded = vec![
                missing,
                raise(
                    "IntCastingNaNError",
                    &format!("cannot convert '{inner}' to an integer: it holds missing or infinite values"),
                )?,
            ];
            // ...and converts a float through int64 as C does: i64::MIN out of its
            // range, then wrapped to a narrower type's bits.
            if from.is_float() && to == DataType::UInt64 {
                return Err(Error::NotImplemented(
                    "CAST of a float to uint64 cannot run on Spark (it has no unsigned types)"
                        .into(),
                ));
            }
            if let (true, Some((lo, hi))) = (from.is_float(), to.integer_range()) {
                let wide = call(
                    "when",
                    vec![
                        or(
                            call(">=", vec![x.clone(), f64_lit(TWO_63)?]),
                            call("<", vec![x.clone(), f64_lit(-TWO_63)?]),
                        ),
                        int_lit(i64::MIN)?,
                        cast(x.clone(), DataType::Int64)?,
                    ],
                );
                // NumPy converts a float to a narrow signed integer through a
                // 32-bit conversion (x86's cvttsd2si): INT32_MIN out of its range.
                let wide = if matches!(to, DataType::Int8 | DataType::Int16 | DataType::Int32) {
                    call(
                        "when",
                        vec![
                            or(
                                call(">", vec![wide.clone(), int_lit(i32::MAX.into())?]),
                                call("<", vec![wide.clone(), int_lit(i32::MIN.into())?]),
                            ),
                            int_lit(i32::MIN.into())?,
                            wide,
                        ],
                    )
                } else {
                    wide
                };
                let span = hi - lo + 1;
                out = if to == DataType::Int64 {
                    wide
                } else {
                    // ((v - lo) mod 2^bits) + lo
                    let shifted = call("-", vec![wide, int_lit(lo as i64)?]);
                    let wrapped = call(
                        "+",
                        vec![
                            call("pmod", vec![shifted, int_lit(span as i64)?]),
                            int_lit(lo as i64)?,
                        ],
                    );
                    cast(wrapped, to)?
                };
            }
            guarded.push(out);
            out = call("when", guarded);
        }
        Ok(out)
    }

    fn function(
        &self,
        func: ScalarFunction,
        args: &[Expr],
        schema: &Schema,
    ) -> Result<pb::Expression> {
        use ScalarFunction as F;
        if matches!(func, F::Lower | F::Upper) && self.sem.case_mapping == CaseMapping::Simple {
            let x = self.lower(&args[0], schema)?;
            return simple_case(x, func == F::Upper);
        }
        let timestamp =
            |a: &Expr| matches!(a.data_type(schema, &self.sem), Ok(DataType::Timestamp(..)));
        if func == F::DateDiff
            && self.sem.date_diff == partita_common::DateDiff::Elapsed
            && args.len() == 2
            && args.iter().all(timestamp)
        {
            // pandas' `(end - start).dt.days`: the time between the instants in whole
            // days, rounded down: (d - pmod(d, day)) div day, exact in microseconds.
            let micros = |a: &Expr| -> Result<pb::Expression> {
                Ok(call("unix_micros", vec![self.lower(a, schema)?]))
            };
            let d = call("-", vec![micros(&args[0])?, micros(&args[1])?]);
            let day = int_lit(86_400_000_000)?;
            let floor = call(
                "div",
                vec![
                    call("-", vec![d.clone(), call("pmod", vec![d, day.clone()])]),
                    day,
                ],
            );
            return cast(floor, DataType::Int32);
        }
        let mut lowered = vec![];
        for a in args {
            let x = self.lower(a, schema)?;
            lowered.push(match self.column_zone(a, schema)? {
                // A field of a time stamp is read in its column's zone (pandas): the
                // instant is moved to that zone's wall time first.
                Some(tz) if matches!(func, F::DatePart(_) | F::DateFormat) => call(
                    "from_utc_timestamp",
                    vec![x, literal(&ScalarValue::Utf8(Some(tz.to_string())))?],
                ),
                Some(tz) => {
                    return Err(self.refuse(
                        &format!("{func:?} of a time stamp in {tz}"),
                        "time_zones",
                        "Spark reads every time stamp in the session zone (UTC), pandas in its column's zone",
                    ))
                }
                None => x,
            });
        }
        let name = match func {
            F::Round if self.sem.rounding == Rounding::HalfEven => "bround",
            F::Round => "round",
            F::Abs => "abs",
            F::Coalesce => "coalesce",
            F::NullIf => "nullif",
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
                // EXTRACT(SECOND ...), with the fraction: date_part('SECOND', x).
                DatePart::SecondWithFraction => "date_part",
                // pandas' dayofweek is 0 = Monday: Spark's weekday.
                DatePart::DayOfWeek if self.sem.day_of_week == DayOfWeek::Monday0 => "weekday",
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
        if func == F::Round
            && self.sem.rounding == Rounding::HalfEven
            && args.len() == 2
            && args[0].data_type(schema, &self.sem)?.is_integer()
        {
            // pandas rounds an integer to negative digits through float64 (NumPy),
            // with the i64::MIN sentinel out of range.
            let digits = match &args[1] {
                Expr::Literal(ScalarValue::Int64(Some(d))) => Some(*d),
                Expr::Literal(ScalarValue::Int32(Some(d))) => Some(i64::from(*d)),
                _ => None,
            };
            match digits {
                Some(d) if d < 0 => {
                    let r = call(
                        "bround",
                        vec![
                            cast(lowered[0].clone(), DataType::Float64)?,
                            lowered[1].clone(),
                        ],
                    );
                    let out = args[0].data_type(schema, &self.sem)?;
                    return Ok(call(
                        "when",
                        vec![
                            or(
                                call(">=", vec![r.clone(), f64_lit(TWO_63)?]),
                                call("<", vec![r.clone(), f64_lit(-TWO_63)?]),
                            ),
                            cast(int_lit(i64::MIN)?, out)?,
                            cast(r, out)?,
                        ],
                    ));
                }
                Some(_) => {}
                None => {
                    return Err(self.refuse(
                        "ROUND of an integer to digits that are not a literal",
                        "rounding",
                        "pandas rounds through float64 only for negative digits",
                    ))
                }
            }
        }
        if func == F::DateFormat {
            if let (Some(_), Some(Expr::Literal(ScalarValue::Utf8(Some(p))))) =
                (self.column_zone(&args[0], schema)?, args.get(1))
            {
                if p.chars()
                    .any(|c| matches!(c, 'X' | 'x' | 'Z' | 'z' | 'O' | 'V'))
                {
                    return Err(self.refuse(
                        "DATE_FORMAT with a zone in the pattern",
                        "time_zones",
                        "Spark shows the session zone (UTC), pandas the column's",
                    ));
                }
            }
        }
        if matches!(func, F::DateAdd | F::DateSub | F::AddMonths) && lowered.len() == 2 {
            // Spark takes the days or months as an INT, not a BIGINT.
            let n = lowered
                .pop()
                .ok_or_else(|| Error::internal("two arguments"))?;
            lowered.push(cast(n, DataType::Int32)?);
        }
        if func == F::DatePart(DatePart::SecondWithFraction) {
            lowered.insert(0, literal(&ScalarValue::Utf8(Some("SECOND".into())))?);
        }
        let parsing = matches!(func, F::ToDate | F::ToTimestamp | F::MakeDate);
        let out = call(name, lowered.clone());
        if parsing && self.sem.integer_overflow == IntegerOverflow::Wrap {
            // Spark without ANSI mode gives NULL for text that is not a date or a
            // date that does not exist; pandas (and the local engine) raise.
            let present = lowered
                .iter()
                .map(|a| call("isnotnull", vec![a.clone()]))
                .reduce(and)
                .ok_or_else(|| Error::internal("a date function without arguments"))?;
            return Ok(call(
                "when",
                vec![
                    and(present, call("isnull", vec![out.clone()])),
                    raise(
                        "CANNOT_PARSE_TIMESTAMP",
                        &format!("{func:?}: a value is not a valid date or time"),
                    )?,
                    out,
                ],
            ));
        }
        Ok(out)
    }

    /// An aggregate function by its Spark name.
    fn aggregate(
        &self,
        e: &Expr,
        func: &AggregateFunction,
        args: &[Expr],
        schema: &Schema,
    ) -> Result<pb::Expression> {
        use AggregateFunction as A;
        if let (A::Min | A::Max, Some(a)) = (func, args.first()) {
            if let DataType::Categorical(c) = a.data_type(schema, &self.sem)? {
                if c.ordered() {
                    // pandas: by the categories' order; the place back to its category.
                    let name = if *func == A::Min { "min" } else { "max" };
                    let place = call(name, vec![by_category(self.lower(a, schema)?, c)]);
                    let place = cast(place, DataType::Int32)?;
                    return Ok(call("element_at", vec![category_array(c), place]));
                }
            }
        }
        let f = self.aggregate_call(func, args, schema)?;
        let decimal_input = match args.first() {
            Some(a) if matches!(a.data_type(schema, &self.sem)?, DataType::Decimal(..)) => Some(a),
            _ => None,
        };
        let f = if let Some(a) = decimal_input.filter(|_| {
            matches!(func, A::Sum | A::Mean) && self.sem.integer_overflow == IntegerOverflow::Wrap
        }) {
            // Outside ANSI mode Spark makes a decimal sum past 38 digits missing;
            // the local engine raises NUMERIC_VALUE_OUT_OF_RANGE, and so does this.
            let present = call(
                ">",
                vec![call("count", vec![self.lower(a, schema)?]), int_lit(0)?],
            );
            call(
                "when",
                vec![
                    and(present, call("isnull", vec![f.clone()])),
                    raise(
                        "NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION",
                        "a decimal sum needs more than 38 digits",
                    )?,
                    f,
                ],
            )
        } else {
            f
        };
        if matches!(func, A::Sum | A::SumDistinct) && self.sem.empty_sum == EmptySum::Zero {
            // pandas: the sum of nothing is 0.
            let t = e.data_type(schema, &self.sem)?;
            return Ok(coalesce(f, cast(int_lit(0)?, t)?));
        }
        Ok(f)
    }

    /// The aggregate function's call alone, with nothing around it (what a window
    /// computes over its frame; `aggregate` adds pandas' rules around it).
    pub fn aggregate_call(
        &self,
        func: &AggregateFunction,
        args: &[Expr],
        schema: &Schema,
    ) -> Result<pb::Expression> {
        use AggregateFunction as A;
        if matches!(func, A::Sum | A::SumDistinct)
            && args
                .first()
                .map(|a| a.data_type(schema, &self.sem))
                .transpose()?
                == Some(DataType::Utf8)
            && self.sem.numeric_promotion == NumericPromotion::Numpy
        {
            return Err(Error::NotImplemented(
                "SUM of text (pandas joins the strings in row order) cannot run on Spark".into(),
            ));
        }
        let mut lowered = vec![];
        for a in args {
            let mut x = self.lower(a, schema)?;
            // SUM, AVG and the like of booleans count the true values (pandas);
            // Spark takes no booleans there.
            let numeric = !matches!(
                func,
                A::Count
                    | A::CountDistinct
                    | A::Min
                    | A::Max
                    | A::First { .. }
                    | A::Last { .. }
                    | A::Mode
            );
            if numeric && a.data_type(schema, &self.sem)? == DataType::Boolean {
                x = cast(x, DataType::Int64)?;
            }
            lowered.push(x);
        }
        let mut args = lowered;
        Ok(match func {
            A::CountStar => call("count", vec![literal(&ScalarValue::Int32(Some(1)))?]),
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
                args.push(f64_lit(*q)?);
                call("percentile", args)
            }
            // pandas' len(drop_duplicates()) counts a tuple holding a missing
            // value; Spark's COUNT(DISTINCT a, b) skips it, but not a struct's.
            A::CountDistinct if args.len() > 1 && self.sem.logic == Logic::TwoValued => {
                call_distinct("count", vec![call("struct", args)], true)
            }
            A::CountDistinct => call_distinct("count", args, true),
            A::SumDistinct => call_distinct("sum", args, true),
            A::MeanDistinct => call_distinct("avg", args, true),
            A::First { ignore_nulls } | A::Last { ignore_nulls } => {
                let ignore =
                    ignore_nulls.unwrap_or(self.sem.first_last_nulls == FirstLastNulls::Skip);
                args.push(bool_lit(ignore)?);
                let name = if matches!(func, A::First { .. }) {
                    "first"
                } else {
                    "last"
                };
                call(name, args)
            }
            A::Corr => call("corr", args),
            // Partita's mode is deterministic: the smallest of the most frequent values.
            A::Mode => {
                args.push(bool_lit(true)?);
                call("mode", args)
            }
        })
    }
}

/// The characters the simple and the full case mappings treat apart, with their
/// placeholders (Unicode's private use area, U+E000..) and simple mappings, as
/// `translate` arguments: (from, placeholders, to).
fn case_tables(upper: bool) -> Result<&'static (String, String, String)> {
    use std::sync::OnceLock;
    static UPPER: OnceLock<Option<(String, String, String)>> = OnceLock::new();
    static LOWER: OnceLock<Option<(String, String, String)>> = OnceLock::new();
    let cell = if upper { &UPPER } else { &LOWER };
    cell.get_or_init(|| {
        let exceptions = partita_core::scalar::simple_case_exceptions(upper);
        let mut tables = (String::new(), String::new(), String::new());
        for (i, (c, simple)) in exceptions.into_iter().enumerate() {
            let placeholder = char::from_u32(0xE000 + u32::try_from(i).ok()?)?;
            if placeholder > '\u{F8FF}' {
                return None;
            }
            tables.0.push(c);
            tables.1.push(placeholder);
            tables.2.push(simple);
        }
        Some(tables)
    })
    .as_ref()
    .ok_or_else(|| Error::internal("the simple case exceptions do not fit the private use area"))
}

/// `UPPER`/`LOWER` by the simple mapping (pandas) on Spark, which has only the
/// full one: the characters the two treat apart are put aside as private-use
/// placeholders, the rest mapped by Spark, and the placeholders replaced by their
/// simple mapping. Text that holds private-use characters itself is an error,
/// never a wrong answer.
fn simple_case(x: pb::Expression, upper: bool) -> Result<pb::Expression> {
    let (from, placeholders, to) = case_tables(upper)?;
    let text = |s: &str| literal(&ScalarValue::Utf8(Some(s.to_string())));
    let aside = call(
        "translate",
        vec![x.clone(), text(from)?, text(placeholders)?],
    );
    let mapped = call(if upper { "upper" } else { "lower" }, vec![aside]);
    let back = call("translate", vec![mapped, text(placeholders)?, text(to)?]);
    Ok(call(
        "when",
        vec![
            call("rlike", vec![x, text("[\\x{E000}-\\x{F8FF}]")?]),
            raise(
                "NotImplemented",
                "UPPER/LOWER with pandas' simple case mapping on Spark: the text holds \
                 private-use characters (U+E000..U+F8FF), which the mapping uses as placeholders",
            )?,
            back,
        ],
    ))
}

/// 2^63, the first double above every i64.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

const DIVISION_BY_ZERO: &str =
    "division by zero; under pandas semantics it gives inf or NaN (set division_by_zero = ieee)";

/// `x / ±0` under IEEE: NaN for 0 and NaN, otherwise ±inf by both signs (the sign
/// of a zero divisor read as atan2(y, -1) = ±pi), missing for a missing `x`.
fn ieee_by_zero(x: &pb::Expression, y: &pb::Expression) -> Result<pb::Expression> {
    let positive_zero = call(
        ">",
        vec![
            call("atan2", vec![y.clone(), f64_lit(-1.0)?]),
            f64_lit(0.0)?,
        ],
    );
    Ok(call(
        "when",
        vec![
            call("isnull", vec![x.clone()]),
            literal(&ScalarValue::Float64(None))?,
            or(
                call("==", vec![x.clone(), f64_lit(0.0)?]),
                call("isnan", vec![x.clone()]),
            ),
            f64_lit(f64::NAN)?,
            call(
                "==",
                vec![call(">", vec![x.clone(), f64_lit(0.0)?]), positive_zero],
            ),
            f64_lit(f64::INFINITY)?,
            f64_lit(f64::NEG_INFINITY)?,
        ],
    ))
}

/// Python's (floor) remainder from a truncated one: `m + y` when `m` is not zero
/// and its sign differs from the divisor's.
fn python_mod(m: pb::Expression, y: &pb::Expression, zero: pb::Expression) -> pb::Expression {
    let differs = and(
        not(call("==", vec![m.clone(), zero.clone()])),
        not(call(
            "==",
            vec![
                call("<", vec![m.clone(), zero.clone()]),
                call("<", vec![y.clone(), zero]),
            ],
        )),
    );
    call(
        "when",
        vec![differs, call("+", vec![m.clone(), y.clone()]), m],
    )
}

/// `trunc(x)` of a double as a double (Spark's own floor makes a BIGINT):
/// `x - x % 1`, NaN and infinities as they are.
fn double_trunc(x: pb::Expression) -> Result<pb::Expression> {
    let frac = call("%", vec![x.clone(), f64_lit(1.0)?]);
    let special = or(
        call("isnan", vec![x.clone()]),
        call(
            "==",
            vec![call("abs", vec![x.clone()]), f64_lit(f64::INFINITY)?],
        ),
    );
    Ok(call(
        "when",
        vec![special, x.clone(), call("-", vec![x, frac])],
    ))
}

/// `floor(x)` of a double as a double: the truncation, one less for a negative
/// fraction.
fn double_floor(x: pb::Expression) -> Result<pb::Expression> {
    let t = double_trunc(x.clone())?;
    let negative_fraction = call("<", vec![call("%", vec![x, f64_lit(1.0)?]), f64_lit(0.0)?]);
    Ok(call(
        "when",
        vec![
            negative_fraction,
            call("-", vec![t.clone(), f64_lit(1.0)?]),
            t,
        ],
    ))
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
