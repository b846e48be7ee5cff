//! The Rust API as Polars and pandas users write it: names are columns where a
//! column is expected, keys can be expressions, `when`/`case` take plain values,
//! results are `Table`s read with typed getters, `map_partitions` works on
//! `Table`s, and errors name the builder step.

use partita::prelude::*;

fn flights() -> Frame {
    Session::new()
        .from_columns(
            [
                Column::new("carrier", ["AA", "UA", "AA", "DL", "UA", "AA"]),
                Column::new(
                    "dep_delay",
                    [Some(5i64), Some(75), None, Some(-3), Some(61), Some(120)],
                ),
                Column::new("distance", [1000i64, 2000, 1500, 500, 2500, 3000]),
            ],
            2,
        )
        .expect("a valid table")
}

#[test]
fn select_takes_names_as_columns() -> Result<()> {
    let out = flights().select(["carrier", "distance"]).collect()?;
    assert_eq!(out.column_names(), ["carrier", "distance"]);
    assert_eq!(
        out.column::<String>("carrier")?,
        ["AA", "UA", "AA", "DL", "UA", "AA"].map(|s| Some(s.to_string()))
    );
    // A literal there is explicit.
    let out = flights()
        .select([col("carrier"), lit("x").alias("tag")])
        .collect()?;
    assert_eq!(out.get::<String>("tag", 5)?.as_deref(), Some("x"));
    Ok(())
}

#[test]
fn groupby_and_sort_take_expressions() -> Result<()> {
    let out = flights()
        .groupby([col("carrier").alias("k")])
        .agg([col("distance").sum().alias("total")])
        .sort_values("k", SortSpec::ascending())
        .collect()?;
    assert_eq!(out.column_names(), ["k", "total"]);
    assert_eq!(
        out.column::<String>("k")?,
        ["AA", "DL", "UA"].map(|s| Some(s.to_string()))
    );
    assert_eq!(
        out.column::<i64>("total")?,
        [Some(5500), Some(500), Some(4500)]
    );

    // A derived key: long (>= 2000) or short flights.
    let out = flights()
        .groupby([col("distance").gt_eq(2000).alias("long")])
        .agg([count_star().alias("n")])
        .sort_values("long", SortSpec::ascending())
        .collect()?;
    assert_eq!(out.column::<bool>("long")?, [Some(false), Some(true)]);
    assert_eq!(out.column::<i64>("n")?, [Some(3), Some(3)]);

    // Sorting by an expression does not keep it.
    let out = flights()
        .sort_values(col("distance") % 1000, SortSpec::ascending())
        .select(["distance"])
        .collect()?;
    assert_eq!(
        out.column::<i64>("distance")?,
        [1000, 2000, 3000, 1500, 500, 2500].map(Some)
    );
    let out = flights()
        .sort_values([col("distance") * -1], SortSpec::ascending())
        .collect()?;
    assert_eq!(out.column_names(), ["carrier", "dep_delay", "distance"]);
    assert_eq!(out.get::<i64>("distance", 0)?, Some(3000));
    Ok(())
}

#[test]
fn when_and_case_take_plain_values() -> Result<()> {
    let out = flights()
        .select([when(col("dep_delay").gt(60))
            .then("late")
            .otherwise("on time")
            .alias("status")])
        .collect()?;
    // A missing delay is not > 60: the otherwise branch, as in SQL and Polars.
    assert_eq!(
        out.column::<String>("status")?,
        ["on time", "late", "on time", "on time", "late", "late"].map(|s| Some(s.to_string()))
    );
    let out = flights()
        .select([case(col("carrier"))
            .when("AA", "American")
            .when("UA", "United")
            .otherwise("other")
            .alias("name")])
        .collect()?;
    assert_eq!(
        out.column::<String>("name")?,
        ["American", "United", "American", "other", "United", "American"]
            .map(|s| Some(s.to_string()))
    );
    // Without otherwise, no match is missing (under pandas an integer column
    // with missing values is float64).
    let out = flights()
        .select([case(col("carrier")).when("DL", 1i64).end().alias("dl")])
        .collect()?;
    assert_eq!(
        out.column::<f64>("dl")?,
        [None, None, None, Some(1.0), None, None]
    );
    Ok(())
}

