//! Categorical columns: text restricted to a list of categories, held as its
//! strings; these kernels give each value its position in the categories' order.

use partita_common::{Categories, Error, Result};
use polars_core::prelude::{Int64Chunked, IntoSeries, NewChunkedArray, Series};

use crate::frame::pl_err;

/// The position of each value of the text column `s` among `categories` (missing
/// stays missing), named as `s`: what the column sorts, groups and compares by in
/// the categories' order. A value that is not a category is an error naming it.
pub fn category_positions(s: &Series, categories: Categories) -> Result<Series> {
    let ca = s.str().map_err(pl_err)?;
    let index: polars_core::prelude::PlHashMap<&str, i64> = categories
        .values()
        .iter()
        .enumerate()
        .map(|(i, v)| (v.as_str(), i as i64))
        .collect();
    let mut out = Vec::with_capacity(ca.len());
    for v in ca.iter() {
        out.push(match v {
            None => None,
            Some(v) => Some(*index.get(v).ok_or_else(|| {
                Error::User(format!(
                    "column '{}' holds '{v}', which is not one of its categories {categories:?}",
                    s.name()
                ))
            })?),
        });
    }
    Ok(Int64Chunked::from_iter_options(s.name().clone(), out.into_iter()).into_series())
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars_core::prelude::NamedFrom;

    #[test]
    fn positions_follow_the_categories_and_refuse_strangers() {
        let cats = Categories::new(vec!["lo".into(), "mid".into(), "hi".into()], false).unwrap();
        let s = Series::new("k".into(), [Some("hi"), None, Some("lo")]);
        let p = category_positions(&s, cats).unwrap();
        let got: Vec<Option<i64>> = p.i64().unwrap().iter().collect();
        assert_eq!(got, [Some(2), None, Some(0)]);
        let bad = Series::new("k".into(), [Some("zz")]);
        let err = category_positions(&bad, cats).unwrap_err().to_string();
        assert!(
            err.contains("'zz'") && err.contains("[lo, mid, hi]"),
            "{err}"
        );
    }
}
