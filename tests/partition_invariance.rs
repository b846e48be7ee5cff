//! Property test: a random query over a random table gives the same result, bit
//! for bit, for 1, 2, 3, 7 and 16 partitions, 1 and 4 workers and 1 and 8 output
//! buckets (`split_out`), under pandas and Spark semantics. Tables hold nulls, NaN,
//! many duplicate keys and integers whose sums overflow; queries mix filters,
//! group-bys with several aggregates, sorts with mixed directions and null
//! placements, top-k, limits, distinct, joins of every kind (with missing and
//! repeated keys, broadcast and partitioned) and unions.
//!
//! Float values are decimals of mixed magnitude (tenths, millions, thousandths),
//! whose plain `f64` sums, means, variances and correlations depend on the order of
//! additions: the exact accumulators must make every float equal to the bit.

use partita::polars::*;
use partita::prelude::*;
use partita::ScalarValue;

/// A small deterministic generator (xorshift64*), so failures name a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

fn random_table(rng: &mut Rng) -> Vec<Series> {
    let n = 1 + rng.below(80);
    let k1: Vec<Option<&str>> = (0..n)
        .map(|_| {
            if rng.chance(12) {
                None
            } else {
                Some(*rng.pick(&["a", "b", "c", "A", ""]))
            }
        })
        .collect();
    let k2: Vec<Option<i64>> = (0..n)
        .map(|_| {
            if rng.chance(10) {
                None
            } else {
                Some(rng.below(4) as i64 - 1)
            }
        })
        .collect();
    let x: Vec<Option<f64>> = (0..n)
        .map(|_| match rng.below(10) {
            0 => None,
            1 => Some(f64::NAN),
            // Tenths, with now and then a value far larger or smaller: a plain
            // running sum of these rounds differently in every order.
            2 => Some((rng.below(2001) as f64 - 1000.0) * 1e6 + 0.1),
            3 => Some(rng.below(1000) as f64 * 1e-3),
            _ => Some((rng.below(41) as f64 - 20.0) * 0.1),
        })
        .collect();
    let y: Vec<Option<i64>> = (0..n)
        .map(|_| {
            if rng.chance(10) {
                None
            } else {
                Some(rng.below(100) as i64 - 50)
            }
        })
        .collect();
    let b: Vec<Option<bool>> = (0..n)
        .map(|_| {
            if rng.chance(15) {
                None
            } else {
                Some(rng.chance(50))
            }
        })
        .collect();
    // Large integers whose sum overflows an i64 in some groups and not in others
    // (and whose running sum may overflow when the total does not): Spark fails
    // with ARITHMETIC_OVERFLOW exactly when a total does not fit, pandas wraps.
    let w: Vec<Option<i64>> = (0..n)
        .map(|_| match rng.below(6) {
            0 => None,
            1 => Some(i64::MAX),
            2 => Some(i64::MIN),
            3 => Some(4_000_000_000_000_000_000),
            4 => Some(-4_000_000_000_000_000_000),
            _ => Some(rng.below(7) as i64 - 3),
        })
        .collect();
    vec![
        Series::new("w".into(), w),
        Series::new("k1".into(), k1),
        Series::new("k2".into(), k2),
        Series::new("x".into(), x),
        Series::new("y".into(), y),
        Series::new("b".into(), b),
    ]
}

fn random_predicate(rng: &mut Rng, depth: usize) -> Expr {
    if depth > 0 && rng.chance(35) {
        let l = random_predicate(rng, depth - 1);
        let r = random_predicate(rng, depth - 1);
        return match rng.below(3) {
            0 => l.and(r),
            1 => l.or(r),
            _ => l.and(r).not(),
        };
    }
    match rng.below(9) {
        0 => col("x").gt(lit((rng.below(9) as f64 - 4.0) * 0.5)),
        1 => col("y").lt_eq(lit(rng.below(60) as i64 - 30)),
        2 => col("k1").is_in(["a", "c"]),
        3 => col("x").is_null(),
        4 => col("k2").not_eq(lit(0)),
        5 => col("x").between(lit(-2.0), lit(2.0)),
        6 => col("k1").like("a%").not(),
        7 => col("y").gt(lit(0)).not(),
        _ => col("b").eq(lit(true)),
    }
}

const KEYS: [&str; 3] = ["k1", "k2", "b"];

