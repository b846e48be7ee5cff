//! Parquet files read lazily: one partition per run of row groups, each read by its
//! own task; only the projected columns are decoded, and row groups whose
//! statistics show they cannot match the scan's predicates are not read at all.

use std::any::Any;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::Arc;

use partita_common::{
    BinaryOperator, DataType, Error, NanSemantics, Result, ScalarValue, Schema, SchemaRef,
    Semantics,
};
use partita_core::frame::{concat, empty_frame, frame_with_height, scalar_series};
use partita_core::parquet::{ColumnStats, ParquetFile};
use partita_core::Partition;
use partita_plan::{Expr, TableSource};

/// How to cut Parquet files into partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "ParquetOptions do nothing until read_parquet takes them"]
pub struct ParquetOptions {
    /// Row groups per partition (a partition never spans two files).
    pub row_groups_per_partition: usize,
    /// A row group larger than this many rows is cut into row ranges of about this
    /// size, one partition each, so that a file written as one large row group still
    /// gives every worker work.
    pub max_rows_per_partition: usize,
    /// A partition count to cut the rows into instead (near-equal row ranges, row
    /// groups split or merged; at least one partition per file, as a partition
    /// never spans two files). `None`: by row groups, as above.
    pub partitions: Option<usize>,
}

impl Default for ParquetOptions {
    fn default() -> Self {
        ParquetOptions {
            row_groups_per_partition: 1,
            max_rows_per_partition: 1 << 20,
            partitions: None,
        }
    }
}

impl ParquetOptions {
    /// Puts `n` row groups (at least 1) in each partition.
    pub fn with_row_groups_per_partition(mut self, n: usize) -> Self {
        self.row_groups_per_partition = n.max(1);
        self
    }

    /// Cuts row groups above `n` rows (at least 1) into ranges of about `n` rows.
    pub fn with_max_rows_per_partition(mut self, n: usize) -> Self {
        self.max_rows_per_partition = n.max(1);
        self
    }
    /// Cuts the rows into `n` partitions (at least 1) of near-equal row counts,
    /// splitting or merging row groups, one or more per file: what
    /// `Session::with_partitions` asks of every reader.
    pub fn with_partitions(mut self, n: usize) -> Self {
        self.partitions = Some(n.max(1));
        self
    }
}

/// One partition: a run of row groups of one file, or a range of rows within
/// them.
#[derive(Debug, Clone)]
struct Part {
    file: usize,
    /// Row groups `[start, end)`.
    row_groups: (usize, usize),
    /// Only the rows `[from, to)` of the file (within those row groups).
    rows: Option<(usize, usize)>,
}

/// `n` partitions over files of `rows` rows each, shared in proportion to the
/// rows (largest remainders first), at least one per file.
fn partitions_per_file(rows: &[usize], n: usize) -> Vec<usize> {
    let total: usize = rows.iter().sum();
    if total == 0 || n <= rows.len() {
        return vec![1; rows.len()];
    }
    let exact: Vec<f64> = rows
        .iter()
        .map(|&r| r as f64 * n as f64 / total as f64)
        .collect();
    let mut share: Vec<usize> = exact.iter().map(|x| (x.floor() as usize).max(1)).collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra)
    });
    let mut given: usize = share.iter().sum();
    for &i in order.iter().cycle().take(rows.len() * 2) {
        if given >= n {
            break;
        }
        if rows[i] > share[i] {
            share[i] += 1;
            given += 1;
        }
    }
    share
}

/// The parts of file `file` (row groups of `rows` rows starting at `offsets`)
/// cut into `n` near-equal row ranges.
fn row_range_parts(file: usize, rows: &[usize], offsets: &[usize], n: usize) -> Vec<Part> {
    let total: usize = rows.iter().sum();
    let n = n.clamp(1, total.max(1));
    let group_of = |row: usize| offsets.partition_point(|&o| o <= row).saturating_sub(1);
    (0..n)
        .filter_map(|k| {
            let (from, to) = (total * k / n, total * (k + 1) / n);
            if from == to {
                return (total == 0).then_some(Part {
                    file,
                    row_groups: (0, rows.len()),
                    rows: None,
                });
            }
            Some(Part {
                file,
                row_groups: (group_of(from), group_of(to - 1) + 1),
                rows: Some((from, to)),
            })
        })
        .collect()
}

