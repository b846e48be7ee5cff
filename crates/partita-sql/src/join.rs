//! Joins in FROM (`JOIN ... ON`, `USING`, comma-separated tables) and the scope
//! their columns are named in.
//!
//! Each relation of a join is qualified: its column `c` becomes `q.c`, where `q`
//! is the relation's alias or table name, so both sides' columns keep distinct
//! names in the plan. A [`Scope`] maps what a query may write (`c`, `q.c`, `*`,
//! `q.*`) to those names; an unqualified name two relations have is Spark's
//! `AMBIGUOUS_REFERENCE`. `USING (k)` adds one merged `k` ahead of the others, as
//! Spark's `SELECT *` shows it.

use partita_common::{
    BinaryOperator, Error, IdentifierCase, JoinNullKeys, Result, Semantics, UsingColumns,
};
use partita_plan::{coalesce, col, Expr, JoinKey, JoinType, LogicalPlan, LogicalPlanBuilder};
use sqlparser::ast::{self, Spanned};

use crate::names::{ident_name, object_name};
use crate::planner::Planner;
use crate::position::{at, sql_err};

/// One column a FROM clause of several relations gives.
#[derive(Debug, Clone)]
pub(crate) struct ScopeEntry {
    /// The relation's alias or table name (`None`: a merged `USING` key).
    pub(crate) qualifier: Option<String>,
    /// The column as the query writes it.
    pub(crate) column: String,
    /// The column's name in the plan.
    pub(crate) internal: String,
    /// Whether `SELECT *` lists it.
    pub(crate) star: bool,
}

/// The columns of a FROM clause of several relations, in `SELECT *` order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub(crate) entries: Vec<ScopeEntry>,
}

impl Scope {
    pub(crate) fn same(sem: &Semantics, a: &str, b: &str) -> bool {
        match sem.identifier_case {
            IdentifierCase::Sensitive => a == b,
            IdentifierCase::Insensitive => a.eq_ignore_ascii_case(b),
        }
    }

    /// The plan name of an unqualified column: a merged `USING` key first, else the
    /// one relation that has it. `None` when no relation has it.
    pub(crate) fn resolve(&self, sem: &Semantics, name: &str) -> Result<Option<String>> {
        let hits = |merged: bool| -> Vec<&ScopeEntry> {
            self.entries
                .iter()
                .filter(|e| e.qualifier.is_none() == merged && Self::same(sem, &e.column, name))
                .collect()
        };
        let merged = hits(true);
        let hits = if merged.is_empty() {
            hits(false)
        } else {
            merged
        };
        match hits.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(one.internal.clone())),
            several => Err(Error::analysis(
                "AMBIGUOUS_REFERENCE",
                format!(
                    "column '{name}' is ambiguous: it could be {}",
                    several
                        .iter()
                        .map(|e| e.internal.clone())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            )),
        }
    }

    /// The plan name of `qualifier.column`.
    pub(crate) fn resolve_qualified(
        &self,
        sem: &Semantics,
        qualifier: &str,
        column: &str,
    ) -> Option<String> {
        self.entries
            .iter()
            .find(|e| {
                e.qualifier
                    .as_deref()
                    .is_some_and(|q| Self::same(sem, q, qualifier))
                    && Self::same(sem, &e.column, column)
            })
            .map(|e| e.internal.clone())
    }

    /// The columns `*` (or `q.*`) lists: plan name and written name.
    pub(crate) fn star(&self, sem: &Semantics, qualifier: Option<&str>) -> Vec<(String, String)> {
        self.entries
            .iter()
            .filter(|e| match qualifier {
                None => e.star,
                Some(q) => e
                    .qualifier
                    .as_deref()
                    .is_some_and(|eq| Self::same(sem, eq, q)),
            })
            .map(|e| (e.internal.clone(), e.column.clone()))
            .collect()
    }

    /// The scope of a FROM of one relation: its columns as they are, qualified by
    /// its alias or table name (none for a subquery without an alias).
    pub(crate) fn of_relation(relation: &ast::TableFactor, plan: &LogicalPlan) -> Scope {
        let q = qualifier(relation).ok();
        Scope {
            entries: plan
                .schema()
                .names()
                .iter()
                .map(|n| ScopeEntry {
                    qualifier: q.clone(),
                    column: n.to_string(),
                    internal: n.to_string(),
                    star: true,
                })
                .collect(),
        }
    }

    /// Whether `q` names a relation of the scope.
    pub(crate) fn has_qualifier(&self, sem: &Semantics, q: &str) -> bool {
        self.entries.iter().any(|e| {
            e.qualifier
                .as_deref()
                .is_some_and(|eq| Self::same(sem, eq, q))
        })
    }
}