/// Random aggregates and their output names. Every result is the same to the bit
/// whatever the partitioning, so any of them can be a sort key.
fn random_aggs(rng: &mut Rng) -> (Vec<Expr>, Vec<String>) {
    let all: Vec<(Expr, &str)> = vec![
        (count_star(), "n"),
        (col("x").count(), "cx"),
        (col("x").sum(), "sx"),
        (col("y").sum(), "sy"),
        (col("x").mean(), "mx"),
        (col("y").min(), "miny"),
        (col("x").max(), "maxx"),
        (col("k1").min(), "mink"),
        (col("x").std(), "sdx"),
        (col("y").var_ddof(0), "vy"),
        (col("x").median(), "medx"),
        (col("y").quantile(0.25), "q1y"),
        (col("k1").nunique(), "uk"),
        (col("x").nunique(), "ux"),
        (corr(col("x"), col("y")), "cxy"),
        (col("y").first(), "fy"),
        (col("x").last(), "lx"),
        (col("y").mean(), "my"),
        (col("x").var(), "vx"),
        (corr(col("x"), col("x") * lit(0.3) + col("y")), "cxz"),
        (col("w").sum(), "sw"),
        (corr(col("y"), col("k2")), "cyk"),
        (corr(col("w"), col("y")), "cwy"),
    ];
    let mut aggs = vec![];
    let mut names = vec![];
    for (e, name) in all {
        if rng.chance(30) {
            aggs.push(e.alias(name));
            names.push(name.to_string());
        }
    }
    if aggs.is_empty() {
        aggs.push(count_star().alias("n"));
        names.push("n".into());
    }
    (aggs, names)
}

fn random_sort(rng: &mut Rng, cols: &[String]) -> (Vec<String>, SortSpec) {
    let k = 1 + rng.below(cols.len().min(3));
    let mut by: Vec<String> = vec![];
    while by.len() < k {
        let c = rng.pick(cols).clone();
        if !by.contains(&c) {
            by.push(c);
        }
    }
    let asc: Vec<bool> = by.iter().map(|_| rng.chance(50)).collect();
    let na: Vec<NullPlacement> = by
        .iter()
        .map(|_| {
            *rng.pick(&[
                NullPlacement::First,
                NullPlacement::Last,
                NullPlacement::Default,
            ])
        })
        .collect();
    (
        by,
        SortSpec::ascending()
            .with_ascending(asc)
            .with_na_position(na),
    )
}

