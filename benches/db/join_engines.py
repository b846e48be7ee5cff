#!/usr/bin/env python3
"""Runs the db-benchmark join questions on one reference engine, one process per run.

    join_engines.py --engine polars|duckdb|pandas --task join --data X.parquet
                    --small S.parquet --medium M.parquet --big B.parquet --mode memory
                    --questions j1,...,j5 --repeat 2 --out OUT.json

The tables are gen_join_data.py's (compare.py derives the right tables' paths
from the x table's). Memory mode only: the four tables are loaded first (timed
together as load_seconds), then every question runs --repeat times on them:

    j1  x INNER JOIN small  ON id1
    j2  x INNER JOIN medium ON id2
    j3  x LEFT JOIN medium  ON id2
    j4  x INNER JOIN medium ON id5   (string key)
    j5  x INNER JOIN big    ON id3

Each question is written as the engine's upstream db-benchmark solution writes
it, keys stay plain strings, every timed run materializes its whole result,
and each engine uses all cores (pandas has one). The check of a question comes
from its last run: the row count, and for every result column in canonical
order (see canonical_columns) two numbers: its count of non-missing values,
then its sum (numbers: float64, NaN and missing skipped) or its total UTF-8
length in bytes (strings). Each runner maps its engine's names of the right
table's columns (Polars' id4_right, pandas' id4_y, DuckDB's small_id4) to that
order. The JSON is engines.py's with "task": "join"; Partita's Rust runner
writes the same, and compare.py --task join reads both.
"""

import argparse
import os
import sys
import time

import numpy as np

from engines import run_questions, write_result

# question -> (right table, how, key)
JOINS = {
    "j1": ("small", "inner", "id1"),
    "j2": ("medium", "inner", "id2"),
    "j3": ("medium", "left", "id2"),
    "j4": ("medium", "inner", "id5"),
    "j5": ("big", "inner", "id3"),
}
ALL_QUESTIONS = list(JOINS)
COLUMNS = {
    "x": ["id1", "id2", "id3", "id4", "id5", "id6", "v1"],
    "small": ["id1", "id4", "v2"],
    "medium": ["id1", "id2", "id4", "id5", "v2"],
    "big": ["id1", "id2", "id3", "id4", "id5", "id6", "v2"],
}
STRING_COLUMNS = {"id4", "id5", "id6"}
CHECK_SLICE = 1_000_000  # rows per chunk of Polars' numeric checks


def canonical_columns(q):
    """The check's column order: [(table, column)], x's columns then the right
    table's non-key ones, each table in its own order."""
    right, _, key = JOINS[q]
    return [("x", c) for c in COLUMNS["x"]] + [(right, c) for c in COLUMNS[right] if c != key]


def numbers_check(chunks):
    """float64 arrays (a column's values in chunks, missing as NaN) ->
    [non-missing count, their sum]."""
    count, total = 0, 0.0
    for values in chunks:
        count += int(np.count_nonzero(~np.isnan(values)))
        total += float(np.nansum(values))
    return [count, total]


def check(engine, q, ans):
    """The flat checksum: [count, sum] per canonical column."""
    out = []
    for table, column in canonical_columns(q):
        name = engine.name(q, table, column)
        if column in STRING_COLUMNS:
            count, nbytes = engine.strings(ans, name)
            out += [int(count), float(nbytes)]
        else:
            out += numbers_check(engine.numbers(ans, name))
    return out


class Polars:
    """x.join(right, on=key[, how="left"]) on the loaded DataFrames (eager)."""

    def __init__(self, paths):
        import polars as pl

        self.pl = pl
        self.version = pl.__version__
        self.paths = paths
        self.tables = {}

    def load(self):
        for table, path in self.paths.items():
            self.tables[table] = self.pl.read_parquet(path)

    def run(self, q):
        right, how, key = JOINS[q]
        x = self.tables["x"]
        if how == "left":
            return x.join(self.tables[right], on=key, how="left")
        return x.join(self.tables[right], on=key)

    @staticmethod
    def name(q, table, column):
        # The key appears once; the right table's other clashing names get "_right".
        if table != "x" and column in COLUMNS["x"]:
            return column + "_right"
        return column

    def rows(self, ans):
        return ans.height

    def numbers(self, ans, name):
        # In slices, so that the float64 copies do not add to the peak RSS.
        s = ans[name]
        for start in range(0, s.len(), CHECK_SLICE):
            yield s.slice(start, CHECK_SLICE).cast(self.pl.Float64).to_numpy()

    def strings(self, ans, name):
        s = ans[name]
        return s.len() - s.null_count(), s.str.len_bytes().sum() or 0


