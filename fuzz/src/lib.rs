//! What the fuzz targets share: the tables SQL runs over, and the one rule they
//! check: whatever the input, Partita answers or returns an error; it never
//! panics (libFuzzer reports a panic as a crash, even one the scheduler would
//! have turned into an error), and the answer does not depend on partitioning.
//!
//! `make fuzz` runs the targets (`fuzz/fuzz_targets/`); `fuzz/seeds.py` writes
//! their seed corpora and the SQL dictionary.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use partita::prelude::*;
use partita::{ParsedSql, SqlContext, SqlOutput, SqlStatement, TimeUnit, TimeZone};
use partita_cli::demo;
use partita_cli::output::{render, Mode, View};

/// Rows of the small `flights` table the SQL target queries (the shell's has
/// 200,000; a fuzzer wants thousands of queries a second).
const FLIGHT_ROWS: usize = 40;

/// The largest `partitions`, `split_out` or `split_every` a fuzzed `SET` may ask
/// for: more is a user's right, but not a crash to look for.
const MAX_SET_COUNT: usize = 16;

/// A session of two workers whose frames have `partitions` partitions. The pool
/// is made once per process and shared (a pool per input would be most of the
/// time of an input).
fn session(semantics: Semantics, partitions: usize) -> Session {
    static BASE: OnceLock<Session> = OnceLock::new();
    BASE.get_or_init(|| Session::new().with_workers(2))
        .clone()
        .with_partitions(partitions)
        .with_semantics(semantics)
}

fn frame(session: &Session, columns: Vec<Column>) -> Frame {
    session
        .from_columns(columns, 3)
        .expect("the fixture columns are valid")
}

fn typed(name: &str, values: Vec<Option<i64>>, t: DataType) -> Column {
    Column::new(name, values)
        .cast(t)
        .expect("the fixture casts are valid")
}