/// One or more Parquet files of one schema, read lazily.
#[derive(Debug)]
pub struct ParquetSource {
    label: String,
    files: Vec<ParquetFile>,
    /// Row offset of each row group, per file.
    offsets: Vec<Vec<usize>>,
    schema: SchemaRef,
    nulls: Vec<bool>,
    parts: Vec<Part>,
    /// Row groups decoded so far, over every read (statistics skip the others).
    row_groups_read: AtomicUsize,
    /// The columns of the files (the schema's first columns); Hive partition
    /// columns follow them.
    file_columns: usize,
    /// Each file's values of the Hive partition columns (`year=2013/` directories).
    partition_values: Vec<Vec<ScalarValue>>,
}

/// Every `*.parquet` file under `dir`, through subdirectories (Hive's `key=value/`
/// layout); names starting with `.` or `_` (`_SUCCESS`, `_delta_log`) are skipped.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?;
    for e in entries {
        let f = e
            .map_err(|e| Error::Io(format!("{}: {e}", dir.display())))?
            .path();
        let hidden = f
            .file_name()
            .map(|n| n.to_string_lossy().starts_with(['.', '_']))
            .unwrap_or(true);
        if hidden {
            continue;
        }
        if f.is_dir() {
            walk(&f, out)?;
        } else if f.extension().is_some_and(|x| x == "parquet") {
            out.push(f);
        }
    }
    Ok(())
}

/// The Hive partition keys and values of `file` below `root`: the `key=value`
/// directories on its path, values %-decoded.
fn hive_pairs(root: &Path, file: &Path) -> Vec<(String, String)> {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let Some(parent) = rel.parent() else {
        return vec![];
    };
    parent
        .components()
        .filter_map(|c| {
            let text = c.as_os_str().to_string_lossy();
            let (k, v) = text.split_once('=')?;
            Some((k.to_string(), percent_decode(v)))
        })
        .collect()
}

fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

/// The files a path names: the file itself, every `*.parquet` file under a
/// directory (through Hive's `key=value/` subdirectories; sorted by path), or every
/// file a glob pattern matches (sorted).
fn expand(path: &str) -> Result<Vec<PathBuf>> {
    let p = Path::new(path);
    let mut files = if p.is_dir() {
        let mut files = vec![];
        walk(p, &mut files)?;
        files
    } else if path.contains(['*', '?', '[']) {
        let paths =
            glob::glob(path).map_err(|e| Error::User(format!("bad file pattern '{path}': {e}")))?;
        paths
            .map(|p| p.map_err(|e| Error::Io(e.to_string())))
            .collect::<Result<Vec<_>>>()?
    } else if p.exists() {
        vec![p.to_path_buf()]
    } else {
        return Err(Error::Io(format!("{path}: no such file")));
    };
    files.sort();
    if files.is_empty() {
        return Err(Error::Io(format!("{path}: no Parquet file matches")));
    }
    Ok(files)
}

impl ParquetSource {
    /// The files the source reads, in order.
    pub fn file_paths(&self) -> Vec<&std::path::Path> {
        self.files.iter().map(|f| f.path()).collect()
    }

    /// True when some columns come from `key=value/` directory names rather than
    /// from the files.
    pub fn has_directory_columns(&self) -> bool {
        self.partition_values.iter().any(|v| !v.is_empty())
    }

