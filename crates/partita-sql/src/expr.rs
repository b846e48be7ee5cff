//! SQL expressions into plan expressions.

use partita_common::{
    BinaryOperator as Op, DataType, DatePart, Result, ScalarFunction, ScalarValue,
};
use partita_plan::{col, lit, Expr};
use sqlparser::ast;

use crate::names::ident_name;
use crate::planner::Planner;
use crate::position::{at, span_of, sql_err};
use sqlparser::ast::Spanned;

impl Planner<'_> {
    /// A column by its unqualified name: in a joined FROM, the one relation (or
    /// merged USING key) that has it.
    fn column(&self, i: &ast::Ident, e: &ast::Expr) -> Result<Expr> {
        let name = ident_name(i);
        let scope = self.scope.borrow();
        match scope.as_ref() {
            None => Ok(col(name)),
            Some(s) => match at(s.resolve(&self.sem, &name), e)? {
                Some(internal) => Ok(col(internal)),
                None => Ok(col(name)),
            },
        }
    }

    /// `t.c`: in a joined FROM, column `c` of relation `t`; otherwise `c` (the
    /// qualifier names the one relation).
    fn qualified_column(&self, parts: &[ast::Ident], e: &ast::Expr) -> Result<Expr> {
        let column = ident_name(parts.last().expect("at least one part"));
        let scope = self.scope.borrow();
        let (Some(s), [.., q, _]) = (scope.as_ref(), parts) else {
            return Ok(col(column));
        };
        let qualifier = ident_name(q);
        match s.resolve_qualified(&self.sem, &qualifier, &column) {
            Some(internal) => Ok(col(internal)),
            None if s.has_qualifier(&self.sem, &qualifier) => Err(sql_err(
                format!("column '{column}' not found in '{qualifier}'"),
                e,
            )),
            None => Err(sql_err(
                format!("unknown table '{qualifier}' in {qualifier}.{column}"),
                e,
            )),
        }
    }

    /// A SQL expression as a plan expression (columns by name, not yet resolved).
    pub(crate) fn expr(&self, e: &ast::Expr) -> Result<Expr> {
        let planned = self.expr_here(e)?;
        if let (Some(list), Some(span)) = (&self.planned, span_of(e.span())) {
            list.borrow_mut().push((planned.to_string(), span));
        }
        Ok(planned)
    }

    fn expr_here(&self, e: &ast::Expr) -> Result<Expr> {
        use ast::Expr as E;
        Ok(match e {
            E::Identifier(i) => self.column(i, e)?,
            E::CompoundIdentifier(parts) => self.qualified_column(parts, e)?,
            E::Value(v) => Expr::Literal(self.value(&v.value, e)?),
            E::Subquery(q) => self.scalar_subquery(q, e)?,
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
            } => self.in_list(expr, list, *negated)?,
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
            E::Like { .. } => self.like(e)?,
            E::UnaryOp { op, expr } => self.unary(op, expr, e)?,
            E::BinaryOp { left, op, right } => Expr::Binary {
                op: binary_op(op, e)?,
                left: Box::new(self.expr(left)?),
                right: Box::new(self.expr(right)?),
            },
            E::Cast {
                expr, data_type, ..
            } => {
                let t = sql_type(data_type)
                    .map_err(|_| sql_err(format!("unsupported type {data_type} in CAST"), e))?;
                self.expr(expr)?.cast(t)
            }
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.case(operand.as_deref(), conditions, else_result.as_deref())?,
            E::Function(f) => self.function(f, e)?,
            E::Extract { field, expr, .. } => {
                let name = field.to_string();
                let part = DatePart::parse(&name).ok_or_else(|| {
                    sql_err(format!("EXTRACT of the field {name} is not supported"), e)
                })?;
                // Spark's EXTRACT(SECOND ...) keeps the fraction (DECIMAL(8,6)); its
                // SECOND() and pandas' dt.second do not.
                let part = match part {
                    DatePart::Second
                        if self.sem.numeric_promotion == partita_common::NumericPromotion::Sql =>
                    {
                        DatePart::SecondWithFraction
                    }
                    other => other,
                };
                Expr::Function {
                    func: ScalarFunction::DatePart(part),
                    args: vec![self.expr(expr)?],
                }
            }
            E::TypedString(ts) => Expr::Literal(self.typed_string(ts, e)?),
            E::Interval(iv) => Expr::Literal(self.interval(iv, e)?),
            other => return Err(sql_err(format!("unsupported expression: {other}"), other)),
        })
    }

    /// `x [NOT] IN (a, b, ...)`.
    fn in_list(&self, expr: &ast::Expr, list: &[ast::Expr], negated: bool) -> Result<Expr> {
        let list = list
            .iter()
            .map(|x| self.expr(x))
            .collect::<Result<Vec<_>>>()?;
        Ok(Expr::InList {
            expr: Box::new(self.expr(expr)?),
            list,
            negated,
        })
    }

    /// `x [NOT] LIKE 'pattern'` (a literal pattern, no ESCAPE).
    fn like(&self, e: &ast::Expr) -> Result<Expr> {
        use ast::Expr as E;
        let E::Like {
            negated,
            expr,
            pattern,
            escape_char,
            any,
        } = e
        else {
            unreachable!("like() is called on LIKE expressions")
        };
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
        Ok(Expr::Like {
            expr: Box::new(self.expr(expr)?),
            pattern: p,
            negated: *negated,
        })
    }

    /// `NOT x`, `-x` (a negative literal stays a literal) and `+x`.
    fn unary(&self, op: &ast::UnaryOperator, expr: &ast::Expr, e: &ast::Expr) -> Result<Expr> {
        Ok(match op {
            ast::UnaryOperator::Not => self.expr(expr)?.not(),
            ast::UnaryOperator::Minus => {
                // `-9223372036854775808` is i64::MIN, exactly, in both engines,
                // although its digits alone do not fit an i64.
                if let ast::Expr::Value(v) = expr {
                    if let ast::Value::Number(digits, _) = &v.value {
                        if let Ok(i) = format!("-{digits}").parse::<i64>() {
                            return Ok(lit(i));
                        }
                    }
                }
                match self.expr(expr)? {
                    Expr::Literal(ScalarValue::Int64(Some(v))) if v != i64::MIN => lit(-v),
                    Expr::Literal(ScalarValue::Float64(Some(v))) => lit(-v),
                    other => -other,
                }
            }
            ast::UnaryOperator::Plus => self.expr(expr)?,
            other => return Err(sql_err(format!("unsupported operator {other}"), e)),
        })
    }

    /// `CASE [operand] WHEN ... THEN ... [ELSE ...] END`.
    fn case(
        &self,
        operand: Option<&ast::Expr>,
        conditions: &[ast::CaseWhen],
        else_result: Option<&ast::Expr>,
    ) -> Result<Expr> {
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
            .map(|x| self.expr(x).map(Box::new))
            .transpose()?;
        Ok(Expr::Case {
            branches,
            otherwise,
        })
    }
}

