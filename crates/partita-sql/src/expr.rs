//! SQL expressions into plan expressions.

use partita_common::{
    BinaryOperator as Op, DataType, DatePart, Result, ScalarFunction, ScalarValue,
};
use partita_plan::{col, lit, Expr};
use sqlparser::ast;

use crate::literal::typed_literal;
use crate::names::ident_name;
use crate::planner::Planner;
use crate::position::sql_err;

impl Planner<'_> {
    pub(crate) fn expr(&self, e: &ast::Expr) -> Result<Expr> {
        use ast::Expr as E;
        Ok(match e {
            E::Identifier(i) => col(ident_name(i)),
            E::CompoundIdentifier(parts) => {
                col(ident_name(parts.last().expect("at least one part")))
            }
            E::Value(v) => Expr::Literal(self.value(&v.value, e)?),
            E::Nested(inner) => self.expr(inner)?,
            E::IsNull(x) => self.expr(x)?.is_null(),
            E::IsNotNull(x) => self.expr(x)?.is_not_null(),
            E::IsTrue(x) => self.expr(x)?.eq(lit(true)),
            E::IsFalse(x) => self.expr(x)?.eq(lit(false)),
            E::IsNotDistinctFrom(a, b) => self.expr(a)?.null_safe_eq(self.expr(b)?),
            E::IsDistinctFrom(a, b) => self.expr(a)?.null_safe_eq(self.expr(b)?).not(),
            E::InList {
                expr,
                list,
                negated,
            } => {
                let list = list
                    .iter()
                    .map(|x| self.expr(x))
                    .collect::<Result<Vec<_>>>()?;
                Expr::InList {
                    expr: Box::new(self.expr(expr)?),
                    list,
                    negated: *negated,
                }
            }
            E::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let b = self.expr(expr)?.between(self.expr(low)?, self.expr(high)?);
                if *negated {
                    b.not()
                } else {
                    b
                }
            }
            E::Like {
                negated,
                expr,
                pattern,
                escape_char,
                any,
            } => {
                if *any || escape_char.is_some() {
                    return Err(sql_err("LIKE ANY and LIKE ... ESCAPE are not supported", e));
                }
                let p = match pattern.as_ref() {
                    E::Value(v) => match &v.value {
                        ast::Value::SingleQuotedString(s) => s.clone(),
                        other => {
                            return Err(sql_err(
                                format!("LIKE expects a string pattern, got {other}"),
                                pattern.as_ref(),
                            ))
                        }
                    },
                    other => return Err(sql_err("LIKE expects a string literal pattern", other)),
                };
                Expr::Like {
                    expr: Box::new(self.expr(expr)?),
                    pattern: p,
                    negated: *negated,
                }
            }
            E::UnaryOp { op, expr } => match op {
                ast::UnaryOperator::Not => self.expr(expr)?.not(),
                ast::UnaryOperator::Minus => match self.expr(expr)? {
                    Expr::Literal(ScalarValue::Int64(Some(v))) => lit(-v),
                    Expr::Literal(ScalarValue::Float64(Some(v))) => lit(-v),
                    other => -other,
                },
                ast::UnaryOperator::Plus => self.expr(expr)?,
                other => return Err(sql_err(format!("unsupported operator {other}"), e)),
            },
            E::BinaryOp { left, op, right } => {
                let op = match op {
                    ast::BinaryOperator::Plus => Op::Plus,
                    ast::BinaryOperator::Minus => Op::Minus,
                    ast::BinaryOperator::Multiply => Op::Multiply,
                    ast::BinaryOperator::Divide => Op::Divide,
                    ast::BinaryOperator::Modulo => Op::Modulo,
                    ast::BinaryOperator::MyIntegerDivide
                    | ast::BinaryOperator::DuckIntegerDivide => Op::IntegerDivide,
                    ast::BinaryOperator::Eq => Op::Eq,
                    ast::BinaryOperator::NotEq => Op::NotEq,
                    ast::BinaryOperator::Lt => Op::Lt,
                    ast::BinaryOperator::LtEq => Op::LtEq,
                    ast::BinaryOperator::Gt => Op::Gt,
                    ast::BinaryOperator::GtEq => Op::GtEq,
                    ast::BinaryOperator::Spaceship => Op::NullSafeEq,
                    ast::BinaryOperator::And => Op::And,
                    ast::BinaryOperator::Or => Op::Or,
                    other => return Err(sql_err(format!("unsupported operator {other}"), e)),
                };
                Expr::Binary {
                    left: Box::new(self.expr(left)?),
                    op,
                    right: Box::new(self.expr(right)?),
                }
            }
            E::Cast {
                expr, data_type, ..
            } => {
                let type_name = data_type.to_string();
                let t = DataType::parse(type_name.split('(').next().unwrap_or_default())
                    .map_err(|_| sql_err(format!("unsupported type {data_type} in CAST"), e))?;
                self.expr(expr)?.cast(t)
            }
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let mut branches = vec![];
                for w in conditions {
                    let c = self.expr(&w.condition)?;
                    let c = match operand {
                        Some(op) => self.expr(op)?.eq(c),
                        None => c,
                    };
                    branches.push((c, self.expr(&w.result)?));
                }
                let otherwise = else_result
                    .as_ref()
                    .map(|x| self.expr(x).map(Box::new))
                    .transpose()?;
                Expr::Case {
                    branches,
                    otherwise,
                }
            }
            E::Function(f) => self.function(f, e)?,
            E::Extract { field, expr, .. } => {
                let name = field.to_string();
                let part = DatePart::parse(&name).ok_or_else(|| {
                    sql_err(format!("EXTRACT of the field {name} is not supported"), e)
                })?;
                Expr::Function {
                    func: ScalarFunction::DatePart(part),
                    args: vec![self.expr(expr)?],
                }
            }
            E::TypedString(ts) => {
                let text = match &ts.value.value {
                    ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                        s.clone()
                    }
                    other => return Err(sql_err(format!("invalid literal {other}"), e)),
                };
                let type_name = ts.data_type.to_string();
                let t = DataType::parse(type_name.split('(').next().unwrap_or_default())
                    .map_err(|_| sql_err(format!("unsupported literal type {type_name}"), e))?;
                Expr::Literal(typed_literal(&text, t).map_err(|m| sql_err(m, e))?)
            }
            E::Interval(iv) => Expr::Literal(self.interval(iv, e)?),
            other => return Err(sql_err(format!("unsupported expression: {other}"), other)),
        })
    }
}
