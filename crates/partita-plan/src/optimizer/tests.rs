//! Before/after plan snapshots for each rule, and a case where it must not fire.

use std::any::Any;
use std::sync::Arc;

use partita_common::{
    BinaryOperator, DataType, Error, Field, NullPlacement, Result, ScalarValue, Schema, SchemaRef,
    Semantics,
};

use crate::expr::{col, lit, Expr};
use crate::optimizer::{ConstantEvaluator, OptimizerContext, OptimizerRule};
use crate::optimizer::{
    MergeFilters, Optimizer, PushDownFilter, PushDownProjection, SimplifyConstants,
    SortLimitToTopK, WindowTopK,
};
use crate::plan::{
    Aggregate, Filter, Limit, LogicalPlan, Projection, Scan, Sort, SortExpr, TableSource,
};

#[derive(Debug)]
struct Table(SchemaRef);

impl TableSource for Table {
    fn schema(&self) -> SchemaRef {
        self.0.clone()
    }
    fn columns_with_nulls(&self) -> Option<Vec<bool>> {
        Some(vec![false; self.0.len()])
    }
    fn partition_count(&self) -> usize {
        2
    }
    fn describe(&self) -> String {
        "t".into()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Folds integer `+` only, enough to test the rule's mechanics.
struct AddOnly;

impl ConstantEvaluator for AddOnly {
    fn evaluate(&self, expr: &Expr, _: &Semantics) -> Result<ScalarValue> {
        match expr {
            Expr::Binary {
                left,
                op: BinaryOperator::Plus,
                right,
            } => match (left.as_ref(), right.as_ref()) {
                (
                    Expr::Literal(ScalarValue::Int64(Some(a))),
                    Expr::Literal(ScalarValue::Int64(Some(b))),
                ) => a
                    .checked_add(*b)
                    .map(|v| ScalarValue::Int64(Some(v)))
                    .ok_or_else(|| Error::plan("overflow")),
                _ => Err(Error::plan("not foldable here")),
            },
            _ => Err(Error::plan("not foldable here")),
        }
    }
}

fn sem() -> Semantics {
    Semantics::pandas()
}

fn scan() -> Arc<LogicalPlan> {
    let schema = Schema::new(vec![
        Field::new("a", DataType::Int64),
        Field::new("b", DataType::Float64),
        Field::new("c", DataType::Utf8),
    ]);
    Arc::new(LogicalPlan::Scan(
        Scan::try_new(Arc::new(Table(Arc::new(schema))), &sem()).unwrap(),
    ))
}

fn filter(input: Arc<LogicalPlan>, p: Expr) -> Arc<LogicalPlan> {
    Arc::new(LogicalPlan::Filter(
        Filter::try_new(input, p, &sem()).unwrap(),
    ))
}

fn project(input: Arc<LogicalPlan>, exprs: Vec<Expr>) -> Arc<LogicalPlan> {
    Arc::new(LogicalPlan::Projection(
        Projection::try_new(input, exprs, &sem()).unwrap(),
    ))
}

fn apply(rule: &dyn OptimizerRule, plan: Arc<LogicalPlan>) -> (String, bool) {
    let ctx = OptimizerContext {
        semantics: sem(),
        constants: &AddOnly,
    };
    let t = rule.rewrite((*plan).clone(), &ctx).unwrap();
    (t.data.display_indent(), t.transformed)
}

#[test]
fn merge_filters_joins_adjacent_filters_in_order() {
    let plan = filter(filter(scan(), col("a").gt(lit(1))), col("b").lt(lit(2.0)));
    let (text, changed) = apply(&MergeFilters, plan);
    assert!(changed);
    assert_eq!(text, "Filter: a > 1 AND b < 2.0\n  Scan: t\n");
    // Not across a projection.
    let plan = filter(
        project(
            filter(scan(), col("a").gt(lit(1))),
            vec![col("a"), col("b")],
        ),
        col("b").lt(lit(2.0)),
    );
    assert!(!apply(&MergeFilters, plan).1);
}

#[test]
fn push_down_filter_goes_through_projection_into_scan() {
    let plan = filter(
        project(scan(), vec![col("a").alias("x"), col("b")]),
        col("x").gt(lit(1)),
    );
    let (text, changed) = apply(&PushDownFilter, plan);
    assert!(changed);
    assert_eq!(text, "Projection: a AS x, b\n  Scan: t filters=[a > 1]\n");
}

#[test]
fn push_down_filter_keeps_conjunct_order_and_stops_at_computed_columns() {
    // `y` is computed: it and every later conjunct stay above the projection.
    let plan = filter(
        project(
            scan(),
            vec![col("a"), (col("a") + lit(1)).alias("y"), col("c")],
        ),
        col("a")
            .gt(lit(0))
            .and(col("y").gt(lit(2)))
            .and(col("c").eq(lit("k"))),
    );
    let (text, _) = apply(&PushDownFilter, plan);
    assert_eq!(
        text,
        "Filter: y > 2 AND c = 'k'\n  Projection: a, a + 1 AS y, c\n    Scan: t filters=[a > 0]\n"
    );
}

#[test]
fn push_down_filter_moves_key_filters_below_aggregate_but_not_below_limit() {
    let agg = Arc::new(LogicalPlan::Aggregate(
        Aggregate::try_new(
            scan(),
            vec![col("c")],
            vec![col("a").sum().alias("s")],
            &sem(),
        )
        .unwrap(),
    ));
    let (text, _) = apply(&PushDownFilter, filter(agg.clone(), col("c").eq(lit("k"))));
    assert_eq!(
        text,
        "Aggregate: groupBy=[c], aggr=[sum(a) AS s]\n  Scan: t filters=[c = 'k']\n"
    );
    // A filter on the aggregate's output stays.
    let (text, changed) = apply(&PushDownFilter, filter(agg, col("s").gt(lit(1))));
    assert!(!changed, "{text}");
    let limited = Arc::new(LogicalPlan::Limit(Limit {
        input: scan(),
        skip: 0,
        fetch: Some(3),
    }));
    assert!(!apply(&PushDownFilter, filter(limited, col("a").gt(lit(1)))).1);
}

#[test]
fn sort_limit_becomes_top_k() {
    let sort = Arc::new(LogicalPlan::Sort(
        Sort::try_new(
            scan(),
            vec![SortExpr::new("b", true, NullPlacement::Default)],
            None,
            &sem(),
        )
        .unwrap(),
    ));
    let limit = Arc::new(LogicalPlan::Limit(Limit {
        input: sort.clone(),
        skip: 0,
        fetch: Some(3),
    }));
    assert_eq!(
        apply(&SortLimitToTopK, limit).0,
        "TopK: k=3, b DESC NULLS LAST\n  Scan: t\n"
    );
    let offset = Arc::new(LogicalPlan::Limit(Limit {
        input: sort.clone(),
        skip: 2,
        fetch: Some(3),
    }));
    assert_eq!(
        apply(&SortLimitToTopK, offset).0,
        "Limit: skip=2, fetch=3\n  TopK: k=5, b DESC NULLS LAST\n    Scan: t\n"
    );
    // OFFSET alone needs every row.
    let all = Arc::new(LogicalPlan::Limit(Limit {
        input: sort,
        skip: 2,
        fetch: None,
    }));
    assert!(!apply(&SortLimitToTopK, all).1);
}

#[test]
fn simplify_constants_folds_and_keeps_names() {
    let plan = filter(
        project(
            scan(),
            vec![(lit(1) + lit(2)).alias("three"), lit(4) + lit(5), col("a")],
        ),
        col("a").gt(lit(1) + lit(1)).and(lit(true)),
    );
    let (text, changed) = apply(&SimplifyConstants, plan);
    assert!(changed);
    assert_eq!(
        text,
        "Filter: a > 2\n  Projection: 3 AS three, 9 AS 4 + 5, a\n    Scan: t\n"
    );
    // An expression the evaluator refuses (here: overflow) is left for run time.
    let plan = project(scan(), vec![(lit(i64::MAX) + lit(1)).alias("o")]);
    assert!(!apply(&SimplifyConstants, plan).1);
}

#[test]
fn push_down_projection_prunes_scans() {
    let plan = project(filter(scan(), col("b").gt(lit(0.0))), vec![col("a")]);
    let (text, changed) = apply(&PushDownProjection, plan);
    assert!(changed);
    assert_eq!(
        text,
        "Projection: a\n  Filter: b > 0.0\n    Scan: t projection=[a, b]\n"
    );
    // The root's columns are never pruned.
    assert!(!apply(&PushDownProjection, scan()).1);
}

#[test]
fn the_driver_reaches_a_fixed_point_and_keeps_the_schema() {
    let plan = filter(
        filter(
            project(scan(), vec![col("a"), col("c")]),
            col("a").gt(lit(1)),
        ),
        col("c").eq(lit("k")),
    );
    let ctx = OptimizerContext {
        semantics: sem(),
        constants: &AddOnly,
    };
    let before = plan.schema().clone();
    let out = Optimizer::new().optimize((*plan).clone(), &ctx).unwrap();
    assert_eq!(out.schema(), &before);
    assert_eq!(
        out.display_indent(),
        "Projection: a, c\n  Scan: t projection=[a, c] filters=[a > 1, c = 'k']\n"
    );
    assert_eq!(
        Optimizer::new().rule_names(),
        vec![
            "simplify_constants",
            "merge_filters",
            "push_down_filter",
            "sort_limit_to_top_k",
            "window_top_k",
            "push_down_projection"
        ]
    );
}

#[test]
fn push_down_filter_into_a_join_keeps_the_filled_side_and_makes_keys() {
    use crate::plan::{Join, JoinType};
    let right = project(scan(), vec![col("a").alias("ra"), col("c").alias("rc")]);
    let join = |how| {
        Arc::new(LogicalPlan::Join(
            Join::try_new(scan(), right.clone(), how, vec![], None, &sem()).unwrap(),
        ))
    };
    // `FROM l, r WHERE l.a = r.ra AND r.rc = 'x' AND l.b > 1.0`: a key, and one
    // filter per side.
    let plan = filter(
        join(JoinType::Cross),
        col("a")
            .eq(col("ra"))
            .and(col("rc").eq(lit("x")))
            .and(col("b").gt(lit(1.0))),
    );
    let (text, changed) = apply(&PushDownFilter, plan);
    assert!(changed);
    assert_eq!(
        text,
        "Join: Inner on=[a = ra]\n  Scan: t filters=[b > 1.0]\n  Projection: a AS ra, c AS rc\n    Scan: t filters=[c = 'x']\n"
    );
    // Over a left join a condition on the right side stays above: it must see the
    // rows the join fills with missing values.
    let left = Arc::new(LogicalPlan::Join(
        Join::try_new(
            scan(),
            right.clone(),
            JoinType::Left,
            vec![crate::plan::JoinKey {
                left: "a".into(),
                right: "ra".into(),
                null_equal: false,
            }],
            None,
            &sem(),
        )
        .unwrap(),
    ));
    let plan = filter(left.clone(), col("rc").is_null());
    assert!(!apply(&PushDownFilter, plan).1);
    // A condition on a left key also filters the right side's key, over an inner
    // or a left join (a right row failing it can only match removed left rows),
    // never over a full join (its unmatched right rows are kept).
    let keyed = |how| {
        Arc::new(LogicalPlan::Join(
            Join::try_new(
                scan(),
                right.clone(),
                how,
                vec![crate::plan::JoinKey {
                    left: "a".into(),
                    right: "ra".into(),
                    null_equal: false,
                }],
                None,
                &sem(),
            )
            .unwrap(),
        ))
    };
    let derived =
        "  Scan: t filters=[a > 1]\n  Projection: a AS ra, c AS rc\n    Scan: t filters=[a > 1]\n";
    for how in [JoinType::Inner, JoinType::Left] {
        let (text, changed) = apply(&PushDownFilter, filter(keyed(how), col("a").gt(lit(1))));
        assert!(changed);
        assert_eq!(text, format!("Join: {how} on=[a = ra]\n{derived}"));
    }
    // From the right key to the left one over an inner join only.
    let (text, _) = apply(
        &PushDownFilter,
        filter(keyed(JoinType::Inner), col("ra").gt(lit(1))),
    );
    assert_eq!(text, format!("Join: Inner on=[a = ra]\n{derived}"));
    let plan = filter(keyed(JoinType::Full), col("a").gt(lit(1)));
    assert!(!apply(&PushDownFilter, plan).1);
}

#[test]
fn window_top_k_keeps_k_rows_per_partition_under_a_row_number_filter() {
    use crate::window::{Window, WindowExpr};
    use crate::SortExpr;
    use partita_common::{NullPlacement, WindowFunction};
    let window = |func: WindowFunction| {
        Arc::new(LogicalPlan::Window(
            Window::try_new(
                scan(),
                vec![WindowExpr {
                    func,
                    arg: None,
                    partition_by: vec!["c".into()],
                    keep_null_keys: false,
                    order_by: vec![SortExpr::new("b", true, NullPlacement::Default)],
                    frame: None,
                    ignore_nulls: None,
                    name: "rn".into(),
                }],
                &sem(),
            )
            .unwrap(),
        ))
    };
    let plan = filter(
        window(WindowFunction::RowNumber),
        col("rn").lt_eq(lit(2i64)).and(col("a").gt(lit(0i64))),
    );
    let (text, changed) = apply(&WindowTopK, plan.clone());
    assert!(changed);
    assert!(
        text.contains("TopKPerGroup: k=2, by=[c], order=[b DESC"),
        "{text}"
    );
    // Once is enough: the rewritten plan is left alone.
    let again = WindowTopK
        .rewrite(
            Optimizer::new()
                .optimize(
                    (*plan).clone(),
                    &OptimizerContext {
                        semantics: sem(),
                        constants: &AddOnly,
                    },
                )
                .unwrap(),
            &OptimizerContext {
                semantics: sem(),
                constants: &AddOnly,
            },
        )
        .unwrap();
    assert!(!again.transformed);
    // A rank keeps every tie of the k-th place: no top-k under it.
    let plan = filter(window(WindowFunction::Rank), col("rn").lt_eq(lit(2i64)));
    assert!(!apply(&WindowTopK, plan).1);
}