    /// Opens the files `path` names (a file, a directory of `*.parquet` files, or a
    /// glob pattern such as `data/part-*.parquet`): reads their footers and checks
    /// that they share one schema.
    pub fn try_new(path: &str, options: ParquetOptions) -> Result<Self> {
        let paths = expand(path)?;
        let files = paths
            .iter()
            .map(ParquetFile::open)
            .collect::<Result<Vec<_>>>()?;
        let file_schema = files[0].schema().clone();
        let root = Path::new(path);
        let pairs: Vec<Vec<(String, String)>> = if root.is_dir() {
            paths.iter().map(|f| hive_pairs(root, f)).collect()
        } else {
            vec![vec![]; paths.len()]
        };
        let keys: Vec<String> = pairs[0].iter().map(|(k, _)| k.clone()).collect();
        for (f, p) in paths.iter().zip(&pairs) {
            if p.iter().map(|(k, _)| k).ne(keys.iter()) {
                return Err(Error::User(format!(
                    "{} is under the partition directories {:?} where {} is under {keys:?}: a Hive-partitioned directory needs the same keys everywhere",
                    f.display(),
                    p.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
                    paths[0].display()
                )));
            }
        }
        // A key column is an integer when every value is one, else text; Hive's
        // default partition is a missing value.
        let missing = |v: &str| v == "__HIVE_DEFAULT_PARTITION__";
        let mut fields = file_schema.fields().to_vec();
        let mut partition_values = vec![vec![]; paths.len()];
        for (j, key) in keys.iter().enumerate() {
            if file_schema.index_of_exact(key).is_some() {
                return Err(Error::User(format!(
                    "the partition directory key '{key}' is also a column of the files"
                )));
            }
            let ints = pairs
                .iter()
                .all(|p| missing(&p[j].1) || p[j].1.parse::<i64>().is_ok());
            for (fi, p) in pairs.iter().enumerate() {
                let v = &p[j].1;
                partition_values[fi].push(match (missing(v), ints) {
                    (true, true) => ScalarValue::Int64(None),
                    (true, false) => ScalarValue::Utf8(None),
                    (false, true) => ScalarValue::Int64(v.parse().ok()),
                    (false, false) => ScalarValue::Utf8(Some(v.clone())),
                });
            }
            let t = if ints {
                DataType::Int64
            } else {
                DataType::Utf8
            };
            fields.push(partita_common::Field::new(key.clone(), t));
        }
        let file_columns = file_schema.len();
        let schema = Schema::new(fields);
        let file_schema_ref = &file_schema;
        for f in &files[1..] {
            if f.schema() != file_schema_ref {
                return Err(Error::User(format!(
                    "{} has the columns {} where {} has {file_schema_ref}",
                    f.path().display(),
                    f.schema(),
                    files[0].path().display()
                )));
            }
        }
        let per = options.row_groups_per_partition.max(1);
        let mut parts = vec![];
        let mut offsets: Vec<Vec<usize>> = vec![];
        let shares = options.partitions.map(|n| {
            let rows: Vec<usize> = files
                .iter()
                .map(|f| f.row_group_rows().iter().sum())
                .collect();
            partitions_per_file(&rows, n)
        });
        for (fi, f) in files.iter().enumerate() {
            let rows = f.row_group_rows();
            let mut at = 0;
            offsets.push(
                rows.iter()
                    .map(|r| {
                        at += r;
                        at - r
                    })
                    .collect(),
            );
            if let Some(shares) = &shares {
                parts.extend(row_range_parts(fi, &rows, &offsets[fi], shares[fi]));
                continue;
            }
            let max_rows = options.max_rows_per_partition.max(1);
            let mut start = 0;
            while start < rows.len() {
                if rows[start] > max_rows {
                    // One large row group: ranges of near-equal size.
                    let n = rows[start].div_ceil(max_rows);
                    for k in 0..n {
                        let (from, to) = (rows[start] * k / n, rows[start] * (k + 1) / n);
                        let base = offsets[fi][start];
                        parts.push(Part {
                            file: fi,
                            row_groups: (start, start + 1),
                            rows: Some((base + from, base + to)),
                        });
                    }
                    start += 1;
                    continue;
                }
                let mut end = start + 1;
                while end < rows.len() && end - start < per && rows[end] <= max_rows {
                    end += 1;
                }
                parts.push(Part {
                    file: fi,
                    row_groups: (start, end),
                    rows: None,
                });
                start = end;
            }
        }
        let nulls = (0..schema.len())
            .map(|c| {
                if c >= file_columns {
                    partition_values
                        .iter()
                        .any(|v| v[c - file_columns].is_null())
                } else {
                    files
                        .iter()
                        .any(|f| f.columns_with_nulls().get(c).copied().unwrap_or(true))
                }
            })
            .collect();
        let label = if files.len() == 1 {
            files[0]
                .path()
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        } else {
            format!("{path} ({} files)", files.len())
        };
        Ok(ParquetSource {
            label,
            files,
            offsets,
            schema: Arc::new(schema),
            nulls,
            parts,
            row_groups_read: AtomicUsize::new(0),
            file_columns,
            partition_values,
        })
    }

    /// The number of row groups decoded so far by all reads of this source; row
    /// groups skipped by their statistics are not counted.
    pub fn row_groups_read(&self) -> usize {
        self.row_groups_read.load(AtomicOrdering::Relaxed)
    }