/// The tables of the SQL target: the shell's demo tables (a small `flights`),
/// and the tables the compatibility cases query (`t`, `u`, `a`, `b`, `s`, with
/// their column names), filled with the values where engines differ: integers at
/// the overflow edges, NaN, -0.0 and infinities, case and Unicode variants of
/// strings, empty strings, numbers as text, dates and times at calendar edges,
/// missing values in every column, duplicate keys; and `e`, an empty table.
fn fixture(semantics: Semantics) -> SqlContext {
    let session = session(semantics, 3);
    let mut ctx = SqlContext::new(session.clone());
    let mut add = |name: &str, columns: Vec<Column>| ctx.register(name, frame(&session, columns));
    add(
        "df",
        demo::df_columns().into_iter().map(Column::from).collect(),
    );
    add(
        "flights",
        demo::flights_columns(FLIGHT_ROWS)
            .into_iter()
            .map(Column::from)
            .collect(),
    );
    add(
        "airlines",
        demo::airlines_columns()
            .into_iter()
            .map(Column::from)
            .collect(),
    );
    add(
        "airports",
        demo::airports_columns()
            .into_iter()
            .map(Column::from)
            .collect(),
    );
    let ts = DataType::Timestamp(TimeUnit::Microsecond, None);
    let tz = DataType::Timestamp(
        TimeUnit::Microsecond,
        Some(TimeZone::new("America/New_York")),
    );
    add(
        "t",
        vec![
            Column::new("id", vec![1i64, 2, 3, 4, 5, 6, 7, 8, 9]),
            Column::new(
                "k",
                vec![
                    Some("a"),
                    Some("a"),
                    Some("A"),
                    None,
                    Some(""),
                    Some("b"),
                    Some("é"),
                    Some("a"),
                    None,
                ],
            ),
            Column::new(
                "s",
                vec![
                    Some("Apple"),
                    Some("straße"),
                    Some("İstanbul"),
                    Some("ǅemal"),
                    Some("ﬁx"),
                    Some("ΣΑΣ"),
                    Some(""),
                    None,
                    Some(" 12 "),
                ],
            ),
            Column::new(
                "ns",
                vec![
                    Some("12"),
                    Some("-7"),
                    Some("9223372036854775807"),
                    Some("1e3"),
                    Some("NaN"),
                    Some(""),
                    None,
                    Some("0.5"),
                    Some("-9223372036854775808"),
                ],
            ),
            Column::new(
                "v",
                vec![
                    Some(i64::MAX),
                    Some(i64::MIN),
                    Some(0),
                    Some(-1),
                    None,
                    Some(1),
                    Some(7),
                    Some(-3),
                    Some(0),
                ],
            ),
            Column::new(
                "w",
                vec![
                    Some(0),
                    Some(-1),
                    Some(2),
                    None,
                    Some(100),
                    Some(0),
                    Some(-7),
                    Some(3),
                    Some(i64::MIN),
                ],
            ),
            Column::new(
                "x",
                vec![
                    Some(f64::NAN),
                    Some(-0.0),
                    Some(f64::INFINITY),
                    Some(f64::NEG_INFINITY),
                    None,
                    Some(1.5),
                    Some(1e308),
                    Some(-2.5),
                    Some(0.0),
                ],
            ),
            Column::new(
                "b",
                vec![
                    Some(true),
                    Some(false),
                    None,
                    Some(true),
                    Some(false),
                    None,
                    Some(true),
                    Some(true),
                    Some(false),
                ],
            ),
            Column::new(
                "a",
                vec![
                    Some(i32::MAX),
                    Some(i32::MIN),
                    Some(0),
                    None,
                    Some(-1),
                    Some(5),
                    Some(5),
                    Some(1),
                    Some(2),
                ],
            ),
            Column::new(
                "h",
                vec![
                    Some(f32::NAN),
                    Some(0.1f32),
                    None,
                    Some(f32::MAX),
                    Some(-0.0),
                    Some(1.0),
                    Some(2.5),
                    Some(-1.0),
                    Some(3.0),
                ],
            ),
            Column::new(
                "u8",
                vec![
                    Some(255u8),
                    Some(0),
                    None,
                    Some(1),
                    Some(128),
                    Some(7),
                    Some(7),
                    Some(2),
                    Some(3),
                ],
            ),
            Column::new(
                "u64",
                vec![
                    Some(u64::MAX),
                    Some(0),
                    Some(1),
                    None,
                    Some(1 << 63),
                    Some(5),
                    Some(6),
                    Some(7),
                    Some(8),
                ],
            ),
            typed(
                "d",
                vec![
                    Some(0),
                    Some(19782),
                    Some(-719162),
                    None,
                    Some(2932896),
                    Some(11016),
                    Some(19782),
                    Some(-1),
                    Some(60),
                ],
                DataType::Date,
            ),
            typed(
                "ts",
                vec![
                    Some(0),
                    Some(1_710_037_800_000_000),
                    Some(-62_135_596_800_000_000),
                    None,
                    Some(253_402_300_799_999_999),
                    Some(951_782_400_000_000),
                    Some(1),
                    Some(-1),
                    Some(1_730_613_600_000_000),
                ],
                ts,
            ),
            typed(
                "tz",
                vec![
                    Some(1_710_054_000_000_000),
                    Some(1_730_613_600_000_000),
                    None,
                    Some(0),
                    Some(-1),
                    Some(1_710_054_000_000_001),
                    Some(951_782_400_000_000),
                    Some(86_400_000_000),
                    Some(1_730_617_200_000_000),
                ],
                tz,
            ),
        ],
    );
    add(
        "u",
        vec![
            Column::new(
                "k",
                vec![Some("a"), Some("A"), None, Some(""), Some("b"), Some("a")],
            ),
            Column::new(
                "uid",
                vec![Some(1i64), Some(2), Some(3), None, Some(i64::MAX), Some(1)],
            ),
            Column::new(
                "n",
                vec![
                    Some(10i64),
                    None,
                    Some(-10),
                    Some(0),
                    Some(i64::MIN),
                    Some(3),
                ],
            ),
            Column::new(
                "y",
                vec![
                    Some(0.5),
                    Some(f64::NAN),
                    None,
                    Some(-0.0),
                    Some(1e-300),
                    Some(2.0),
                ],
            ),
        ],
    );
    for name in ["a", "b"] {
        add(
            name,
            vec![
                Column::new("k", vec![Some("a"), Some("b"), None, Some("a"), Some("")]),
                Column::new("id", vec![Some(1i64), Some(2), Some(3), None, Some(1)]),
                Column::new(
                    "v",
                    vec![Some(5i64), None, Some(-5), Some(i64::MAX), Some(0)],
                ),
                Column::new("w", vec![Some(1i64), Some(2), None, Some(2), Some(0)]),
                Column::new("k1", vec![Some("x"), None, Some("y"), Some("x"), Some("x")]),
                Column::new("k2", vec![Some(1i64), Some(1), None, Some(2), Some(1)]),
            ],
        );
    }
    add(
        "s",
        vec![
            Column::new("k", vec![Some("a"), None, Some("b")]),
            Column::new("v", vec![Some(1i64), Some(2), None]),
        ],
    );
    add(
        "e",
        vec![
            Column::new("id", Vec::<i64>::new()),
            Column::new("k", Vec::<&str>::new()),
            Column::new("x", Vec::<f64>::new()),
        ],
    );
    ctx
}

/// The fixture under each preset, made once per process.
fn fixture_for(pandas: bool) -> SqlContext {
    static PANDAS: OnceLock<SqlContext> = OnceLock::new();
    static SPARK: OnceLock<SqlContext> = OnceLock::new();
    if pandas {
        PANDAS.get_or_init(|| fixture(Semantics::pandas())).clone()
    } else {
        SPARK.get_or_init(|| fixture(Semantics::spark())).clone()
    }
}

/// Whether results show as pandas prints them (what the shell decides the same way).
fn pandas_display(semantics: &Semantics) -> bool {
    semantics.text_format == Semantics::pandas().text_format
}