class DuckDB:
    """Each run materializes its result as a table (CREATE TEMP TABLE ans AS ...), as upstream."""

    SQL = {
        "j1": "SELECT x.*, small.id4 AS small_id4, v2 FROM x JOIN small USING (id1)",
        "j2": "SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, "
        "medium.id5 AS medium_id5, v2 FROM x JOIN medium USING (id2)",
        "j3": "SELECT x.*, medium.id1 AS medium_id1, medium.id4 AS medium_id4, "
        "medium.id5 AS medium_id5, v2 FROM x LEFT JOIN medium USING (id2)",
        "j4": "SELECT x.*, medium.id1 AS medium_id1, medium.id2 AS medium_id2, "
        "medium.id4 AS medium_id4, v2 FROM x JOIN medium USING (id5)",
        "j5": "SELECT x.*, big.id1 AS big_id1, big.id2 AS big_id2, big.id4 AS big_id4, "
        "big.id5 AS big_id5, big.id6 AS big_id6, v2 FROM x JOIN big USING (id3)",
    }

    def __init__(self, paths):
        import duckdb

        self.version = duckdb.__version__
        self.con = duckdb.connect(database=":memory:")
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(f"SET threads = {os.cpu_count()}")
        self.paths = paths

    @staticmethod
    def quote(text):
        return "'" + text.replace("'", "''") + "'"

    def load(self):
        for table, path in self.paths.items():
            self.con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet({self.quote(path)})")

    def run(self, q):
        self.con.execute("DROP TABLE IF EXISTS ans")
        self.con.execute("CREATE TEMP TABLE ans AS " + self.SQL[q])
        return "ans"

    @staticmethod
    def name(q, table, column):
        # v2 is the right table's only name x lacks: upstream leaves it unprefixed.
        if table == "x" or column == "v2":
            return column
        return f"{table}_{column}"

    def rows(self, ans):
        return self.con.execute(f"SELECT COUNT(*) FROM {ans}").fetchone()[0]

    def numbers(self, ans, name):
        """One chunk: the whole column (the result's peak is above the check's)."""
        data = self.con.execute(f'SELECT CAST("{name}" AS DOUBLE) AS c FROM {ans}').fetchnumpy()
        return [np.ma.filled(np.ma.asarray(data["c"], dtype=np.float64), np.nan)]

    def strings(self, ans, name):
        # strlen: bytes (length() counts characters).
        return self.con.execute(
            f'SELECT COUNT("{name}"), COALESCE(SUM(strlen("{name}")), 0) FROM {ans}'
        ).fetchone()


class Pandas:
    """As upstream: x.merge(right, on=key[, how="left"]) (suffixes _x and _y)."""

    def __init__(self, paths):
        import pandas as pd

        self.pd = pd
        self.version = pd.__version__
        self.paths = paths
        self.tables = {}

    def load(self):
        for table, path in self.paths.items():
            self.tables[table] = self.pd.read_parquet(path)

    def run(self, q):
        right, how, key = JOINS[q]
        x = self.tables["x"]
        if how == "left":
            return x.merge(self.tables[right], how="left", on=key)
        return x.merge(self.tables[right], on=key)

    @staticmethod
    def name(q, table, column):
        right, _, key = JOINS[q]
        if column == key or column not in COLUMNS["x" if table != "x" else right]:
            return column
        return column + ("_x" if table == "x" else "_y")

    def rows(self, ans):
        return len(ans)

    def numbers(self, ans, name):
        # One chunk. A left join's unmatched int64 values come back as float64 NaN.
        return [ans[name].to_numpy(dtype=np.float64, na_value=np.nan)]

    def strings(self, ans, name):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.Array.from_pandas(ans[name])
        return len(arr) - arr.null_count, pc.sum(pc.binary_length(arr)).as_py() or 0


ENGINES = {"polars": Polars, "duckdb": DuckDB, "pandas": Pandas}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", required=True, choices=sorted(ENGINES))
    parser.add_argument("--task", default="join", choices=["join"],
                        help="join (accepted so that every runner takes the same arguments)")
    parser.add_argument("--data", required=True, help="the x table, J1_<N>_NA_0_0.parquet")
    parser.add_argument("--small", required=True, help="J1_<N>_<N/1e6>_0_0.parquet")
    parser.add_argument("--medium", required=True, help="J1_<N>_<N/1e3>_0_0.parquet")
    parser.add_argument("--big", required=True, help="J1_<N>_<N>_0_0.parquet")
    parser.add_argument("--mode", required=True, choices=["memory", "scan"])
    parser.add_argument("--questions", default=",".join(ALL_QUESTIONS))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", required=True, help="JSON result file")
    args = parser.parse_args()

    if args.mode != "memory":
        parser.error("the join task runs in memory mode only")
    questions = [q for q in args.questions.split(",") if q]
    unknown = [q for q in questions if q not in JOINS]
    if unknown:
        parser.error(f"unknown question(s): {', '.join(unknown)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    paths = {"x": args.data, "small": args.small, "medium": args.medium, "big": args.big}
    engine = ENGINES[args.engine](paths)
    result = {
        "engine": args.engine,
        "task": "join",
        "version": engine.version,
        "mode": args.mode,
        "data": os.path.basename(args.data),
        "load_seconds": None,
        "peak_rss_bytes": None,
        "questions": {},
    }
    print(f"# {args.engine} {engine.version}, join, {args.mode}, {result['data']}", flush=True)

    start = time.perf_counter()
    engine.load()
    result["load_seconds"] = time.perf_counter() - start
    print(f"load: {result['load_seconds']:.3f}s", flush=True)

    result["questions"] = run_questions(
        engine, questions, args.repeat, lambda q, ans: check(engine, q, ans)
    )
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