/// Builds the random query on `base`; returns it and whether row order is defined.
fn random_query(seed: u64, base: Frame) -> Frame {
    let mut rng = Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1);
    let _ = random_table(&mut rng); // keep the stream aligned with the table's
    let mut q = base.clone();
    if rng.chance(60) {
        q = q.filter(random_predicate(&mut rng, 2));
    }
    match rng.below(7) {
        6 => {
            // Window columns: ranks, offsets and aggregates over random partitions,
            // orders and frames (ties keep row order, which does not depend on the
            // partitioning).
            let nkeys = rng.below(3);
            let keys: Vec<String> = KEYS[..nkeys].iter().map(|s| s.to_string()).collect();
            let cols: Vec<String> = ["x", "y", "k1"].iter().map(|s| s.to_string()).collect();
            let (by, spec) = random_sort(&mut rng, &cols);
            let w = Window::partition_by(keys).order_by(by, spec);
            let frame = match rng.below(4) {
                0 => w.clone(),
                1 => w
                    .clone()
                    .rows(FrameBound::Preceding(2), FrameBound::CurrentRow),
                2 => w
                    .clone()
                    .rows(FrameBound::Preceding(1), FrameBound::Following(1)),
                _ => w.clone().rows(
                    FrameBound::UnboundedPreceding,
                    FrameBound::UnboundedFollowing,
                ),
            };
            let mut columns = vec![
                rank().over(w.clone()).alias("r"),
                row_number().over(w.clone()).alias("rn"),
                lag(col("x"), 1 + rng.below(2) as i64, None)
                    .over(w.clone())
                    .alias("prev"),
            ];
            let (aggs, _) = random_aggs(&mut rng);
            for (i, a) in aggs.into_iter().enumerate() {
                if let Expr::Alias(inner, _) = a {
                    if matches!(
                        inner.as_ref(),
                        Expr::Aggregate { func, args } if args.len() <= 1 && matches!(
                            func,
                            partita::AggregateFunction::Sum
                                | partita::AggregateFunction::Mean
                                | partita::AggregateFunction::Min
                                | partita::AggregateFunction::Max
                                | partita::AggregateFunction::Count
                                | partita::AggregateFunction::CountStar
                        )
                    ) {
                        columns.push(inner.over(frame.clone()).alias(format!("w{i}")));
                    }
                }
            }
            q = q.with_windows(columns);
            if rng.chance(30) {
                q = q.filter(col("rn").lt_eq(lit(2i64)));
            }
        }
        0 | 1 => {
            let nkeys = rng.below(3);
            let keys: Vec<String> = KEYS[..nkeys].iter().map(|s| s.to_string()).collect();
            let (aggs, exact) = random_aggs(&mut rng);
            q = if keys.is_empty() {
                q.agg(aggs)
            } else {
                q.groupby(keys.clone()).agg(aggs)
            };
            if !keys.is_empty() && rng.chance(60) {
                let mut sortable = keys.clone();
                sortable.extend(exact);
                let (by, spec) = random_sort(&mut rng, &sortable);
                q = q.sort_values(by, spec);
                if rng.chance(50) {
                    q = q.head(rng.below(6));
                }
            }
        }
        2 => {
            let cols: Vec<String> = ["k1", "k2", "x", "y", "b"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let (by, spec) = random_sort(&mut rng, &cols);
            q = q.sort_values(by, spec);
            if rng.chance(60) {
                q = q.limit(rng.below(3), Some(rng.below(10)));
            }
        }
        3 => {
            let cols = [col("k1"), col("k2"), col("b")];
            q = q.select(cols[..1 + rng.below(3)].to_vec()).distinct();
        }
        4 => {
            q = q
                .with_column((col("y") * lit(2) + lit(1)).alias("z"))
                .head(rng.below(40));
        }
        _ => {
            // A join with a filtered copy of the table (missing and repeated keys
            // on both sides), or a union with it.
            let key = *rng.pick(&["k1", "k2"]);
            let mut right = base;
            if rng.chance(50) {
                right = right.filter(random_predicate(&mut rng, 1));
            }
            let right = right.select([col(key), col("y").alias("yr"), col("b").alias("br")]);
            let spec = match rng.below(7) {
                0 => JoinSpec::inner(),
                1 => JoinSpec::left(),
                2 => JoinSpec::right(),
                3 => JoinSpec::outer(),
                4 => JoinSpec::semi(),
                5 => JoinSpec::anti(),
                _ => {
                    let left = q.select([col(key), col("y"), col("b")]);
                    return left.union_all(right);
                }
            };
            q = q.join(right, spec.on(key));
            if rng.chance(50) {
                let (aggs, _) = random_aggs(&mut rng);
                q = q.groupby(key).agg(aggs);
            }
        }
    }
    q
}

/// Floats must be equal to the bit (any NaN equals any NaN; 0.0 and -0.0 differ).
fn same_cell(a: &ScalarValue, b: &ScalarValue) -> bool {
    match (a, b) {
        (ScalarValue::Float64(Some(x)), ScalarValue::Float64(Some(y))) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        _ => a == b,
    }
}

fn same_result(
    a: &Result<Table>,
    b: &Result<Table>,
    ordered: bool,
) -> std::result::Result<(), String> {
    match (a, b) {
        (Err(x), Err(y)) => {
            if x.root_cause().to_string() == y.root_cause().to_string() {
                Ok(())
            } else {
                Err(format!("different errors: {x} / {y}"))
            }
        }
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => Err(format!("one run failed: {e}")),
        (Ok(x), Ok(y)) => {
            if x.column_names() != y.column_names() || x.height() != y.height() {
                return Err(format!(
                    "shapes differ:\n{}\n{}",
                    x.to_string_with_rows(50),
                    y.to_string_with_rows(50)
                ));
            }
            let rows = |t: &Table| -> Vec<Vec<ScalarValue>> {
                t.iter_rows().map(Result::unwrap).collect()
            };
            let (mut rx, mut ry) = (rows(x), rows(y));
            if !ordered {
                let key = |r: &Vec<ScalarValue>| format!("{r:?}");
                rx.sort_by_key(key);
                ry.sort_by_key(key);
            }
            for (i, (p, q)) in rx.iter().zip(&ry).enumerate() {
                if !p.iter().zip(q).all(|(a, b)| same_cell(a, b)) {
                    return Err(format!(
                        "row {i} differs: {p:?} vs {q:?}\n{}\n{}",
                        x.to_string_with_rows(50),
                        y.to_string_with_rows(50)
                    ));
                }
            }
            Ok(())
        }
    }
}

/// Finite, non-zero floats in a result: the cells whose bits the comparison checks.
fn float_cells(t: &Table) -> usize {
    t.iter_rows()
        .flat_map(Result::unwrap)
        .filter(|v| matches!(v, ScalarValue::Float64(Some(x)) if x.is_finite() && *x != 0.0))
        .count()
}