#[test]
fn tables_read_by_type_and_refuse_the_wrong_one() -> Result<()> {
    let out = flights().collect()?;
    assert_eq!((out.height(), out.width()), (6, 3));
    // pandas: an integer column with a missing value is float64.
    assert_eq!(out.data_type("dep_delay")?, DataType::Float64);
    assert_eq!(out.null_count("dep_delay")?, 1);
    assert_eq!(out.get::<f64>("dep_delay", 2)?, None);
    assert_eq!(out.get::<f64>("dep_delay", 1)?, Some(75.0));
    assert_eq!(
        out.value("carrier", 3)?,
        ScalarValue::Utf8(Some("DL".into()))
    );
    let err = out.get::<i64>("dep_delay", 0).unwrap_err().to_string();
    assert!(
        err.contains("column 'dep_delay'") && err.contains("cannot be read as i64"),
        "{err}"
    );
    let err = out.get::<i64>("dep_dealy", 0).unwrap_err().to_string();
    assert!(err.contains("did you mean 'dep_delay'"), "{err}");
    let err = out.get::<f64>("dep_delay", 6).unwrap_err().to_string();
    assert!(err.contains("row 6 is out of range"), "{err}");
    let rows: Vec<Vec<ScalarValue>> = out.iter_rows().collect::<Result<_>>()?;
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[1][0], ScalarValue::Utf8(Some("UA".into())));
    // Display is the REPL's table.
    let text = out.to_string();
    assert!(
        text.contains("| carrier | dep_delay | distance |"),
        "{text}"
    );
    assert!(text.ends_with("(6 rows)"), "{text}");
    Ok(())
}

#[test]
fn map_partitions_infers_its_columns_and_takes_polars_errors() -> Result<()> {
    let out = flights()
        .map_partitions(|part: Table| {
            let km: Vec<Option<f64>> = part
                .column::<i64>("distance")?
                .into_iter()
                .map(|d| d.map(|d| d as f64 * 1.609))
                .collect();
            Table::new([Column::new("km", km)])
        })
        .agg([col("km").sum().alias("km")])
        .collect()?;
    assert_eq!(out.get::<f64>("km", 0)?, Some(10500.0 * 1.609));

    // `?` on a polars error inside the closure: it becomes Partita's and the
    // failing partition is named.
    let err = flights()
        .map_partitions_with_schema(
            |part: Table| {
                let df = part.into_polars();
                let _missing = df.column("nope")?;
                Table::from_polars(df)
            },
            Schema::new(vec![Field::new("carrier", DataType::Utf8)]),
        )
        .collect()
        .unwrap_err()
        .to_string();
    assert!(err.contains("partition") && err.contains("nope"), "{err}");

    // A closure that cannot run on no rows says to give the schema.
    let err = flights()
        .map_partitions(|part: Table| {
            part.get::<i64>("distance", 0)?;
            Ok(part)
        })
        .collect()
        .unwrap_err()
        .to_string();
    assert!(err.contains("map_partitions_with_schema"), "{err}");
    Ok(())
}

#[test]
fn errors_name_the_step() {
    let err = flights()
        .sort_values(["carrier", "dep_dealy"], SortSpec::ascending())
        .collect()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "sort_values: column 'dep_dealy' not found; did you mean 'dep_delay'?"
    );
    // The cause is still the column error, with its class for each reference.
    assert!(matches!(err.root_cause(), Error::ColumnNotFound { .. }));
    let err = flights()
        .groupby("carier")
        .agg([col("distance").sum()])
        .collect()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("groupby.agg: column 'carier' not found"),
        "{err}"
    );
    let err = flights()
        .join(flights(), JoinSpec::inner().on([col("carrier").alias("c")]))
        .collect()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("join: plan error: join takes columns"),
        "{err}"
    );
}

#[test]
fn partitions_are_visible_and_repartition_applies_after_any_source() -> Result<()> {
    let f = flights();
    assert_eq!(f.partitions()?, 2);
    let f = f.repartition(3);
    assert_eq!(f.partitions()?, 3);
    assert_eq!(f.collect()?.height(), 6);
    Ok(())
}

#[test]
fn the_first_row_of_each_group_by_row_number_without_an_order() -> Result<()> {
    // pandas: df[df.groupby("carrier").cumcount() == 0], the first row of each
    // carrier in row order.
    let out = flights()
        .with_windows([row_number()
            .over(Window::partition_by("carrier"))
            .alias("rn")])
        .filter(col("rn").eq(1))
        .sort_values("carrier", SortSpec::ascending())
        .select(["carrier", "distance"])
        .collect()?;
    assert_eq!(
        out.column::<String>("carrier")?,
        ["AA", "DL", "UA"].map(|s| Some(s.to_string()))
    );
    assert_eq!(out.column::<i64>("distance")?, [1000, 500, 2000].map(Some));
    Ok(())
}

#[test]
fn cumcount_is_int64_where_no_key_is_missing() -> Result<()> {
    // pandas: groupby(k).cumcount() is int64 unless a key is missing.
    let out = flights().groupby("carrier").cumcount("i").collect()?;
    assert_eq!(out.data_type("i")?, DataType::Int64);
    assert_eq!(out.column::<i64>("i")?, [0, 0, 1, 0, 1, 2].map(Some));
    Ok(())
}