    /// The total number of row groups of the files.
    pub fn row_group_count(&self) -> usize {
        self.files.iter().map(|f| f.row_group_rows().len()).sum()
    }

    /// Reads partition `i`: its row groups that may match `filters`, only the
    /// `projection` columns.
    pub fn read(
        &self,
        i: usize,
        projection: Option<&[usize]>,
        filters: &[Expr],
        limit: Option<usize>,
        semantics: &Semantics,
    ) -> Result<Partition> {
        let projected = || match projection {
            Some(p) => Schema::new(p.iter().map(|&j| self.schema.field(j).clone()).collect()),
            None => (*self.schema).clone(),
        };
        let Some(part) = self.parts.get(i) else {
            return Ok(empty_frame(&projected()));
        };
        let file = &self.files[part.file];
        let rows = file.row_group_rows();
        // Runs of consecutive row groups that may match, as (first row, row count).
        let mut runs: Vec<(usize, usize)> = vec![];
        let (first, end) = part.row_groups;
        let groups = self.offsets[part.file][first..end]
            .iter()
            .zip(&rows[first..end])
            .enumerate();
        for (i, (&offset, &n)) in groups {
            if !self.may_match(part.file, first + i, filters, semantics) {
                continue;
            }
            if let Some((from, to)) = part.rows {
                // The part's rows of this row group; a row group is counted once,
                // by the part that holds its first row.
                let (lo, hi) = (from.max(offset), to.min(offset + n));
                if from <= offset {
                    self.row_groups_read.fetch_add(1, AtomicOrdering::Relaxed);
                }
                match runs.last_mut() {
                    Some((o, len)) if *o + *len == lo => *len += hi - lo,
                    _ => runs.push((lo, hi - lo)),
                }
                continue;
            }
            self.row_groups_read.fetch_add(1, AtomicOrdering::Relaxed);
            match runs.last_mut() {
                Some((o, len)) if *o + *len == offset => *len += n,
                _ => runs.push((offset, n)),
            }
        }
        if let Some(mut left) = limit {
            // The first `limit` rows: later runs dropped, the last one cut.
            runs.retain_mut(|(_, len)| {
                let keep = left > 0;
                *len = (*len).min(left);
                left -= *len;
                keep
            });
        }
        self.read_runs(part, &runs, projection)
    }

    /// Rows `rows` (ascending positions within partition `i`, as a read of it
    /// without filters returns them) with the columns of `projection`: the late
    /// reads of a top-k, which decoded only its sort keys for every row.
    pub fn read_rows(
        &self,
        i: usize,
        projection: Option<&[usize]>,
        rows: &[usize],
    ) -> Result<Partition> {
        let part = self
            .parts
            .get(i)
            .ok_or_else(|| Error::internal(format!("{}: no partition {i}", self.label)))?;
        let first = match part.rows {
            Some((from, _)) => from,
            None => self.offsets[part.file][part.row_groups.0],
        };
        // Consecutive positions are read as one run.
        let mut runs: Vec<(usize, usize)> = vec![];
        for &r in rows {
            match runs.last_mut() {
                Some((o, len)) if *o + *len == first + r => *len += 1,
                _ => runs.push((first + r, 1)),
            }
        }
        self.read_runs(part, &runs, projection)
    }

    /// The rows of `runs` (first row in the file, row count) of `part`'s file,
    /// with the columns of `projection` (Hive partition columns included).
    fn read_runs(
        &self,
        part: &Part,
        runs: &[(usize, usize)],
        projection: Option<&[usize]>,
    ) -> Result<Partition> {
        let projected = || match projection {
            Some(p) => Schema::new(p.iter().map(|&j| self.schema.field(j).clone()).collect()),
            None => (*self.schema).clone(),
        };
        let file = &self.files[part.file];
        let wanted: Vec<usize> = match projection {
            Some(p) => p.to_vec(),
            None => (0..self.schema.len()).collect(),
        };
        let from_file: Vec<usize> = wanted
            .iter()
            .copied()
            .filter(|&c| c < self.file_columns)
            .collect();
        let frames = runs
            .iter()
            .map(|&(offset, n)| {
                let df = file.read(offset, n, Some(&from_file))?;
                if from_file.len() == wanted.len() {
                    return Ok(df);
                }
                // Hive partition columns: the file's values, in the projection's order.
                let height = df.height();
                let mut read = df.columns().iter();
                let cols = wanted
                    .iter()
                    .map(|&c| match c.checked_sub(self.file_columns) {
                        Some(k) => Ok(scalar_series(
                            &self.schema.field(c).name,
                            &self.partition_values[part.file][k],
                            height,
                        )),
                        None => Ok(read
                            .next()
                            .expect("a column per file projection")
                            .as_materialized_series()
                            .clone()),
                    })
                    .collect::<Result<Vec<_>>>()?;
                frame_with_height(height, cols)
            })
            .collect::<Result<Vec<_>>>()?;
        match frames.len() {
            0 => Ok(empty_frame(&projected())),
            1 => Ok(frames.into_iter().next().expect("one frame")),
            _ => concat(frames, &projected()),
        }
    }