/// The plan operator of a SQL binary operator.
fn binary_op(op: &ast::BinaryOperator, e: &ast::Expr) -> Result<Op> {
    Ok(match op {
        ast::BinaryOperator::Plus => Op::Plus,
        ast::BinaryOperator::Minus => Op::Minus,
        ast::BinaryOperator::Multiply => Op::Multiply,
        ast::BinaryOperator::Divide => Op::Divide,
        ast::BinaryOperator::Modulo => Op::Modulo,
        ast::BinaryOperator::MyIntegerDivide | ast::BinaryOperator::DuckIntegerDivide => {
            Op::IntegerDivide
        }
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
    })
}

/// A SQL type name as Partita's type: `DECIMAL(10, 2)` with its precision and
/// scale, other types by their name alone (`VARCHAR(10)` is text).
pub(crate) fn sql_type(data_type: &ast::DataType) -> Result<DataType> {
    let name = data_type.to_string().to_ascii_lowercase().replace(' ', "");
    let base = name.split('(').next().unwrap_or_default();
    if matches!(base, "decimal" | "numeric" | "dec") && name.contains('(') {
        let full = format!("decimal{}", &name[base.len()..]);
        // DECIMAL(10) is DECIMAL(10, 0).
        let full = if full.contains(',') {
            full
        } else {
            full.replace(')', ",0)")
        };
        return DataType::parse(&full);
    }
    DataType::parse(base)
}
