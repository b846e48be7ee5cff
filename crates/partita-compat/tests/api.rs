//! Recorded cases through the Rust API: each entry writes a case's query with
//! `Frame` calls (joins, set operations, windows, pandas' transforms) instead of
//! SQL; it must give the recorded pandas and Spark answers under both presets and
//! partitions 1, 2, 3 and 7, as the SQL does in `harness.rs`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use partita::prelude::*;
use partita::{
    cume_dist, first_value, last_value, nth_value, ntile, percent_rank, ScalarValue, UsingColumns,
};

type Tables = BTreeMap<String, Frame>;
type Query = fn(&Tables) -> Frame;

/// A table of the case by name.
fn t(tables: &Tables, name: &str) -> Frame {
    tables[name].clone()
}

/// Table `a` joined with table `b` (most join cases' two tables).
fn ab(tables: &Tables, spec: JoinSpec) -> Frame {
    t(tables, "a").join(t(tables, "b"), spec)
}

/// (case id, the query with the Rust API).
const CASES: &[(&str, Query)] = &[
    ("join-left-one-key", |x| ab(x, JoinSpec::left().on("k"))),
    ("setop-intersect-all", |x| {
        t(x, "s").intersect_all(t(x, "t"))
    }),
    ("win-rank-ties-nulls", |x| {
        let w = Window::partition_by("k").order_by("v", SortSpec::ascending());
        t(x, "t").with_windows([rank().over(w).alias("r")])
    }),
    // Issue 13: joins, set operations, subqueries, CTEs.
    ("join-cross", |x| ab(x, JoinSpec::cross())),
    ("join-derived-table", |x| {
        let s = t(x, "t").groupby("k").agg([col("v").sum().alias("total")]);
        t(x, "t").join(s, JoinSpec::inner().on("k"))
    }),
    ("join-different-key-names", |x| {
        let spec = JoinSpec::left().left_on("k").right_on("j");
        ab(x, spec).select(cols(&["k", "j", "v", "w"]))
    }),
    ("join-empty-right-left", |x| ab(x, JoinSpec::left().on("k"))),
    ("join-full-fill-dtypes-both-sides", |x| {
        ab(x, JoinSpec::outer().on("k"))
    }),
    ("join-full-one-key", |x| ab(x, JoinSpec::outer().on("k"))),
    ("join-full-pandas-key-order", |x| {
        ab(x, JoinSpec::outer().on("k"))
    }),
    ("join-groupby-sum", |x| {
        t(x, "o")
            .join(t(x, "c"), JoinSpec::inner().on("cid"))
            .groupby("name")
            .agg([count_star().alias("n"), col("qty").sum().alias("q")])
    }),
    ("join-inner-one-key", |x| ab(x, JoinSpec::inner().on("k"))),
    ("join-inner-pandas-left-order", |x| {
        ab(x, JoinSpec::inner().on("k"))
    }),
    ("join-inner-two-keys", |x| {
        ab(x, JoinSpec::inner().on(["k1", "k2"]))
    }),
    ("join-left-anti-empty-right", |x| {
        ab(x, JoinSpec::anti().on("k"))
    }),
    ("join-left-anti-indicator", |x| {
        ab(x, JoinSpec::anti().on("k"))
    }),
    ("join-left-anti-null-key", |x| {
        ab(x, JoinSpec::anti().on("k"))
    }),
    ("join-left-fill-dtypes", |x| ab(x, JoinSpec::left().on("k"))),
    ("join-left-fill-nan-vs-null", |x| {
        ab(x, JoinSpec::left().on("k"))
    }),
    ("join-left-groupby-count", |x| {
        ab(x, JoinSpec::left().on("k"))
            .groupby("k")
            .agg([col("w").count().alias("n"), col("w").sum().alias("s")])
    }),
    ("join-left-order-by-nulls", |x| {
        ab(x, JoinSpec::left().on("k"))
            .select(cols(&["id", "w"]))
            .sort_values(["w", "id"], SortSpec::ascending())
    }),
    ("join-left-pandas-left-order", |x| {
        ab(x, JoinSpec::left().on("k"))
    }),
    ("join-left-semi-basic", |x| ab(x, JoinSpec::semi().on("k"))),
    ("join-left-semi-null-key", |x| {
        ab(x, JoinSpec::semi().on("k"))
    }),
    ("join-left-semi-two-keys", |x| {
        ab(x, JoinSpec::semi().on(["k1", "k2"]))
    }),
    ("join-left-two-keys", |x| {
        ab(x, JoinSpec::left().on(["k1", "k2"]))
    }),
    ("join-many-to-many-full", |x| {
        ab(x, JoinSpec::outer().on("k"))
    }),
    ("join-many-to-many", |x| ab(x, JoinSpec::inner().on("k"))),
    ("join-natural", |x| {
        let joined = ab(x, JoinSpec::inner().on("k"));
        using_star(joined, &["k"], &["id", "k", "v", "w"])
    }),
    ("join-no-matches-inner", |x| {
        ab(x, JoinSpec::inner().on("k"))
    }),
    ("join-no-matches-left", |x| ab(x, JoinSpec::left().on("k"))),
    ("join-non-equi-range", |x| {
        ab(x, JoinSpec::cross())
            .filter(col("x").between(col("lo"), col("hi")))
            .select(cols(&["id", "band"]))
    }),
    ("join-null-float-key-nan", |x| {
        ab(x, JoinSpec::inner().on("k"))
    }),
    ("join-null-int-key-inner", |x| {
        ab(x, JoinSpec::inner().on("k"))
    }),
    ("join-null-int-key-one-side", |x| {
        ab(x, JoinSpec::left().on("k"))
    }),
    ("join-null-key-self-join", |x| {
        t(x, "t")
            .join(t(x, "t"), JoinSpec::inner().on("k"))
            .select([col("id_x").alias("id1"), col("id_y").alias("id2")])
    }),
    ("join-null-safe-eq-full", |x| {
        let spec = JoinSpec::outer().on("k").null_equal(true);
        ab(x, spec)
    }),
    ("join-null-safe-eq-str", |x| {
        let spec = JoinSpec::inner().on("k").null_equal(true);
        ab(x, spec)
    }),
    ("join-null-safe-float-nan-null", |x| {
        let spec = JoinSpec::inner().on("k").null_equal(true);
        ab(x, spec)
    }),
    ("join-null-safe-two-keys-left", |x| {
        let spec = JoinSpec::left().on(["k1", "k2"]).null_equal(true);
        ab(x, spec).select(cols(&["id", "w"]))
    }),
    ("join-null-str-key-full", |x| {
        ab(x, JoinSpec::outer().on("k"))
    }),
    ("join-null-str-key-inner", |x| {
        ab(x, JoinSpec::inner().on("k"))
    }),
    ("join-null-str-key-left", |x| {
        ab(x, JoinSpec::left().on("k"))
    }),
    ("join-null-two-keys", |x| {
        ab(x, JoinSpec::inner().on(["k1", "k2"])).select(cols(&["id", "w"]))
    }),
    ("join-on-extra-cond-inner", |x| {
        let b = t(x, "b").filter(col("w").gt(lit(1)));
        t(x, "a")
            .join(b, JoinSpec::inner().on("k"))
            .select(cols(&["id", "k", "w"]))
    }),
    ("join-on-extra-cond-left", |x| {
        let b = t(x, "b").filter(col("w").gt(lit(1)));
        t(x, "a")
            .join(b, JoinSpec::left().on("k"))
            .select(cols(&["id", "k", "w"]))
    }),
    ("join-overlap-default-suffix-full", |x| {
        ab(x, JoinSpec::outer().on("k"))
    }),
    ("join-overlap-suffixes", |x| {
        let spec = JoinSpec::inner().on("k").suffixes("_a", "_b");
        ab(x, spec)
    }),
    ("join-right-one-key", |x| ab(x, JoinSpec::right().on("k"))),
    ("join-right-two-keys", |x| {
        ab(x, JoinSpec::right().on(["k1", "k2"]))
    }),
    ("join-self-left-manager", |x| {
        let spec = JoinSpec::left().left_on("mgr").right_on("id");
        t(x, "emp")
            .join(t(x, "emp"), spec)
            .select([col("name_x").alias("name"), col("name_y").alias("manager")])
    }),
    ("join-three-tables-inner", |x| {
        t(x, "o")
            .join(t(x, "c"), JoinSpec::inner().on("cid"))
            .join(t(x, "p"), JoinSpec::inner().on("pid"))
            .select([
                col("oid"),
                col("name"),
                (col("qty") * col("price")).alias("total"),
            ])
    }),
    ("join-three-tables-left-chain", |x| {
        t(x, "o")
            .join(t(x, "c"), JoinSpec::left().on("cid"))
            .join(t(x, "p"), JoinSpec::left().on("pid"))
            .select(cols(&["oid", "name", "price"]))
    }),
    ("join-using-full-nulls", |x| {
        ab(x, JoinSpec::outer().on("k"))
    }),
    ("join-using-inner", |x| ab(x, JoinSpec::inner().on("k"))),
    ("join-using-select-star", |x| {
        let joined = ab(x, JoinSpec::inner().on("k"));
        using_star(joined, &["k"], &["id", "k", "v", "w"])
    }),
    ("join-using-two-keys-left", |x| {
        ab(x, JoinSpec::left().on(["k1", "k2"]))
    }),
    ("setop-except-all", |x| t(x, "s").except_all(t(x, "t"))),
    ("setop-except-chain-left-assoc", |x| {
        t(x, "s").except(t(x, "t")).union(t(x, "u"))
    }),
    ("setop-except-dedups-left", |x| t(x, "s").except(t(x, "t"))),
    ("setop-except-nulls", |x| t(x, "s").except(t(x, "t"))),
    ("setop-intersect-empty", |x| t(x, "s").intersect(t(x, "t"))),
    ("setop-intersect-nan-null", |x| {
        t(x, "s").intersect(t(x, "t"))
    }),
    ("setop-intersect-nulls", |x| t(x, "s").intersect(t(x, "t"))),
    ("setop-precedence-intersect-first", |x| {
        t(x, "s").union(t(x, "t").intersect(t(x, "u")))
    }),
    ("setop-union-all-int-null-dtype", |x| {
        t(x, "s").union_all(t(x, "t"))
    }),
    ("setop-union-all", |x| t(x, "s").union_all(t(x, "t"))),
    ("setop-union-bool-null", |x| t(x, "s").union(t(x, "t"))),
    ("setop-union-different-names", |x| {
        t(x, "s").union_all(t(x, "t"))
    }),
    ("setop-union-distinct-nulls", |x| t(x, "s").union(t(x, "t"))),
    ("setop-union-int-double", |x| t(x, "s").union_all(t(x, "t"))),
    ("setop-union-nan-null", |x| t(x, "s").union(t(x, "t"))),
    ("setop-union-order-by", |x| {
        t(x, "s")
            .union_all(t(x, "t"))
            .sort_values(["k", "v"], SortSpec::ascending())
    }),
    ("setop-union-swapped-columns", |x| {
        t(x, "s").union_all(t(x, "t").select(cols(&["v", "k"])))
    }),
    ("cte-basic", |x| t(x, "t").filter(col("v").gt(lit(1)))),
    ("cte-chained", |x| {
        t(x, "t")
            .groupby("k")
            .agg([col("v").sum().alias("total")])
            .filter(col("total").gt(lit(4)))
    }),
    ("cte-in-subquery", |x| {
        let hot = t(x, "b").filter(col("w").gt(lit(1))).select(cols(&["k"]));
        t(x, "a").join(hot, JoinSpec::semi().on("k"))
    }),
    ("cte-not-exists", |x| {
        let hot = t(x, "b").filter(col("w").gt(lit(1))).select(cols(&["k"]));
        t(x, "a").join(hot, JoinSpec::anti().on("k"))
    }),
    ("cte-referenced-twice-union", |x| {
        let c = t(x, "t").filter(col("k").not_eq(lit("c")));
        let low = c.clone().filter(col("v").lt_eq(lit(2)));
        c.filter(col("v").gt(lit(2))).union_all(low)
    }),
    ("cte-scalar-subquery", |x| {
        let m = t(x, "t").agg([col("v").mean().alias("av")]);
        t(x, "t")
            .join(m, JoinSpec::cross())
            .filter(col("v").gt(col("av")))
            .select(cols(&["k", "v"]))
    }),
    ("cte-self-join", |x| {
        let s = t(x, "t").groupby("k").agg([col("v").sum().alias("total")]);
        s.clone()
            .join(s, JoinSpec::cross())
            .filter(col("total_x").lt(col("total_y")))
            .select([col("k_x").alias("k1"), col("k_y").alias("k2")])
    }),
    ("cte-shadows-table", |x| t(x, "b")),
    ("cte-union-groupby", |x| {
        t(x, "s")
            .union_all(t(x, "t"))
            .groupby("k")
            .agg([col("v").sum().alias("total")])
    }),
    ("subq-exists-correlated", |x| {
        let spec = JoinSpec::semi().on("k");
        ab(x, spec).select(cols(&["id", "k"]))
    }),
    ("subq-in-basic", |x| {
        let b = t(x, "b").select(cols(&["k"]));
        t(x, "a")
            .join(b, JoinSpec::semi().on("k"))
            .select(cols(&["id", "k"]))
    }),
    ("subq-in-filtered", |x| {
        let b = t(x, "b").filter(col("w").gt(lit(3))).select(cols(&["k"]));
        t(x, "a")
            .join(b, JoinSpec::semi().on("k"))
            .select(cols(&["id", "k"]))
    }),
    ("subq-in-int-null", |x| ab(x, JoinSpec::semi().on("k"))),
    ("subq-in-null-both", |x| {
        let b = t(x, "b").select(cols(&["k"]));
        t(x, "a")
            .join(b, JoinSpec::semi().on("k"))
            .select(cols(&["id", "k"]))
    }),
    ("subq-not-exists-correlated", |x| {
        let spec = JoinSpec::anti().on("k");
        ab(x, spec).select(cols(&["id", "k"]))
    }),
    ("subq-not-in-empty-subquery", |x| {
        let b = t(x, "b").filter(col("w").gt(lit(100))).select(cols(&["k"]));
        t(x, "a")
            .join(b, JoinSpec::anti().on("k"))
            .select(cols(&["id", "k"]))
    }),
    ("subq-scalar-correlated-sum", |x| {
        let s = t(x, "b").groupby("k").agg([col("w").sum().alias("s")]);
        let spec = JoinSpec::left().on("k").null_equal(false);
        t(x, "a").join(s, spec).select(cols(&["id", "s"]))
    }),
    ("subq-scalar-empty-is-null", |x| {
        let m = t(x, "b")
            .filter(col("w").gt(lit(100)))
            .agg([col("w").max().alias("m")]);
        t(x, "a")
            .join(m, JoinSpec::cross())
            .filter(col("v").gt(col("m")))
            .select(cols(&["id"]))
    }),
    ("subq-scalar-having", |x| {
        let m = t(x, "b").agg([col("w").mean().alias("aw")]);
        t(x, "t")
            .groupby("k")
            .agg([col("v").sum().alias("s")])
            .join(m, JoinSpec::cross())
            .filter(col("s").gt(col("aw")))
            .select(cols(&["k", "s"]))
    }),
    ("subq-scalar-select", |x| {
        let m = t(x, "b").agg([col("w").max().alias("mw")]);
        t(x, "a")
            .join(m, JoinSpec::cross())
            .select(cols(&["id", "mw"]))
    }),
    ("subq-scalar-where-avg", |x| {
        let m = t(x, "t").agg([col("v").mean().alias("av")]);
        t(x, "t")
            .join(m, JoinSpec::cross())
            .filter(col("v").gt(col("av")))
            .select(cols(&["k", "v"]))
    }),
    // Issue 16: window functions.
    ("win-avg-partition", |x| {
        let w = Window::partition_by("k");
        t(x, "t").with_windows([
            col("v").mean().over(w.clone()).alias("av"),
            col("f").mean().over(w).alias("af"),
        ])
    }),
    ("win-count-col-partition", |x| {
        let w = Window::partition_by("k");
        t(x, "t").with_windows([
            col("v").count().over(w.clone()).alias("cv"),
            col("f").count().over(w).alias("cf"),
        ])
    }),
    ("win-count-star-partition", |x| {
        let w = Window::partition_by("k");
        t(x, "t")
            .select(cols(&["id", "k"]))
            .with_windows([count_star().over(w).alias("c")])
    }),
    ("win-cume-dist-desc", |x| {
        let w = Window::partition_by("k").order_by("v", SortSpec::descending());
        t(x, "t").with_windows([cume_dist().over(w).alias("cd")])
    }),
    ("win-cume-dist-no-partition", |x| {
        let w = Window::new().order_by("x", SortSpec::ascending());
        t(x, "t").with_windows([cume_dist().over(w).alias("cd")])
    }),
    ("win-cume-dist", |x| {
        t(x, "t").with_windows([cume_dist().over(by_k("v")).alias("cd")])
    }),
    ("win-dense-rank-desc", |x| {
        let w = Window::partition_by("k").order_by("v", SortSpec::descending());
        t(x, "t").with_windows([dense_rank().over(w).alias("dr")])
    }),
    ("win-dense-rank-float-nan", |x| {
        t(x, "t").with_windows([dense_rank().over(by_k("x")).alias("dr")])
    }),
    ("win-dense-rank-no-partition", |x| {
        let w = Window::new().order_by("v", SortSpec::ascending());
        t(x, "t").with_windows([dense_rank().over(w).alias("dr")])
    }),
    ("win-dense-rank-ties-nulls", |x| {
        t(x, "t").with_windows([dense_rank().over(by_k("v")).alias("dr")])
    }),
    ("win-filter-on-running-sum", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "v"]))
            .with_windows([col("v").sum().over(by_k("id")).alias("rs")])
            .filter(col("rs").gt(lit(3)))
    }),
    ("win-first-last-value-string", |x| {
        let w = by_k("id").rows(
            FrameBound::UnboundedPreceding,
            FrameBound::UnboundedFollowing,
        );
        t(x, "t").with_windows([
            first_value(col("s")).over(w.clone()).alias("fv"),
            last_value(col("s")).over(w).alias("lv"),
        ])
    }),
    ("win-first-value-desc", |x| {
        let w = Window::partition_by("k").order_by("o", SortSpec::descending());
        t(x, "t").with_windows([first_value(col("v")).over(w).alias("fv")])
    }),
    ("win-first-value-ignore-nulls", |x| {
        let fv = first_value(col("v")).ignore_nulls(true);
        t(x, "t").with_windows([fv.over(by_k("o")).alias("fv")])
    }),
    ("win-first-value", |x| {
        t(x, "t").with_windows([first_value(col("v")).over(by_k("o")).alias("fv")])
    }),
    ("win-lag-1-int-nulls-default", |x| {
        let p = lag(col("v"), 1, Some(ScalarValue::Int64(Some(-1))));
        t(x, "t")
            .select(cols(&["id", "k", "v"]))
            .with_windows([p.over(by_k("id")).alias("p")])
    }),
    ("win-lag-1-int", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "n"]))
            .with_windows([lag(col("n"), 1, None).over(by_k("id")).alias("p")])
    }),
    ("win-lag-1-string", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "s"]))
            .with_windows([lag(col("s"), 1, None).over(by_k("id")).alias("p")])
    }),
    ("win-lag-2-int-default", |x| {
        let p = lag(col("n"), 2, Some(ScalarValue::Int64(Some(0))));
        t(x, "t")
            .select(cols(&["id", "k", "n"]))
            .with_windows([p.over(by_k("id")).alias("p")])
    }),
    ("win-lag-desc-order", |x| {
        let w = Window::partition_by("k").order_by("id", SortSpec::descending());
        t(x, "t")
            .select(cols(&["id", "k", "n"]))
            .with_windows([lag(col("n"), 1, None).over(w).alias("p")])
    }),
    ("win-lag-diff-expression", |x| {
        t(x, "t")
            .with_windows([lag(col("n"), 1, None).over(by_k("id")).alias("p")])
            .select([
                col("id"),
                col("k"),
                col("n"),
                (col("n") - col("p")).alias("d"),
            ])
    }),
    // LAG(n, -1) looks one row ahead, as LEAD(n, 1).
    ("win-lag-negative-offset", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "n"]))
            .with_windows([lag(col("n"), -1, None).over(by_k("id")).alias("p")])
    }),
    ("win-lag-no-partition", |x| {
        let w = Window::new().order_by("id", SortSpec::ascending());
        t(x, "t")
            .select(cols(&["id", "k", "n"]))
            .with_windows([lag(col("n"), 1, None).over(w).alias("p")])
    }),
    ("win-last-value-default-frame", |x| {
        t(x, "t").with_windows([last_value(col("v")).over(by_k("o")).alias("lv")])
    }),
    ("win-last-value-full-frame", |x| {
        let w = by_k("o").rows(
            FrameBound::UnboundedPreceding,
            FrameBound::UnboundedFollowing,
        );
        t(x, "t").with_windows([last_value(col("v")).over(w).alias("lv")])
    }),
    ("win-last-value-ignore-nulls-full-frame", |x| {
        let w = by_k("o").rows(
            FrameBound::UnboundedPreceding,
            FrameBound::UnboundedFollowing,
        );
        let lv = last_value(col("v")).ignore_nulls(true);
        t(x, "t").with_windows([lv.over(w).alias("lv")])
    }),
    ("win-lead-1-float", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "f"]))
            .with_windows([lead(col("f"), 1, None).over(by_k("id")).alias("nx")])
    }),
    ("win-lead-1-string-default", |x| {
        let nx = lead(col("s"), 1, Some(ScalarValue::Utf8(Some("none".into()))));
        t(x, "t")
            .select(cols(&["id", "k", "s"]))
            .with_windows([nx.over(by_k("id")).alias("nx")])
    }),
    ("win-lead-2-float-default", |x| {
        let nx = lead(col("f"), 2, Some(ScalarValue::Float64(Some(-1.5))));
        t(x, "t")
            .select(cols(&["id", "k", "f"]))
            .with_windows([nx.over(by_k("id")).alias("nx")])
    }),
    ("win-lead-2-no-partition-default", |x| {
        let w = Window::new().order_by("id", SortSpec::ascending());
        let nx = lead(col("v"), 2, Some(ScalarValue::Int64(Some(0))));
        t(x, "t")
            .select(cols(&["id", "k", "v"]))
            .with_windows([nx.over(w).alias("nx")])
    }),
    ("win-min-max-int-partition", |x| {
        let w = Window::partition_by("k");
        t(x, "t").select(cols(&["id", "k", "v"])).with_windows([
            col("v").min().over(w.clone()).alias("mn"),
            col("v").max().over(w).alias("mx"),
        ])
    }),
    ("win-min-max-partition", |x| {
        let w = Window::partition_by("k");
        t(x, "t").select(cols(&["id", "k", "f"])).with_windows([
            col("f").min().over(w.clone()).alias("mn"),
            col("f").max().over(w).alias("mx"),
        ])
    }),
    ("win-min-max-string-partition", |x| {
        let w = Window::partition_by("k");
        t(x, "t").with_windows([
            col("s").min().over(w.clone()).alias("mn"),
            col("s").max().over(w).alias("mx"),
        ])
    }),
    ("win-named-window", |x| {
        let w = by_k("id");
        t(x, "t").select(cols(&["id", "k", "v"])).with_windows([
            rank().over(w.clone()).alias("r"),
            col("v").sum().over(w.clone()).alias("rs"),
            lag(col("v"), 1, None).over(w).alias("p"),
        ])
    }),
    ("win-nth-value-2-full-frame", |x| {
        let w = by_k("o").rows(
            FrameBound::UnboundedPreceding,
            FrameBound::UnboundedFollowing,
        );
        t(x, "t").with_windows([nth_value(col("v"), 2).over(w).alias("nv")])
    }),
    ("win-nth-value-2", |x| {
        t(x, "t").with_windows([nth_value(col("v"), 2).over(by_k("o")).alias("nv")])
    }),
    ("win-ntile-2-desc", |x| {
        let spec = SortSpec::ascending().with_ascending([false, true]);
        let w = Window::partition_by("k").order_by(["v", "id"], spec);
        t(x, "t").with_windows([ntile(2).over(w).alias("nt")])
    }),
    ("win-ntile-3-no-partition", |x| {
        let w = Window::new().order_by("id", SortSpec::ascending());
        t(x, "t").with_windows([ntile(3).over(w).alias("nt")])
    }),
    ("win-ntile-4", |x| {
        let w = Window::partition_by("k").order_by(["v", "id"], SortSpec::ascending());
        t(x, "t").with_windows([ntile(4).over(w).alias("nt")])
    }),
    ("win-ntile-more-buckets-than-rows", |x| {
        t(x, "t").with_windows([ntile(10).over(by_k("id")).alias("nt")])
    }),
    ("win-percent-rank-desc", |x| {
        let w = Window::partition_by("k").order_by("v", SortSpec::descending());
        t(x, "t").with_windows([percent_rank().over(w).alias("p")])
    }),
    ("win-percent-rank-no-partition", |x| {
        let w = Window::new().order_by("x", SortSpec::ascending());
        t(x, "t").with_windows([percent_rank().over(w).alias("p")])
    }),
    ("win-percent-rank", |x| {
        t(x, "t").with_windows([percent_rank().over(by_k("v")).alias("p")])
    }),
    ("win-qualify-alias", |x| {
        let w = Window::partition_by("k").order_by(["v", "id"], SortSpec::ascending());
        t(x, "t")
            .with_windows([row_number().over(w).alias("rn")])
            .filter(col("rn").eq(lit(1)))
    }),
    ("win-qualify-row-number", |x| {
        let spec = SortSpec::ascending().with_ascending([false, true]);
        let w = Window::partition_by("k").order_by(["v", "id"], spec);
        t(x, "t")
            .with_windows([row_number().over(w).alias("rn")])
            .filter(col("rn").lt_eq(lit(2)))
            .select(cols(&["id", "k", "v"]))
    }),
    ("win-range-1-around-count-star", |x| {
        let w = by_k("o").range(FrameBound::Preceding(1), FrameBound::Following(1));
        t(x, "t")
            .select(cols(&["id", "k", "o"]))
            .with_windows([count_star().over(w).alias("c")])
    }),
    ("win-range-1-preceding-sum", |x| {
        let w = by_k("o").range(FrameBound::Preceding(1), FrameBound::CurrentRow);
        t(x, "t").with_windows([col("v").sum().over(w).alias("s")])
    }),
    ("win-rank-asc-nulls-first", |x| {
        let spec = SortSpec::ascending().with_na_position([NullPlacement::First]);
        let w = Window::partition_by("k").order_by("v", spec);
        t(x, "t").with_windows([rank().over(w).alias("r")])
    }),
    ("win-rank-asc-nulls-last", |x| {
        let spec = SortSpec::ascending().with_na_position([NullPlacement::Last]);
        let w = Window::partition_by("k").order_by("v", spec);
        t(x, "t").with_windows([rank().over(w).alias("r")])
    }),
    ("win-rank-desc-nulls-first", |x| {
        let spec = SortSpec::descending().with_na_position([NullPlacement::First]);
        let w = Window::partition_by("k").order_by("v", spec);
        t(x, "t").with_windows([rank().over(w).alias("r")])
    }),
    ("win-rank-desc", |x| {
        let w = Window::partition_by("k").order_by("v", SortSpec::descending());
        t(x, "t").with_windows([rank().over(w).alias("r")])
    }),
    ("win-rank-final-order-by", |x| {
        let w = Window::partition_by("k").order_by("v", SortSpec::descending());
        t(x, "t")
            .with_windows([dense_rank().over(w).alias("dr")])
            .sort_values("id", SortSpec::ascending())
    }),
    ("win-rank-float-nan-desc", |x| {
        let w = Window::partition_by("k").order_by("x", SortSpec::descending());
        t(x, "t").with_windows([rank().over(w).alias("r")])
    }),
    ("win-rank-float-nan-null", |x| {
        t(x, "t").with_windows([rank().over(by_k("x")).alias("r")])
    }),
    ("win-rank-int-partition-key-null", |x| {
        let w = Window::partition_by("g").order_by("v", SortSpec::ascending());
        t(x, "t").with_windows([rank().over(w).alias("r")])
    }),
    ("win-rank-nan-partition-key", |x| {
        let w = Window::partition_by("x").order_by("v", SortSpec::ascending());
        t(x, "t").with_windows([rank().over(w).alias("r")])
    }),
    ("win-rank-no-partition", |x| {
        let w = Window::new().order_by("v", SortSpec::ascending());
        t(x, "t").with_windows([rank().over(w).alias("r")])
    }),
    ("win-rank-order-by-expression", |x| {
        t(x, "t")
            .with_column((col("v") * lit(-1)).alias("neg_v"))
            .with_windows([rank().over(by_k("neg_v")).alias("r")])
            .select(cols(&["id", "k", "v", "r"]))
    }),
    ("win-rank-over-group-by", |x| {
        let w = Window::new().order_by("s", SortSpec::descending());
        t(x, "t")
            .groupby("k")
            .agg([col("v").sum().alias("s")])
            .with_windows([rank().over(w).alias("r")])
    }),
    ("win-rank-string", |x| {
        t(x, "t").with_windows([rank().over(by_k("s")).alias("r")])
    }),
    ("win-row-number-desc-tiebreak", |x| {
        let spec = SortSpec::ascending().with_ascending([false, true]);
        let w = Window::partition_by("k").order_by(["v", "id"], spec);
        t(x, "t").with_windows([row_number().over(w).alias("rn")])
    }),
    ("win-row-number-identical-ties", |x| {
        t(x, "t").with_windows([row_number().over(by_k("v")).alias("rn")])
    }),
    ("win-row-number-no-partition", |x| {
        let w = Window::new().order_by(["v", "id"], SortSpec::ascending());
        t(x, "t").with_windows([row_number().over(w).alias("rn")])
    }),
    ("win-row-number-nulls-last", |x| {
        let spec = SortSpec::ascending()
            .with_ascending([true, true])
            .with_na_position([NullPlacement::Last, NullPlacement::Default]);
        let w = Window::partition_by("k").order_by(["v", "id"], spec);
        t(x, "t").with_windows([row_number().over(w).alias("rn")])
    }),
    ("win-row-number-tiebreak", |x| {
        let w = Window::partition_by("k").order_by(["v", "id"], SortSpec::ascending());
        t(x, "t").with_windows([row_number().over(w).alias("rn")])
    }),
    ("win-rows-2-preceding-avg", |x| {
        let w = by_k("id").rows(FrameBound::Preceding(2), FrameBound::CurrentRow);
        t(x, "t")
            .select(cols(&["id", "k", "v"]))
            .with_windows([col("v").mean().over(w).alias("a3")])
    }),
    ("win-rows-2-preceding-count", |x| {
        let w = by_k("id").rows(FrameBound::Preceding(2), FrameBound::CurrentRow);
        t(x, "t")
            .select(cols(&["id", "k", "v"]))
            .with_windows([col("v").count().over(w).alias("c3")])
    }),
    ("win-rows-2-preceding-no-partition", |x| {
        let w = Window::new()
            .order_by("id", SortSpec::ascending())
            .rows(FrameBound::Preceding(2), FrameBound::CurrentRow);
        t(x, "t")
            .select(cols(&["id", "k", "v"]))
            .with_windows([col("v").sum().over(w).alias("s3")])
    }),
    ("win-rows-2-preceding-sum-nan", |x| {
        let w = by_k("id").rows(FrameBound::Preceding(2), FrameBound::CurrentRow);
        t(x, "t")
            .select(cols(&["id", "k", "f"]))
            .with_windows([col("f").sum().over(w).alias("s3")])
    }),
    ("win-rows-2-preceding-sum", |x| {
        let w = by_k("id").rows(FrameBound::Preceding(2), FrameBound::CurrentRow);
        t(x, "t")
            .select(cols(&["id", "k", "v"]))
            .with_windows([col("v").sum().over(w).alias("s3")])
    }),
    ("win-rows-centered-min-max", |x| {
        let w = by_k("id").rows(FrameBound::Preceding(1), FrameBound::Following(1));
        t(x, "t").select(cols(&["id", "k", "f"])).with_windows([
            col("f").min().over(w.clone()).alias("mn"),
            col("f").max().over(w).alias("mx"),
        ])
    }),
    ("win-rows-centered-sum", |x| {
        let w = by_k("id").rows(FrameBound::Preceding(1), FrameBound::Following(1));
        t(x, "t")
            .select(cols(&["id", "k", "v"]))
            .with_windows([col("v").sum().over(w).alias("s3")])
    }),
    ("win-rows-unbounded-both-sum", |x| {
        let w = by_k("id").rows(
            FrameBound::UnboundedPreceding,
            FrameBound::UnboundedFollowing,
        );
        t(x, "t")
            .select(cols(&["id", "k", "v"]))
            .with_windows([col("v").sum().over(w).alias("s")])
    }),
    ("win-running-avg", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "o", "v"]))
            .with_windows([col("v").mean().over(by_k("o")).alias("ra")])
    }),
    ("win-running-count-col", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "o", "v"]))
            .with_windows([col("v").count().over(by_k("o")).alias("c")])
    }),
    ("win-running-count-star", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "o"]))
            .with_windows([count_star().over(by_k("o")).alias("c")])
    }),
    ("win-running-max-nan", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "o", "f"]))
            .with_windows([col("f").max().over(by_k("o")).alias("mx")])
    }),
    ("win-running-min-max", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "o", "v"]))
            .with_windows([
                col("v").min().over(by_k("o")).alias("mn"),
                col("v").max().over(by_k("o")).alias("mx"),
            ])
    }),
    ("win-running-sum-desc", |x| {
        let w = Window::partition_by("k").order_by("o", SortSpec::descending());
        t(x, "t")
            .select(cols(&["id", "k", "o", "n"]))
            .with_windows([col("n").sum().over(w).alias("rs")])
    }),
    ("win-running-sum-expression-arg", |x| {
        t(x, "t")
            .with_column((col("v") + lit(1)).alias("v1"))
            .with_windows([col("v1").sum().over(by_k("id")).alias("rs")])
            .select(cols(&["id", "k", "v", "rs"]))
    }),
    ("win-running-sum-nan", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "o", "f"]))
            .with_windows([col("f").sum().over(by_k("o")).alias("rs")])
    }),
    ("win-running-sum-no-partition", |x| {
        let w = Window::new().order_by("o", SortSpec::ascending());
        t(x, "t")
            .select(cols(&["id", "k", "o", "n"]))
            .with_windows([col("n").sum().over(w).alias("rs")])
    }),
    ("win-running-sum-null-order-key", |x| {
        t(x, "t").with_windows([col("v").sum().over(by_k("o")).alias("rs")])
    }),
    ("win-running-sum-null-values", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "o", "v"]))
            .with_windows([col("v").sum().over(by_k("o")).alias("rs")])
    }),
    ("win-running-sum-peers", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "o", "n"]))
            .with_windows([col("n").sum().over(by_k("o")).alias("rs")])
    }),
    ("win-running-sum-rows-frame", |x| {
        let w = Window::partition_by("k")
            .order_by(["o", "id"], SortSpec::ascending())
            .rows(FrameBound::UnboundedPreceding, FrameBound::CurrentRow);
        t(x, "t")
            .select(cols(&["id", "k", "o", "v"]))
            .with_windows([col("v").sum().over(w).alias("rs")])
    }),
    ("win-several-windows", |x| {
        let by_v = Window::new().order_by("v", SortSpec::descending());
        let by_id = Window::new().order_by("id", SortSpec::ascending());
        t(x, "t").select(cols(&["id", "k", "v"])).with_windows([
            row_number().over(by_k("id")).alias("rn"),
            col("v")
                .sum()
                .over(Window::partition_by("k"))
                .alias("total"),
            rank().over(by_v).alias("r"),
            lag(col("v"), 1, None).over(by_id).alias("prev"),
        ])
    }),
    ("win-share-of-partition-sum", |x| {
        t(x, "t")
            .with_windows([col("v")
                .sum()
                .over(Window::partition_by("k"))
                .alias("total")])
            .select([
                col("id"),
                col("k"),
                col("v"),
                (col("v") / col("total")).alias("share"),
            ])
    }),
    ("win-sum-count-no-partition", |x| {
        t(x, "t").select(cols(&["id", "k", "v"])).with_windows([
            col("v").sum().over(Window::new()).alias("s"),
            count_star().over(Window::new()).alias("c"),
        ])
    }),
    ("win-sum-partition-float-nan", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "f"]))
            .with_windows([col("f").sum().over(Window::partition_by("k")).alias("s")])
    }),
    ("win-sum-partition", |x| {
        t(x, "t")
            .select(cols(&["id", "k", "v"]))
            .with_windows([col("v").sum().over(Window::partition_by("k")).alias("s")])
    }),
    ("win-top1-rank-ties", |x| {
        let w = Window::partition_by("k").order_by("v", SortSpec::descending());
        t(x, "t")
            .with_windows([rank().over(w).alias("r")])
            .filter(col("r").eq(lit(1)))
    }),
    ("win-top2-dbbench-q8", |x| {
        let w = Window::partition_by("k").order_by("v", SortSpec::descending());
        t(x, "t")
            .filter(col("v").is_not_null())
            .with_windows([row_number().over(w).alias("order_v")])
            .filter(col("order_v").lt_eq(lit(2)))
            .select([col("k"), col("v").alias("largest2_v")])
    }),
    ("win-top2-derived-row-number", |x| {
        let spec = SortSpec::ascending().with_ascending([false, true]);
        let w = Window::partition_by("k").order_by(["v", "id"], spec);
        t(x, "t")
            .with_windows([row_number().over(w).alias("rn")])
            .filter(col("rn").lt_eq(lit(2)))
            .select(cols(&["id", "k", "v"]))
    }),
];