    /// False when row group `rg` of file `file` holds no row that satisfies every
    /// filter, as its statistics prove; true when unsure.
    fn may_match(&self, file: usize, rg: usize, filters: &[Expr], sem: &Semantics) -> bool {
        let mut conjuncts = vec![];
        for f in filters {
            split_and(f, &mut conjuncts);
        }
        conjuncts
            .into_iter()
            .all(|c| self.conjunct_may_match(file, rg, c, sem))
    }

    /// The partitions a top-k by `column` needs, by the row groups' statistics:
    /// once the partitions with the best bounds hold `k` values for sure, a
    /// partition whose every value is worse than the worst of their bounds
    /// cannot enter the top k (a file sorted or clustered by the column keeps
    /// one partition). `None` when the statistics cannot tell (missing
    /// statistics, or missing values placed first).
    pub fn top_k_partitions(
        &self,
        column: &str,
        descending: bool,
        nulls_last: bool,
        k: usize,
        sem: &Semantics,
    ) -> Option<Vec<bool>> {
        // Per partition: (worst bound, best bound, values for sure), in the order's
        // sense: for a descending order the best bound is the max.
        let mut bounds = vec![];
        for part in &self.parts {
            let (first, end) = part.row_groups;
            let part_rows = match part.rows {
                Some((from, to)) => to - from,
                None => self.files[part.file].row_group_rows()[first..end]
                    .iter()
                    .sum(),
            };
            let (mut lo, mut hi, mut nulls): (Option<ScalarValue>, Option<ScalarValue>, usize) =
                (None, None, 0);
            for rg in first..end {
                let st = self.stats(part.file, rg, column, sem)?;
                nulls += usize::try_from(st.null_count?).ok()?;
                let (min, max) = match (st.min, st.max) {
                    (Some(a), Some(b)) => (a, b),
                    // A row group of missing values only.
                    _ => continue,
                };
                lo = Some(match lo {
                    Some(l) if compare(&l, &min)? != Ordering::Greater => l,
                    _ => min,
                });
                hi = Some(match hi {
                    Some(h) if compare(&h, &max)? != Ordering::Less => h,
                    _ => max,
                });
            }
            if nulls > 0 && !nulls_last {
                return None;
            }
            let values = part_rows.saturating_sub(nulls);
            bounds.push(match (lo, hi) {
                (Some(lo), Some(hi)) if descending => Some((lo, hi, values)),
                (Some(lo), Some(hi)) => Some((hi, lo, values)),
                _ => None,
            });
        }
        // Better: greater for a descending order, smaller for an ascending one.
        let better = |a: &ScalarValue, b: &ScalarValue| -> Option<bool> {
            let o = compare(a, b)?;
            Some(if descending {
                o == Ordering::Greater
            } else {
                o == Ordering::Less
            })
        };
        let mut order: Vec<usize> = (0..bounds.len()).filter(|&i| bounds[i].is_some()).collect();
        let mut failed = false;
        order.sort_by(|&a, &b| {
            let (x, y) = (
                &bounds[a].as_ref().expect("kept").1,
                &bounds[b].as_ref().expect("kept").1,
            );
            match compare(x, y) {
                Some(o) if descending => o.reverse(),
                Some(o) => o,
                None => {
                    failed = true;
                    Ordering::Equal
                }
            }
        });
        if failed {
            return None;
        }
        // The worst bound among the best partitions that hold k values.
        let mut seen = 0;
        let mut threshold: Option<ScalarValue> = None;
        for &i in &order {
            let (worst, _, values) = bounds[i].as_ref().expect("kept");
            threshold = Some(match threshold {
                Some(t) if better(worst, &t)? => t,
                _ => worst.clone(),
            });
            seen += values;
            if seen >= k {
                break;
            }
        }
        if seen < k {
            return Some(vec![true; bounds.len()]);
        }
        let t = threshold?;
        bounds
            .iter()
            .map(|b| match b {
                // Only missing values: they come last.
                None => Some(false),
                Some((_, best, _)) => Some(!better(&t, best)?),
            })
            .collect()
    }