/// Renders a result in every output mode (display must never fail on a value
/// the engine made).
fn render_all(table: &Table, pandas: bool) {
    let view = View {
        max_rows: 20,
        max_width: 12,
        width: 60,
        pandas,
    };
    for mode in Mode::ALL {
        render(table, mode, &view).expect("rendering a result never fails");
        render(table, mode, &View::default()).expect("rendering a result never fails");
    }
}

/// A `SET` the fuzzer may run: presets, switches and partitioning up to
/// [`MAX_SET_COUNT`]; never `workers` (a thread pool per input).
fn allowed_set(name: &str, value: &str) -> bool {
    match name {
        "workers" => false,
        "partitions" | "split_out" | "split_every" => value
            .trim()
            .parse::<usize>()
            .is_ok_and(|n| n <= MAX_SET_COUNT),
        _ => true,
    }
}

/// What happened to an input, on standard error when `PARTITA_FUZZ_TRACE` is set
/// (to see what a corpus reaches: `PARTITA_FUZZ_TRACE=1 fuzz/target/.../sql DIR
/// -runs=0`).
fn trace(what: std::fmt::Arguments) {
    if std::env::var_os("PARTITA_FUZZ_TRACE").is_some() {
        eprintln!("{what}");
    }
}

/// Runs every statement of `text` over the fixture (the first byte of the input
/// picks the preset), renders each result, and returns. Errors are answers; a
/// panic is the bug. `COPY ... TO` runs its query but writes nothing (the
/// fuzzer must not write files where its inputs say).
pub fn run_sql(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let pandas = first & 1 == 0;
    let mut ctx = fixture_for(pandas);
    let Ok(parsed) = ParsedSql::parse(text) else {
        return;
    };
    for i in 0..parsed.len() {
        let statement = match ctx.plan_statement(&parsed, i) {
            Ok(s) => s,
            Err(e) => return trace(format_args!("not planned: {e}")),
        };
        let statement = match statement {
            SqlStatement::Copy(copy) => SqlStatement::Query(copy.plan),
            SqlStatement::Set { name, value } if !allowed_set(&name, &value) => return,
            other => other,
        };
        let pandas_now = pandas_display(&ctx.session().config().semantics);
        match ctx.run_statement(statement) {
            Ok(SqlOutput::Query(frame)) => match frame.collect() {
                Ok(table) => {
                    trace(format_args!("{} rows", table.height()));
                    render_all(&table, pandas_now)
                }
                Err(e) => return trace(format_args!("failed: {e}")),
            },
            Ok(SqlOutput::Text(t)) => trace(format_args!("{t}")),
            Err(e) => return trace(format_args!("failed: {e}")),
        }
    }
}

/// A CSV file, any bytes: read with default options under both presets, with
/// one and three partitions (byte ranges cut at line ends).
pub fn check_csv(data: &[u8]) {
    with_file("csv", data, |path, session| {
        session.read_csv(path, CsvOptions::default())
    });
}

/// A Parquet file, any bytes: every column decoded under both presets, with
/// one and three partitions (runs of row groups).
pub fn check_parquet(data: &[u8]) {
    let_reader_panics_unwind();
    with_file("parquet", data, |path, session| {
        session.read_parquet(path, ParquetOptions::default())
    });
}

/// The Parquet reader (polars-parquet, polars-io and the polars-arrow code they
/// call) panics on some damaged files where it should fail; Partita calls it
/// inside `catch_library_panic` and returns an error (`partita_core::parquet`).
/// libFuzzer's panic hook aborts on any panic, caught or not: this one lets a
/// panic inside such a call unwind to the catch, and still aborts on every
/// other (a panic of Partita's own, or a reader panic Partita does not catch).
fn let_reader_panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !partita::in_library_call() {
                abort(info);
            }
        }));
    });
}

/// Writes `data` to a file of its own under the system's temporary directory,
/// reads it under both presets with one and with three partitions: under each
/// preset both reads fail, or both give the same table; every table renders in
/// every mode. The file is removed after.
fn with_file(
    extension: &str,
    data: &[u8],
    read: impl Fn(&std::path::Path, &Session) -> partita::Result<Frame>,
) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "partita-fuzz-{}-{}.{extension}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, data).expect("the temporary directory is writable");
    for semantics in [Semantics::pandas(), Semantics::spark()] {
        let outcomes: Vec<Result<String, String>> = [1, 3]
            .into_iter()
            .map(|partitions| {
                let session = session(semantics, partitions);
                let table = read(&path, &session)
                    .and_then(|f| f.collect())
                    .map_err(|e| e.to_string())?;
                render_all(&table, pandas_display(&semantics));
                Ok(render(&table, Mode::Jsonl, &View::default())
                    .expect("rendering a result never fails"))
            })
            .collect();
        match (&outcomes[0], &outcomes[1]) {
            (Ok(one), Ok(three)) => assert!(
                one == three,
                "1 and 3 partitions read different tables:\n{one}\n---\n{three}"
            ),
            (Err(_), Err(_)) => {}
            (one, three) => panic!("1 partition: {one:?}\n3 partitions: {three:?}"),
        }
    }
    let _ = std::fs::remove_file(&path);
}