/// `PARTITION BY k ORDER BY order` (ascending).
fn by_k(order: &str) -> Window {
    Window::partition_by("k").order_by(order, SortSpec::ascending())
}

/// `SELECT *` over `JOIN ... USING (keys)`: the merged keys stay where the left
/// table has them (pandas) or come first (Spark), as the semantics says.
fn using_star(joined: Frame, keys: &[&str], all: &[&str]) -> Frame {
    match joined.semantics().using_columns {
        UsingColumns::InPlace => joined.select(cols(all)),
        UsingColumns::KeysFirst => {
            let rest = all.iter().filter(|n| !keys.contains(n));
            let order: Vec<&str> = keys.iter().chain(rest).copied().collect();
            joined.select(cols(&order))
        }
    }
}

/// Columns by name, for `select`.
fn cols(names: &[&str]) -> Vec<Expr> {
    names.iter().map(|n| col(*n)).collect()
}

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/compat/cases")
}

#[test]
fn recorded_cases_pass_through_the_rust_api() {
    let mut failures = vec![];
    for (id, query) in CASES {
        let case = partita_compat::Case::load(&cases_dir().join(format!("{id}.json")))
            .unwrap_or_else(|e| panic!("{e}"));
        for preset in ["pandas", "spark"] {
            for n in [1, 2, 3, 7] {
                if let Err(d) = partita_compat::run_api(&case, preset, n, query) {
                    failures.push(format!("{id} [{preset}, {n}]: {d}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