    fn stats(&self, file: usize, rg: usize, column: &str, sem: &Semantics) -> Option<ColumnStats> {
        let idx = self.schema.fields().iter().position(|f| f.name == column)?;
        if let Some(k) = idx.checked_sub(self.file_columns) {
            // A Hive partition column holds one value in the whole file.
            let v = self.partition_values[file][k].clone();
            let rows = self.files[file].row_group_rows()[rg] as i64;
            return Some(if v.is_null() {
                ColumnStats {
                    min: None,
                    max: None,
                    null_count: Some(rows),
                }
            } else {
                ColumnStats {
                    min: Some(v.clone()),
                    max: Some(v),
                    null_count: Some(0),
                }
            });
        }
        // NaN is left out of Parquet's float min/max; when NaN is a value (Spark)
        // it can satisfy `x > 5` whatever the statistics say.
        if self.schema.field(idx).data_type.is_float() && sem.nan == NanSemantics::Value {
            return None;
        }
        // An ordered categorical compares by its categories' order (pandas), which
        // the statistics' text order is not.
        if matches!(self.schema.field(idx).data_type, DataType::Categorical(c) if c.ordered())
            && sem.categoricals == partita_common::Categoricals::Categories
        {
            return None;
        }
        self.files[file].column_stats(rg, idx)
    }

    /// A literal compared with `column` in the form of the column's statistics:
    /// dates as days and time stamps as ticks of the column's unit (text parsed as
    /// the comparison kernels parse it); None when they cannot be compared.
    fn physical_literal(
        &self,
        column: &str,
        value: &ScalarValue,
        sem: &Semantics,
    ) -> Option<ScalarValue> {
        use partita_common::temporal;
        let field = self.schema.fields().iter().find(|f| f.name == column)?;
        let int = |v: i64| Some(ScalarValue::Int64(Some(v)));
        match (field.data_type, value) {
            (DataType::Date, ScalarValue::Date(Some(d))) => int(*d as i64),
            // pandas' date objects are never compared as dates with text.
            (DataType::Date, ScalarValue::Utf8(Some(text)))
                if sem.date_text == partita_common::DateText::Cast =>
            {
                int(temporal::parse_date(text)? as i64)
            }
            (DataType::Timestamp(unit, _), ScalarValue::Timestamp(Some(t), u, _)) => {
                int(temporal::convert_ticks(*t, *u, unit)?)
            }
            (DataType::Timestamp(unit, zone), ScalarValue::Utf8(Some(text))) => {
                let zone = match (zone, sem.time_zones) {
                    (Some(_), partita_common::TimeZones::Session) => {
                        Some(partita_common::TimeZone::new("UTC"))
                    }
                    (z, _) => z,
                };
                let ticks = match temporal::parse_timestamp(text)? {
                    (wall, Some(offset)) => temporal::ticks_of_naive(wall - offset, unit)?,
                    (wall, None) => temporal::ticks_of_local(wall, unit, zone).ok()??,
                };
                int(ticks)
            }
            (DataType::Date | DataType::Timestamp(..), _) => None,
            (_, v) => Some(v.clone()),
        }
    }

