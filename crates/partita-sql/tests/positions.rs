//! Every SQL error names the problem and its line and column.

use std::sync::Arc;

use partita_common::{DataType, Error, Field, Result, Schema, Semantics, Span};
use partita_plan::{LogicalPlan, Scan};
use partita_sql::{plan_sql, Catalog, SqlStatement};

mod common;
use common::Table;

struct Flights;

impl Catalog for Flights {
    fn table(&self, name: &str, semantics: &Semantics) -> Option<LogicalPlan> {
        (name == "flights").then(|| {
            let schema = Schema::new(vec![
                Field::new("origin", DataType::Utf8),
                Field::new("dep_delay", DataType::Float64),
                Field::new("distance", DataType::Int64),
            ]);
            LogicalPlan::Scan(Scan::try_new(Arc::new(Table(Arc::new(schema))), semantics).unwrap())
        })
    }
    fn table_names(&self) -> Vec<String> {
        vec!["flights".into()]
    }
    fn file(&self, path: &str, _: &Semantics) -> Result<LogicalPlan> {
        Err(Error::Io(format!("{path}: no such file")))
    }
}

fn err(sql: &str, semantics: Semantics) -> (String, Option<Span>) {
    match plan_sql(sql, &Flights, &semantics).unwrap_err() {
        Error::Sql { message, span } => (message, span),
        e @ Error::At { .. } => {
            let text = e.to_string();
            let message = text
                .split_once(": ")
                .map(|(_, m)| m.to_string())
                .unwrap_or(text);
            (message, e.span())
        }
        other => panic!("expected an SQL error for {sql:?}, got {other}"),
    }
}

fn at(line: u64, column: u64) -> Option<Span> {
    Some(Span { line, column })
}

#[test]
fn syntax_errors_have_positions() {
    let p = Semantics::pandas();
    assert_eq!(err("SELECT FROM", p).1, at(1, 8));
    assert_eq!(err("SELECT a FROM t WHERE", p).1, at(1, 22));
    assert_eq!(err("SELECT a,, b FROM t", p).1, at(1, 10));
    assert_eq!(err("SELECT a FROM t\nWHERE x >", p).1, at(2, 10));
    assert_eq!(err("SELEC a", p).1, at(1, 1));
    assert_eq!(err("SELECT 'abc FROM t", p).1, at(1, 8));
    assert!(err("SELECT 'abc FROM t", p)
        .0
        .contains("Unterminated string literal"));
}

#[test]
fn name_errors_suggest_and_point() {
    let p = Semantics::pandas();
    let (m, s) = err("SELECT origin FROM flight", p);
    assert_eq!(m, "table 'flight' not found; did you mean 'flights'?");
    assert_eq!(s, at(1, 20));
    let (m, s) = err("SELECT origin, dep_dely FROM flights", p);
    assert!(
        m.contains("column 'dep_dely' not found; did you mean 'dep_delay'?"),
        "{m}"
    );
    assert!(s.is_some());
    let (m, s) = err("SELECT origin FROM flights\nWHERE distanse > 10", p);
    assert!(m.contains("did you mean 'distance'"), "{m}");
    assert_eq!(s, at(2, 7));
}

#[test]
fn grouping_and_type_errors() {
    let (m, s) = err(
        "SELECT origin, distance, AVG(dep_delay) FROM flights GROUP BY origin",
        Semantics::pandas(),
    );
    assert_eq!(
        m,
        "column 'distance' must appear in GROUP BY or be used in an aggregate function"
    );
    assert_eq!(s, at(1, 16));
    // Spark sums strings as doubles (an implicit cast) but rejects booleans.
    let (m, _) = err("SELECT SUM(dep_delay > 0) FROM flights", Semantics::spark());
    assert!(m.contains("sum expects a number"), "{m}");
    // pandas concatenates strings, so the same query plans there.
    assert!(plan_sql(
        "SELECT SUM(origin) FROM flights",
        &Flights,
        &Semantics::pandas()
    )
    .is_ok());
    let (m, _) = err(
        "SELECT origin FROM flights WHERE AVG(dep_delay) > 1",
        Semantics::pandas(),
    );
    assert!(m.contains("not allowed in WHERE"), "{m}");
}

#[test]
fn unsupported_constructs_are_named() {
    let p = Semantics::pandas();
    assert!(err(
        "SELECT origin FROM flights a JOIN flights b ON a.origin = b.origin",
        p
    )
    .0
    .contains("AMBIGUOUS_REFERENCE"));
    assert!(err("WITH RECURSIVE x AS (SELECT 1) SELECT * FROM x", p)
        .0
        .contains("WITH RECURSIVE is not supported"));
    assert!(err(
        "SELECT SUM(distance) OVER (ORDER BY origin GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM flights",
        p
    )
    .0
    .contains("GROUPS frames are not supported"));
    assert!(err("SELECT frobnicate(origin) FROM flights", p)
        .0
        .contains("unknown function 'frobnicate'"));
    assert!(err("DROP TABLE flights", p)
        .0
        .contains("unsupported statement"));
}

#[test]
fn statements_plan() {
    let p = Semantics::pandas();
    let stmts = plan_sql("SET semantics = 'spark'; SHOW TABLES; DESCRIBE flights; EXPLAIN SELECT origin FROM flights", &Flights, &p).unwrap();
    assert!(
        matches!(&stmts[0], SqlStatement::Set { name, value } if name == "semantics" && value == "spark")
    );
    assert!(matches!(&stmts[1], SqlStatement::ShowTables));
    assert!(matches!(&stmts[2], SqlStatement::Describe(t) if t == "flights"));
    assert!(matches!(&stmts[3], SqlStatement::Explain(_)));
    let stmts = plan_sql(
        "CREATE TABLE jfk AS SELECT * FROM flights WHERE origin = 'JFK'",
        &Flights,
        &p,
    )
    .unwrap();
    assert!(matches!(&stmts[0], SqlStatement::CreateTableAs { name, .. } if name == "jfk"));
}

#[test]
fn plans_read_like_the_query() {
    let p = Semantics::pandas();
    let sql = "SELECT origin, AVG(dep_delay) AS m FROM flights WHERE distance > 100 GROUP BY origin HAVING COUNT(*) > 1 ORDER BY m DESC LIMIT 3";
    let SqlStatement::Query(plan) = plan_sql(sql, &Flights, &p).unwrap().remove(0) else {
        panic!()
    };
    assert_eq!(
        plan.display_indent(),
        "Limit: skip=0, fetch=3\n  Sort: m DESC NULLS LAST\n    Projection: origin, m\n      Filter: __agg1 > 1\n        Aggregate: groupBy=[origin], aggr=[mean(dep_delay) AS m, count(*) AS __agg1]\n          Filter: distance > 100\n            Scan: test\n"
    );
}

#[test]
fn aggregate_type_errors_point_at_the_item_and_set_operations_are_named() {
    let (m, s) = err(
        "SELECT origin, SUM(dep_delay > 0) FROM flights GROUP BY origin",
        Semantics::spark(),
    );
    assert!(m.contains("sum expects a number"), "{m}");
    assert_eq!(s, at(1, 16));
    assert!(plan_sql(
        "SELECT origin FROM flights INTERSECT ALL SELECT origin FROM flights",
        &Flights,
        &Semantics::pandas()
    )
    .is_ok());
    let (m, _) = err(
        "SELECT origin, distance FROM flights UNION SELECT origin FROM flights",
        Semantics::pandas(),
    );
    assert!(
        m.contains("the sides of a set operation have 2 and 1 columns"),
        "{m}"
    );
}
