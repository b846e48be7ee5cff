//! Number literals keep their exact value and type.

use std::sync::Arc;

use partita_common::{DataType, Error, Field, Result, Schema, Semantics};
use partita_plan::{LogicalPlan, Scan};
use partita_sql::{plan_sql, Catalog, SqlStatement};

mod common;
use common::Table;

struct Tables;

impl Catalog for Tables {
    fn table(&self, name: &str, semantics: &Semantics) -> Option<LogicalPlan> {
        (name == "t").then(|| {
            let schema = Schema::new(vec![Field::new("w", DataType::Int64)]);
            LogicalPlan::Scan(Scan::try_new(Arc::new(Table(Arc::new(schema))), semantics).unwrap())
        })
    }
    fn table_names(&self) -> Vec<String> {
        vec!["t".into()]
    }
    fn file(&self, path: &str, _: &Semantics) -> Result<LogicalPlan> {
        Err(Error::Io(format!("{path}: no such file")))
    }
}

fn plan(sql: &str, semantics: &Semantics) -> LogicalPlan {
    match plan_sql(sql, &Tables, semantics).unwrap().remove(0) {
        SqlStatement::Query(p) => p,
        _ => panic!("expected a query"),
    }
}

#[test]
fn the_smallest_bigint_is_an_integer_literal() {
    for sem in [Semantics::pandas(), Semantics::spark()] {
        let p = plan(
            "SELECT -9223372036854775808 AS c, -9223372036854775807 AS d, -1e3 AS e FROM t WHERE w <= -9223372036854775808",
            &sem,
        );
        let types: Vec<DataType> = p.schema().fields().iter().map(|f| f.data_type).collect();
        assert_eq!(
            types,
            [DataType::Int64, DataType::Int64, DataType::Float64],
            "{}",
            sem.name()
        );
        let text = p.display_indent();
        assert!(text.contains("-9223372036854775808 AS c"), "{text}");
        assert!(text.contains("w <= -9223372036854775808"), "{text}");
        // Negating it again is the overflowing negation, not a literal.
        let p = plan("SELECT -(-9223372036854775808) AS c FROM t", &sem);
        assert_eq!(p.schema().fields()[0].data_type, DataType::Int64);
    }
}