/// The name a relation's columns are qualified with: its alias, or the table's
/// name (its last part).
fn qualifier(relation: &ast::TableFactor) -> Result<String> {
    match relation {
        ast::TableFactor::Table { alias: Some(a), .. }
        | ast::TableFactor::Derived { alias: Some(a), .. } => Ok(ident_name(&a.name)),
        ast::TableFactor::Table { name, .. } => {
            let text = object_name(name);
            Ok(text.rsplit('.').next().unwrap_or(&text).to_string())
        }
        other => Err(sql_err(
            "a subquery in a join needs an alias (FROM (SELECT ...) AS t JOIN ...)",
            other,
        )),
    }
}

impl Planner<'_> {
    /// A relation of a join with its columns qualified, and their scope entries.
    fn qualified(&self, relation: &ast::TableFactor) -> Result<(LogicalPlan, Scope)> {
        let plan = self.relation(relation)?;
        let q = qualifier(relation)?;
        let mut scope = Scope::default();
        let exprs: Vec<Expr> = plan
            .schema()
            .fields()
            .iter()
            .map(|f| {
                let internal = format!("{q}.{}", f.name);
                scope.entries.push(ScopeEntry {
                    qualifier: Some(q.clone()),
                    column: f.name.clone(),
                    internal: internal.clone(),
                    star: true,
                });
                col(f.name.clone()).alias(internal)
            })
            .collect();
        let plan = at(
            LogicalPlanBuilder::new(plan, self.sem)
                .project(exprs)
                .map(LogicalPlanBuilder::build),
            relation,
        )?;
        Ok((plan, scope))
    }

    /// FROM with joins or several relations: left to right, each join over what
    /// the earlier ones made. The scope is pushed for the rest of the SELECT.
    pub(crate) fn joined(&self, from: &[ast::TableWithJoins]) -> Result<LogicalPlan> {
        let mut acc: Option<(LogicalPlan, Scope)> = None;
        for item in from {
            let right = self.qualified(&item.relation)?;
            acc = Some(match acc {
                None => right,
                // `FROM a, b`: a cross join (a WHERE equality filters it).
                Some(left) => self.join(left, right, JoinType::Cross, None, &item.relation)?,
            });
            for j in &item.joins {
                let left = acc.take().expect("a left side");
                let right = self.qualified(&j.relation)?;
                acc = Some(self.join_operator(left, right, j)?);
            }
        }
        let (plan, scope) = acc.expect("FROM has a relation");
        self.set_scope(Some(scope));
        Ok(plan)
    }

    fn join_operator(
        &self,
        left: (LogicalPlan, Scope),
        right: (LogicalPlan, Scope),
        j: &ast::Join,
    ) -> Result<(LogicalPlan, Scope)> {
        use ast::JoinOperator as J;
        let (join_type, constraint) = match &j.join_operator {
            J::Join(c) | J::Inner(c) => (JoinType::Inner, c),
            J::Left(c) | J::LeftOuter(c) => (JoinType::Left, c),
            J::Right(c) | J::RightOuter(c) => (JoinType::Right, c),
            J::FullOuter(c) => (JoinType::Full, c),
            J::CrossJoin(c) => (JoinType::Cross, c),
            J::Semi(c) | J::LeftSemi(c) => (JoinType::LeftSemi, c),
            J::Anti(c) | J::LeftAnti(c) => (JoinType::LeftAnti, c),
            other => return Err(sql_err(format!("unsupported join: {other:?}"), j)),
        };
        match constraint {
            ast::JoinConstraint::None => self.join(left, right, join_type, None, j),
            ast::JoinConstraint::On(e) => self.join(left, right, join_type, Some(e), j),
            ast::JoinConstraint::Using(names) => self.join_using(left, right, join_type, names, j),
            // NATURAL: USING every column name both sides have (none: a cross join).
            ast::JoinConstraint::Natural => {
                let mut common: Vec<ast::ObjectName> = vec![];
                for e in &left.1.entries {
                    let shared = right
                        .1
                        .entries
                        .iter()
                        .any(|r| Scope::same(&self.sem, &r.column, &e.column));
                    let seen = common
                        .iter()
                        .any(|c| Scope::same(&self.sem, &object_name(c), &e.column));
                    if e.star && shared && !seen {
                        common.push(ast::ObjectName::from(vec![ast::Ident::new(&e.column)]));
                    }
                }
                if common.is_empty() {
                    self.join(left, right, JoinType::Cross, None, j)
                } else {
                    self.join_using(left, right, join_type, &common, j)
                }
            }
        }
    }

    /// Whether `=` matches missing keys under the semantics.
    fn eq_matches_nulls(&self) -> bool {
        self.sem.join_null_keys == JoinNullKeys::Match
    }

    /// A join with an `ON` condition (or none): equalities between a column of each
    /// side become keys, the rest a condition on the pairs.
    fn join(
        &self,
        (lp, ls): (LogicalPlan, Scope),
        (rp, rs): (LogicalPlan, Scope),
        join_type: JoinType,
        on: Option<&ast::Expr>,
        node: &impl Spanned,
    ) -> Result<(LogicalPlan, Scope)> {
        let mut both = ls.clone();
        both.entries.extend(rs.entries.iter().cloned());
        let (mut keys, mut rest) = (vec![], vec![]);
        if let Some(on) = on {
            let cond = self.in_scope(Some(both.clone()), || self.expr(on))?;
            let side = |name: &str, s: &Scope| s.entries.iter().any(|e| e.internal == name);
            for c in cond.split_conjunction() {
                let key = match c {
                    Expr::Binary { left, op, right }
                        if matches!(op, BinaryOperator::Eq | BinaryOperator::NullSafeEq) =>
                    {
                        let null_equal =
                            *op == BinaryOperator::NullSafeEq || self.eq_matches_nulls();
                        match (left.as_ref(), right.as_ref()) {
                            (Expr::Column(a), Expr::Column(b)) if side(a, &ls) && side(b, &rs) => {
                                Some((a.clone(), b.clone(), null_equal))
                            }
                            (Expr::Column(a), Expr::Column(b)) if side(b, &ls) && side(a, &rs) => {
                                Some((b.clone(), a.clone(), null_equal))
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                match key {
                    Some((left, right, null_equal)) => keys.push(JoinKey {
                        left,
                        right,
                        null_equal,
                    }),
                    None => rest.push(c.clone()),
                }
            }
        }
        // Without an equality, an inner join is a cross join with a condition.
        let join_type = match (join_type, keys.is_empty()) {
            (JoinType::Inner, true) => JoinType::Cross,
            (t, _) => t,
        };
        let filter = Expr::conjunction(rest);
        let plan = at(
            LogicalPlanBuilder::new(lp, self.sem)
                .join(rp, join_type, keys, filter)
                .map(LogicalPlanBuilder::build),
            node,
        )?;
        let scope = if join_type.keeps_right_columns() {
            both
        } else {
            ls
        };
        Ok((plan, scope))
    }

    /// `JOIN ... USING (k, ...)`: keys of the same name; the output gains one merged
    /// column per key (the left one, the right one for a right join, either for a
    /// full join), listed first by `SELECT *`, and the sides' own key columns stay
    /// reachable as `a.k` and `b.k`.
    fn join_using(
        &self,
        (lp, ls): (LogicalPlan, Scope),
        (rp, rs): (LogicalPlan, Scope),
        join_type: JoinType,
        names: &[ast::ObjectName],
        node: &ast::Join,
    ) -> Result<(LogicalPlan, Scope)> {
        let mut keys = vec![];
        let mut merged = vec![];
        for n in names {
            let name = object_name(n);
            let find = |s: &Scope, side: &str| -> Result<String> {
                at(s.resolve(&self.sem, &name), n)?.ok_or_else(|| {
                    sql_err(
                        format!("USING column '{name}' is not a column of the {side} side"),
                        n,
                    )
                })
            };
            let (l, r) = (find(&ls, "left")?, find(&rs, "right")?);
            let value = match join_type {
                JoinType::Right => col(r.clone()),
                JoinType::Full => coalesce(vec![col(l.clone()), col(r.clone())]),
                _ => col(l.clone()),
            };
            keys.push(JoinKey {
                left: l.clone(),
                right: r.clone(),
                null_equal: self.eq_matches_nulls(),
            });
            merged.push((name, value, [l, r]));
        }
        let plan = at(
            LogicalPlanBuilder::new(lp, self.sem)
                .join(rp, join_type, keys, None)
                .map(LogicalPlanBuilder::build),
            node,
        )?;
        // `SELECT *` lists a merged key first (Spark) or where the left side has it
        // (pandas' `merge`), as `using_columns` says.
        let in_place = self.sem.using_columns == UsingColumns::InPlace;
        let merged_entry = |name: &String| ScopeEntry {
            qualifier: None,
            column: name.clone(),
            internal: name.clone(),
            star: true,
        };
        let mut scope = Scope::default();
        let mut exprs = vec![];
        for (name, value, _) in &merged {
            exprs.push(value.clone().alias(name.clone()));
            if !in_place {
                scope.entries.push(merged_entry(name));
            }
        }
        let mut sides = ls.entries;
        if join_type.keeps_right_columns() {
            sides.extend(rs.entries);
        }
        for mut e in sides {
            exprs.push(col(e.internal.clone()));
            let key = merged
                .iter()
                .find(|(_, _, cols)| cols.contains(&e.internal));
            if let (true, Some((name, _, [left, _]))) = (in_place, key) {
                if *left == e.internal {
                    scope.entries.push(merged_entry(name));
                }
            }
            e.star &= key.is_none();
            scope.entries.push(e);
        }
        let plan = at(
            LogicalPlanBuilder::new(plan, self.sem)
                .project(exprs)
                .map(LogicalPlanBuilder::build),
            node,
        )?;
        Ok((plan, scope))
    }
}
