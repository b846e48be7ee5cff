//! Text rendering of a partition as an aligned table.

use polars_core::prelude::DataFrame;

use crate::frame::scalar_at;
use partita_common::ScalarValue;

/// One value as text: null as `null`, floats in shortest round-trip form, dates and
/// time stamps as pandas prints them (`2024-01-31`, `2024-01-31 05:00:00+00:00`).
pub fn format_value(v: &ScalarValue) -> String {
    use partita_common::temporal;
    match v {
        v if v.is_null() => "null".to_string(),
        ScalarValue::Utf8(Some(s)) => s.clone(),
        ScalarValue::Date(Some(d)) => temporal::format_date(*d),
        ScalarValue::Timestamp(Some(t), unit, zone) => temporal::format_timestamp(*t, *unit, *zone),
        ScalarValue::Duration(Some(d), unit) => temporal::format_duration(*d, *unit),
        ScalarValue::Decimal(Some(v), _, scale) => partita_common::decimal_text(*v, *scale),
        ScalarValue::Float64(Some(x)) if x.is_nan() => "NaN".to_string(),
        ScalarValue::Float64(Some(x)) if x.is_infinite() => {
            if *x > 0.0 {
                "inf".into()
            } else {
                "-inf".into()
            }
        }
        other => other.to_string(),
    }
}

/// An aligned table with a header, a type row and `max_rows` rows at most (the
/// middle is elided), ending with the row count.
pub fn format_table(df: &DataFrame, max_rows: usize) -> String {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| partita_common::shown_name(n).to_string())
        .collect();
    let types: Vec<String> = df
        .columns()
        .iter()
        .map(|c| match crate::frame::from_polars_type(c.dtype()) {
            Ok(t) => t.to_string(),
            Err(_) => c.dtype().to_string(),
        })
        .collect();
    let h = df.height();
    let rows_idx: Vec<Option<usize>> = if h <= max_rows {
        (0..h).map(Some).collect()
    } else {
        let half = max_rows / 2;
        (0..half)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((h - half..h).map(Some))
            .collect()
    };
    let rows: Vec<Vec<String>> = rows_idx
        .iter()
        .map(|r| match r {
            Some(i) => df
                .columns()
                .iter()
                .map(|c| {
                    scalar_at(c.as_materialized_series(), *i)
                        .map(|v| format_value(&v))
                        .unwrap_or_else(|e| e.to_string())
                })
                .collect(),
            None => vec!["…".to_string(); names.len()],
        })
        .collect();
    let mut widths: Vec<usize> = names
        .iter()
        .zip(&types)
        .map(|(n, t)| n.chars().count().max(t.len()))
        .collect();
    for r in &rows {
        for (w, v) in widths.iter_mut().zip(r) {
            *w = (*w).max(v.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            // Padded by hand: a `{:<w$}` width above u16::MAX panics.
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.chars().count()))))
            .collect();
        format!("| {} |", parts.join(" | "))
    };
    let sep = format!(
        "+{}+",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("+")
    );
    let mut out = vec![sep.clone(), line(&names), line(&types), sep.clone()];
    out.extend(rows.iter().map(|r| line(r)));
    out.push(sep);
    out.push(format!("({h} row{})", if h == 1 { "" } else { "s" }));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_core::prelude::{IntoColumn, NamedFrom, Series};

    #[test]
    fn a_value_wider_than_any_format_width_prints() {
        // 70,000 characters: wider than the u16 a `{:<w$}` width may hold.
        let long = "é".repeat(70_000);
        let df = DataFrame::new(
            2,
            vec![
                Series::new("s".into(), [long.as_str(), ""]).into_column(),
                Series::new("n".into(), [i64::MIN, i64::MAX]).into_column(),
            ],
        )
        .unwrap();
        let text = format_table(&df, 10);
        assert!(text.contains(&long));
        let lines: Vec<&str> = text.lines().collect();
        // Every line of the table is as wide as the separator.
        let width = lines[0].chars().count();
        assert!(lines[..lines.len() - 1]
            .iter()
            .all(|l| l.chars().count() == width));
    }
}