#[test]
fn random_plans_do_not_depend_on_partitions_or_workers() {
    // With 4 workers no join side is broadcast for its size: both join strategies
    // run (under pandas, the joins that keep pandas' order are broadcast anyway).
    let sessions: Vec<(usize, usize, Session)> = [(1usize, 1usize), (1, 8), (4, 1), (4, 8)]
        .iter()
        .map(|&(w, b)| {
            (
                w,
                b,
                Session::new()
                    .with_workers(w)
                    .with_split_every(3)
                    .with_split_out(b)
                    .with_broadcast_rows(if w == 4 { 0 } else { 1 << 20 }),
            )
        })
        .collect();
    let (mut succeeded, mut failed, mut nonempty, mut floats, mut windows) = (0, 0, 0, 0, 0);
    for seed in 1..=240u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1);
        let columns = random_table(&mut rng);
        let semantics = if seed % 2 == 0 {
            Semantics::pandas()
        } else {
            Semantics::spark()
        };
        let run = |session: &Session, partitions: usize| -> (Result<Table>, String) {
            let base = session
                .clone()
                .with_semantics(semantics)
                .from_columns(columns.clone(), partitions)
                .unwrap();
            let q = random_query(seed, base);
            let plan = q
                .logical_plan()
                .map(|p| p.display_indent())
                .unwrap_or_else(|e| e.to_string());
            (q.collect(), plan)
        };
        let (baseline, plan) = run(&sessions[0].2, 1);
        match &baseline {
            Ok(df) => {
                succeeded += 1;
                windows += plan.contains("Window:") as usize;
                nonempty += (df.height() > 0) as usize;
                floats += float_cells(df);
            }
            Err(e) => {
                failed += 1;
                // The only failure the generator provokes: a SUM whose exact total
                // does not fit an i64, under Spark's error switch.
                let cause = e.root_cause().to_string();
                assert!(
                    seed % 2 == 1 && cause.contains("ARITHMETIC_OVERFLOW"),
                    "seed {seed}: {cause}\n{plan}"
                );
            }
        }
        // Spark's group order is unspecified; Partita's is first-seen order within
        // a bucket, which depends on nothing but the input order and split_out, so
        // results with the same split_out are compared ordered too. Across split_out
        // the rows (not their order) must be the same, unless a limit cuts through
        // rows that tie on the sort keys (which of them come first is input order).
        let (bucketed, _) = run(&sessions[1].2, 1);
        let limited = plan.contains("Limit:");
        if let (false, Err(diff)) = (limited, same_result(&baseline, &bucketed, false)) {
            panic!(
                "seed {seed} ({}) differs with split_out 8:\n{plan}\n{diff}",
                semantics.name()
            );
        }
        for (workers, split_out, session) in &sessions {
            let expected = if *split_out == 1 {
                &baseline
            } else {
                &bucketed
            };
            // A join's rows come in an order that depends on how it was planned
            // (broadcast, or bucket by bucket), which depends on the partition count
            // and the strategy: its rows, not their order, must agree.
            let ordered =
                !plan.contains("Join:") && !plan.contains("Union:") && !plan.contains("Window:");
            for partitions in [1, 2, 3, 7, 16] {
                let (result, _) = run(session, partitions);
                if let Err(diff) = same_result(expected, &result, ordered) {
                    panic!(
                        "seed {seed} ({}) differs with {partitions} partitions, {workers} workers and split_out {split_out}:\n{plan}\n{diff}",
                        semantics.name()
                    );
                }
            }
        }
    }
    // The generator must build queries that mostly run and return rows, some that
    // fail (a Spark SUM that overflows), and results full of floats. The counts of
    // the 240 seeds above are 223 ran (213 with rows, 31 of them with windows), 17
    // failed and 20650 non-zero float cells; a change that makes the test vacuous
    // fails here.
    eprintln!(
        "{succeeded} ran ({nonempty} with rows, {windows} with windows), {failed} failed, {floats} float cells"
    );
    assert!(
        windows >= 15,
        "only {windows} random queries with windows ran"
    );
    assert_eq!(succeeded + failed, 240);
    assert!(
        (5..=30).contains(&failed),
        "{failed} of 240 random queries failed"
    );
    assert!(
        nonempty >= 200,
        "only {nonempty} of 240 random queries returned rows"
    );
    assert!(
        floats >= 4000,
        "only {floats} non-zero float cells compared"
    );
}
