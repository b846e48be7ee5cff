//! Literals: numbers, strings, typed literals (`DATE '...'`) and intervals.

use partita_common::{DataType, Result, ScalarValue};
use sqlparser::ast;

use crate::planner::Planner;
use crate::position::sql_err;

impl Planner<'_> {
    pub(crate) fn value(&self, v: &ast::Value, at_node: &ast::Expr) -> Result<ScalarValue> {
        Ok(match v {
            ast::Value::Number(s, _) => match s.parse::<i64>() {
                Ok(i) => ScalarValue::Int64(Some(i)),
                Err(_) => ScalarValue::Float64(Some(
                    s.parse()
                        .map_err(|_| sql_err(format!("invalid number {s}"), at_node))?,
                )),
            },
            ast::Value::SingleQuotedString(s) => ScalarValue::Utf8(Some(s.clone())),
            ast::Value::Boolean(b) => ScalarValue::Boolean(Some(*b)),
            ast::Value::Null => ScalarValue::Null,
            other => return Err(sql_err(format!("unsupported literal {other}"), at_node)),
        })
    }

    /// `DATE '2024-01-31'`, `TIMESTAMP '...'`: a literal of the named type.
    pub(crate) fn typed_string(&self, ts: &ast::TypedString, e: &ast::Expr) -> Result<ScalarValue> {
        let text = match &ts.value.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
            other => return Err(sql_err(format!("invalid literal {other}"), e)),
        };
        let type_name = ts.data_type.to_string();
        let t = crate::expr::sql_type(&ts.data_type)
            .map_err(|_| sql_err(format!("unsupported literal type {type_name}"), e))?;
        typed_literal(&text, t).map_err(|m| sql_err(m, e))
    }

    /// `INTERVAL '1' DAY`, `INTERVAL 2 HOURS`, `INTERVAL '1 day'`: a duration in
    /// microseconds (Spark's day-time intervals; months and years are not durations).
    pub(crate) fn interval(&self, iv: &ast::Interval, e: &ast::Expr) -> Result<ScalarValue> {
        let text = match iv.value.as_ref() {
            ast::Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) => s.clone(),
                ast::Value::Number(n, _) => n.clone(),
                other => return Err(sql_err(format!("invalid interval value {other}"), e)),
            },
            ast::Expr::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } => match expr.as_ref() {
                ast::Expr::Value(v) => format!("-{}", v.value).replace('\'', ""),
                other => return Err(sql_err(format!("invalid interval value {other}"), e)),
            },
            other => return Err(sql_err(format!("invalid interval value {other}"), e)),
        };
        let (amount, unit) = match &iv.leading_field {
            Some(f) => (text.trim().to_string(), f.to_string()),
            None => {
                let mut parts = text.split_whitespace();
                let amount = parts.next().unwrap_or_default().to_string();
                let unit = parts.next().unwrap_or_default().to_string();
                (amount, unit)
            }
        };
        let micros_per: i64 = match unit.to_ascii_lowercase().trim_end_matches('s') {
            "day" => 86_400_000_000,
            "hour" => 3_600_000_000,
            "minute" => 60_000_000,
            "second" => 1_000_000,
            "millisecond" => 1_000,
            "microsecond" => 1,
            "week" => 7 * 86_400_000_000,
            other => {
                return Err(sql_err(
                    format!("INTERVAL in {other} is not supported (days, hours, minutes, seconds and weeks are)"),
                    e,
                ))
            }
        };
        let amount: f64 = amount
            .parse()
            .map_err(|_| sql_err(format!("invalid interval amount '{amount}'"), e))?;
        let micros = amount * micros_per as f64;
        if !micros.is_finite() || micros.abs() >= 9.2e18 {
            return Err(sql_err("the interval is out of range", e));
        }
        Ok(ScalarValue::Duration(
            Some(micros.round() as i64),
            partita_common::TimeUnit::Microsecond,
        ))
    }
}

/// A `DATE '...'` or `TIMESTAMP '...'` literal (an error message for bad text).
fn typed_literal(text: &str, t: DataType) -> std::result::Result<ScalarValue, String> {
    use partita_common::temporal;
    match t {
        DataType::Date => temporal::parse_date(text)
            .map(|d| ScalarValue::Date(Some(d)))
            .ok_or_else(|| format!("'{text}' is not a valid date")),
        DataType::Timestamp(unit, zone) => {
            let (wall, offset) = temporal::parse_timestamp(text)
                .ok_or_else(|| format!("'{text}' is not a valid timestamp"))?;
            let utc = match offset {
                Some(off) => wall - off,
                None => wall,
            };
            temporal::ticks_of_naive(utc, unit)
                .map(|v| ScalarValue::Timestamp(Some(v), unit, zone))
                .ok_or_else(|| format!("'{text}' is out of the range of timestamps"))
        }
        DataType::Utf8 => Ok(ScalarValue::Utf8(Some(text.to_string()))),
        other => Err(format!(
            "{other} literals written as text are not supported"
        )),
    }
}