    fn conjunct_may_match(&self, file: usize, rg: usize, e: &Expr, sem: &Semantics) -> bool {
        use BinaryOperator::*;
        let unwrap = |e: &Expr| match e {
            Expr::Alias(inner, _) => inner.as_ref().clone(),
            other => other.clone(),
        };
        match e {
            Expr::Binary { left, op, right } => {
                let (column, op, value) = match (unwrap(left), unwrap(right)) {
                    (Expr::Column(c), Expr::Literal(v)) => (c, *op, v),
                    (Expr::Literal(v), Expr::Column(c)) => match flip(*op) {
                        Some(op) => (c, op, v),
                        None => return true,
                    },
                    _ => return true,
                };
                let Some(s) = self.stats(file, rg, &column, sem) else {
                    return true;
                };
                let Some(value) = self.physical_literal(&column, &value, sem) else {
                    return true;
                };
                let rows = self.files[file].row_group_rows()[rg] as i64;
                if s.null_count == Some(rows) && matches!(op, Eq | Lt | LtEq | Gt | GtEq) {
                    // Only missing values: no comparison holds under either logic.
                    return false;
                }
                let (Some(min), Some(max)) = (&s.min, &s.max) else {
                    return true;
                };
                let (lo, hi) = (compare(&value, min), compare(&value, max));
                // Rows satisfy `column op value`; none can when the bounds exclude it.
                match (op, lo, hi) {
                    (Eq, Some(lo), Some(hi)) => !(lo == Ordering::Less || hi == Ordering::Greater),
                    (Lt, Some(lo), _) => lo == Ordering::Greater, // some x < value needs min < value
                    (LtEq, Some(lo), _) => lo != Ordering::Less,
                    (Gt, _, Some(hi)) => hi == Ordering::Less, // needs max > value
                    (GtEq, _, Some(hi)) => hi != Ordering::Greater,
                    _ => true,
                }
            }
            Expr::Between {
                expr,
                low,
                high,
                negated: false,
            } => {
                let ge = Expr::Binary {
                    left: expr.clone(),
                    op: GtEq,
                    right: low.clone(),
                };
                let le = Expr::Binary {
                    left: expr.clone(),
                    op: LtEq,
                    right: high.clone(),
                };
                self.conjunct_may_match(file, rg, &ge, sem)
                    && self.conjunct_may_match(file, rg, &le, sem)
            }
            Expr::IsNotNull(inner) => match unwrap(inner) {
                Expr::Column(c) => {
                    let rows = self.files[file].row_group_rows()[rg] as i64;
                    self.stats(file, rg, &c, sem)
                        .and_then(|s| s.null_count)
                        .is_none_or(|n| n < rows)
                }
                _ => true,
            },
            _ => true,
        }
    }
}

/// Splits `a AND b AND ...` into its conjuncts.
fn split_and<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::Binary {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(left, out);
            split_and(right, out);
        }
        other => out.push(other),
    }
}

/// `value op column` as `column op' value`.
fn flip(op: BinaryOperator) -> Option<BinaryOperator> {
    use BinaryOperator::*;
    Some(match op {
        Eq => Eq,
        Lt => Gt,
        LtEq => GtEq,
        Gt => Lt,
        GtEq => LtEq,
        _ => return None,
    })
}

/// How a literal compares with a statistics bound, when both are comparable
/// non-missing values.
fn compare(value: &ScalarValue, bound: &ScalarValue) -> Option<Ordering> {
    use ScalarValue::*;
    match (value, bound) {
        (Int64(Some(a)), Int64(Some(b))) => Some(a.cmp(b)),
        (a, Int64(Some(b))) if a.as_i128().is_some() => a.as_i128().map(|a| a.cmp(&(*b as i128))),
        (Int64(Some(a)), Float64(Some(b))) => (*a as f64).partial_cmp(b),
        (Float64(Some(a)), Int64(Some(b))) => a.partial_cmp(&(*b as f64)),
        (Float64(Some(a)), Float64(Some(b))) => a.partial_cmp(b),
        (Utf8(Some(a)), Utf8(Some(b))) => Some(a.as_bytes().cmp(b.as_bytes())),
        (Boolean(Some(a)), Boolean(Some(b))) => Some(a.cmp(b)),
        _ => None,
    }
}

impl TableSource for ParquetSource {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn columns_with_nulls(&self) -> Option<Vec<bool>> {
        Some(self.nulls.clone())
    }
    fn partition_count(&self) -> usize {
        self.parts.len().max(1)
    }
    fn estimated_rows(&self) -> Option<usize> {
        Some(
            self.files
                .iter()
                .map(|f| f.row_group_rows().iter().sum::<usize>())
                .sum(),
        )
    }
    fn describe(&self) -> String {
        format!("parquet {} [{} partitions]", self.label, self.parts.len())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
