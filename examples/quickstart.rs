//! The 30-second tour: one small table, pandas semantics then Spark semantics.
//!
//! Run with `cargo run --release --example quickstart`.

use partita::prelude::*;

fn main() -> Result<()> {
    let session = Session::new().with_workers(2);
    let ddf = session.from_columns(
        vec![
            Column::new(
                "col1",
                [None, None, Some("A"), Some("A"), Some("B"), Some("B")],
            ),
            Column::new("col2", [1i64, 2, 3, 4, 5, 6]),
        ],
        2,
    )?;

    for semantics in [Semantics::pandas(), Semantics::spark()] {
        let ddf = ddf.clone().with_semantics(semantics);
        println!("==== {} semantics ====\n", semantics.name());

        println!("ddf.groupby(\"col1\").mean()");
        let means = ddf.clone().groupby("col1").mean();
        println!("{}\n", means.collect()?);

        println!("ddf.sort_values([\"col1\", \"col2\"])");
        let sorted = ddf
            .clone()
            .sort_values(["col1", "col2"], SortSpec::ascending());
        println!("{}\n", sorted.collect()?);

        println!("task graph of the groupby:");
        println!("{}", means.task_graph()?.display_indent());
    }
    Ok(())
}
