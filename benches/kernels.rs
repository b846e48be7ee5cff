//! Criterion micro-benchmarks of the kernels a grouped aggregation and a sort run
//! per partition: partial aggregation (rows → per-group states), merge (states of
//! many partitions → one state per group), finalize, a full two-key sort, a top-k
//! and the k-way merge of sorted partitions.
//!
//! `cargo bench --bench kernels` measures; `cargo test --benches` (and so
//! `make test`) runs each benchmark once as a smoke test. The table is a
//! db-benchmark-like one (id1: 100 strings, id3: N/10 strings, id4: 100
//! integers, v1: 1..5, v3: float, row: the row number) of 1e6 rows with a fixed seed, cut into 8
//! partitions where a kernel works on partitions.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use partita_common::{AggregateFunction, DataType, Semantics, SortKey};
use partita_core::aggregate::{finalize, merge, partial, partial_or_rows, AggCall, AggSpec};
use partita_core::polars::{DataFrame, IntoColumn, NamedFrom, Series};
use partita_core::sort::{merge_sorted, sort};

const ROWS: usize = 1_000_000;
const PARTS: usize = 8;

fn table(n: usize) -> DataFrame {
    let mut s: u64 = 0x2545F4914F6CDD1D;
    let mut next = move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        s.wrapping_mul(0x2545F4914F6CDD1D)
    };
    let k3 = (n / 10).max(1) as u64;
    let (mut id1, mut id3, mut id4, mut v1, mut v3) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..n {
        id1.push(format!("id{:03}", 1 + next() % 100));
        id3.push(format!("id{:010}", 1 + next() % k3));
        id4.push((1 + next() % 100) as i64);
        v1.push((1 + next() % 5) as i64);
        v3.push((next() % 100_000_000) as f64 / 1e6);
    }
    let cols = vec![
        Series::new("id1".into(), id1).into_column(),
        Series::new("id3".into(), id3).into_column(),
        Series::new("id4".into(), id4).into_column(),
        Series::new("v1".into(), v1).into_column(),
        Series::new("v3".into(), v3).into_column(),
        Series::new("row".into(), (0..n as i64).collect::<Vec<_>>()).into_column(),
    ];
    DataFrame::new(n, cols).expect("columns of equal length")
}

fn partitions(df: &DataFrame) -> Vec<DataFrame> {
    let size = df.height().div_ceil(PARTS);
    (0..PARTS)
        .map(|p| df.slice((p * size) as i64, size))
        .collect()
}

fn call(
    func: AggregateFunction,
    input: &str,
    input_type: DataType,
    output_type: DataType,
) -> AggCall {
    AggCall {
        func,
        inputs: vec![input.to_string()],
        output: format!("{func:?}_{input}").to_lowercase(),
        input_type,
        output_type,
    }
}

fn corr(x: &str, y: &str, input_type: DataType) -> AggCall {
    AggCall {
        func: AggregateFunction::Corr,
        inputs: vec![x.to_string(), y.to_string()],
        output: format!("corr_{x}_{y}"),
        input_type,
        output_type: DataType::Float64,
    }
}

/// q10's shape: `sum(v3), count(*)` by a key that never repeats (`row`), so
/// `partial_or_rows` emits one state per row and the merge passes them through.
fn per_row_states(c: &mut Criterion) {
    use AggregateFunction::*;
    use DataType::*;
    let sem = Semantics::spark();
    let df = table(ROWS);
    let spec = AggSpec {
        keys: vec!["row".to_string()],
        calls: vec![
            call(Sum, "v3", Float64, Float64),
            call(CountStar, "v1", Int64, Int64),
        ],
        drop_null_keys: false,
    };
    let mut g = c.benchmark_group("aggregate/sum_v3_count_by_row");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(10);
    g.bench_function("partial_or_rows", |b| {
        b.iter(|| partial_or_rows(&df, &spec, &sem).expect("partial"))
    });
    let states = partial_or_rows(&df, &spec, &sem).expect("partial");
    g.bench_function("merge", |b| {
        b.iter(|| merge(&states, &spec, &sem).expect("merge"))
    });
    let merged = merge(&states, &spec, &sem).expect("merge");
    g.bench_function("finalize", |b| {
        b.iter(|| finalize(&merged, &spec, &sem).expect("finalize"))
    });
    g.finish();
}

/// q1 (`sum(v1) by id1`: 100 string keys) and q3 (`sum(v1), mean(v3) by id3`:
/// 1e5 string keys), two keys with three aggregates (q5-like), the moments of
/// q6 (`std(v3)` by 100 integer keys) and q9 (`corr(v1, id4)`, two integer
/// columns, by 100 string keys), a correlation of a float column, and q10's
/// float sum with one state per row (`per_row_states`).
fn specs() -> Vec<(&'static str, AggSpec)> {
    use AggregateFunction::*;
    use DataType::*;
    let spec = |keys: &[&str], calls| AggSpec {
        keys: keys.iter().map(|k| k.to_string()).collect(),
        calls,
        drop_null_keys: false,
    };
    vec![
        (
            "sum_v1_by_id1",
            spec(&["id1"], vec![call(Sum, "v1", Int64, Int64)]),
        ),
        (
            "sum_mean_by_id3",
            spec(
                &["id3"],
                vec![
                    call(Sum, "v1", Int64, Int64),
                    call(Mean, "v3", Float64, Float64),
                ],
            ),
        ),
        (
            "sum_mean_max_by_id1_id4",
            spec(
                &["id1", "id4"],
                vec![
                    call(Sum, "v1", Int64, Int64),
                    call(Mean, "v3", Float64, Float64),
                    call(Max, "v3", Float64, Float64),
                ],
            ),
        ),
        (
            "std_v3_by_id4",
            spec(
                &["id4"],
                vec![call(Std { ddof: 1 }, "v3", Float64, Float64)],
            ),
        ),
        (
            "corr_v1_id4_by_id1",
            spec(&["id1"], vec![corr("v1", "id4", Int64)]),
        ),
        (
            "corr_v3_v1_by_id1",
            spec(&["id1"], vec![corr("v3", "v1", Float64)]),
        ),
    ]
}

fn aggregation(c: &mut Criterion) {
    let sem = Semantics::spark();
    let df = table(ROWS);
    let parts = partitions(&df);
    for (name, spec) in specs() {
        let mut g = c.benchmark_group(format!("aggregate/{name}"));
        g.throughput(Throughput::Elements(ROWS as u64));
        g.sample_size(10);
        g.bench_function("partial", |b| {
            b.iter(|| partial(&df, &spec, &sem).expect("partial"))
        });
        // The states of 8 partitions, stacked as the merge task receives them.
        let mut states = partial(&parts[0], &spec, &sem).expect("partial");
        for p in &parts[1..] {
            states
                .vstack_mut(&partial(p, &spec, &sem).expect("partial"))
                .expect("same schema");
        }
        g.bench_function("merge_8_partitions", |b| {
            b.iter(|| merge(&states, &spec, &sem).expect("merge"))
        });
        let merged = merge(&states, &spec, &sem).expect("merge");
        g.bench_function("finalize", |b| {
            b.iter(|| finalize(&merged, &spec, &sem).expect("finalize"))
        });
        g.finish();
    }
}

fn key(column: &str, descending: bool) -> SortKey {
    SortKey {
        descending,
        ..SortKey::ascending(column)
    }
}

fn sorting(c: &mut Criterion) {
    let df = table(ROWS);
    let mut g = c.benchmark_group("sort");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(10);
    let two = [key("id4", false), key("v3", true)];
    let strings = [key("id3", false), key("v1", false)];
    g.bench_function("full_by_int_float", |b| {
        b.iter(|| sort(&df, &two, None).expect("sort"))
    });
    g.bench_function("full_by_string_int", |b| {
        b.iter(|| sort(&df, &strings, None).expect("sort"))
    });
    g.bench_function("top_100_by_v3", |b| {
        b.iter(|| sort(&df, &[key("v3", true)], Some(100)).expect("top-k"))
    });
    // Partitions sorted on their own, merged as the final task of a sort does.
    let sorted: Vec<DataFrame> = partitions(&df)
        .iter()
        .map(|p| sort(p, &two, None).expect("sort"))
        .collect();
    g.bench_function("merge_8_sorted_partitions", |b| {
        b.iter_batched(
            || sorted.clone(),
            |parts| merge_sorted(parts, &two, None).expect("merge"),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(kernels, aggregation, per_row_states, sorting);
criterion_main!(kernels);
