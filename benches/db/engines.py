#!/usr/bin/env python3
"""Runs the db-benchmark groupby questions on one reference engine, one process per run.

    engines.py --engine polars|duckdb|pandas --data FILE.parquet --mode memory|scan
               --questions q1,...,q10,s1,s2,f1 --repeat 2 --out OUT.json

memory: the table is loaded first (timed apart as load_seconds), then every
        question runs --repeat times on it.
scan:   every run reads the file (polars scan_parquet + collect, duckdb over
        read_parquet(...)); pandas has no such mode and writes no questions.

Each question is written as the engine's upstream db-benchmark solution writes
it, keys stay plain strings, every timed run materializes its whole result,
and each engine uses all cores. After the last run of a question its check
(row count and checksum, see CHECKS) is computed from that run's result.
The JSON written here is also what Partita's Rust runner writes; compare.py
reads both. (The join task's runner is join_engines.py.)
"""

import argparse
import gc
import json
import math
import os
import sys
import time

import numpy as np

ALL_QUESTIONS = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "s1", "s2", "f1"]

# Checksum of each question: the nan-skipping sums of these result columns.
# s1 also has a position-weighted sum of v3 (see checksum()), so that an
# engine which sorts wrongly disagrees.
CHECKS = {
    "q1": ["v1"],
    "q2": ["v1"],
    "q3": ["v1", "v3"],
    "q4": ["v1", "v2", "v3"],
    "q5": ["v1", "v2", "v3"],
    "q6": ["median_v3", "sd_v3"],
    "q7": ["range_v1_v2"],
    "q8": ["largest2_v3"],
    "q9": ["r2"],
    "q10": ["v3", "count"],
    "s1": ["v3"],
    "s2": ["v3"],
    "f1": ["n", "v3"],
}


def checksum(question, column):
    """column(name) -> float64 numpy array, missing as NaN (in result row order)."""
    sums = [float(np.nansum(column(name))) for name in CHECKS[question]]
    if question == "s1":
        v3 = column("v3")
        weights = (np.arange(len(v3), dtype=np.int64) % 1000 + 1).astype(np.float64)
        sums.append(float(np.nansum(v3 * weights)))
    return sums


def peak_rss_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


class Polars:
    """Lazy queries; memory mode runs them on the loaded DataFrame's .lazy()."""

    def __init__(self, path, mode):
        import polars as pl

        self.pl = pl
        self.version = pl.__version__
        self.path = path
        self.mode = mode
        self.df = None

    def load(self):
        self.df = self.pl.read_parquet(self.path)

    def source(self):
        if self.mode == "memory":
            return self.df.lazy()
        return self.pl.scan_parquet(self.path)

    def run(self, q):
        pl = self.pl
        x = self.source()
        if q == "q1":
            query = x.group_by("id1").agg(pl.sum("v1").alias("v1"))
        elif q == "q2":
            query = x.group_by(["id1", "id2"]).agg(pl.sum("v1").alias("v1"))
        elif q == "q3":
            query = x.group_by("id3").agg(pl.sum("v1").alias("v1"), pl.mean("v3").alias("v3"))
        elif q == "q4":
            query = x.group_by("id4").agg(
                pl.mean("v1").alias("v1"), pl.mean("v2").alias("v2"), pl.mean("v3").alias("v3")
            )
        elif q == "q5":
            query = x.group_by("id6").agg(
                pl.sum("v1").alias("v1"), pl.sum("v2").alias("v2"), pl.sum("v3").alias("v3")
            )
        elif q == "q6":
            query = x.group_by(["id4", "id5"]).agg(
                pl.median("v3").alias("median_v3"), pl.std("v3").alias("sd_v3")
            )
        elif q == "q7":
            query = x.group_by("id3").agg((pl.max("v1") - pl.min("v2")).alias("range_v1_v2"))
        elif q == "q8":
            query = (
                x.drop_nulls("v3")
                .group_by("id6")
                .agg(pl.col("v3").top_k(2).alias("largest2_v3"))
                .explode("largest2_v3")
            )
        elif q == "q9":
            query = x.group_by(["id2", "id4"]).agg(
                (pl.corr("v1", "v2", method="pearson") ** 2).alias("r2")
            )
        elif q == "q10":
            # COUNT(*): pl.len(), not upstream's pl.count("v1") (which skips missing v1).
            query = x.group_by(["id1", "id2", "id3", "id4", "id5", "id6"]).agg(
                pl.sum("v3").alias("v3"), pl.len().alias("count")
            )
        elif q == "s1":
            query = x.sort(["id1", "v3"], descending=[False, True], nulls_last=True)
        elif q == "s2":
            query = x.sort("v3", descending=True, nulls_last=True).head(10)
        elif q == "f1":
            query = x.filter((pl.col("v1") > 2) & (pl.col("id4") <= 50)).select(
                pl.len().alias("n"), pl.mean("v3").alias("v3")
            )
        return query.collect()

    def rows(self, ans):
        return ans.height

    def column(self, ans, name):
        return ans[name].cast(self.pl.Float64).to_numpy()


class DuckDB:
    """Each run materializes its result as a table (CREATE TEMP TABLE ans AS ...), as upstream."""

    SQL = {
        "q1": "SELECT id1, SUM(v1) AS v1 FROM {x} GROUP BY id1",
        "q2": "SELECT id1, id2, SUM(v1) AS v1 FROM {x} GROUP BY id1, id2",
        "q3": "SELECT id3, SUM(v1) AS v1, AVG(v3) AS v3 FROM {x} GROUP BY id3",
        "q4": "SELECT id4, AVG(v1) AS v1, AVG(v2) AS v2, AVG(v3) AS v3 FROM {x} GROUP BY id4",
        "q5": "SELECT id6, SUM(v1) AS v1, SUM(v2) AS v2, SUM(v3) AS v3 FROM {x} GROUP BY id6",
        "q6": "SELECT id4, id5, MEDIAN(v3) AS median_v3, STDDEV(v3) AS sd_v3 "
        "FROM {x} GROUP BY id4, id5",
        "q7": "SELECT id3, MAX(v1) - MIN(v2) AS range_v1_v2 FROM {x} GROUP BY id3",
        "q8": "SELECT id6, v3 AS largest2_v3 FROM ("
        "SELECT id6, v3, ROW_NUMBER() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS rn "
        "FROM {x} WHERE v3 IS NOT NULL) sub WHERE rn <= 2",
        "q9": "SELECT id2, id4, POWER(CORR(v1, v2), 2) AS r2 FROM {x} GROUP BY id2, id4",
        "q10": "SELECT id1, id2, id3, id4, id5, id6, SUM(v3) AS v3, COUNT(*) AS count "
        "FROM {x} GROUP BY id1, id2, id3, id4, id5, id6",
        "s1": "SELECT * FROM {x} ORDER BY id1 ASC NULLS LAST, v3 DESC NULLS LAST",
        "s2": "SELECT * FROM {x} ORDER BY v3 DESC NULLS LAST LIMIT 10",
        "f1": "SELECT COUNT(*) AS n, AVG(v3) AS v3 FROM {x} WHERE v1 > 2 AND id4 <= 50",
    }

    def __init__(self, path, mode):
        import duckdb

        self.version = duckdb.__version__
        self.con = duckdb.connect(database=":memory:")
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(f"SET threads = {os.cpu_count()}")
        self.source = "read_parquet(" + self.quote(path) + ")"
        self.mode = mode

    @staticmethod
    def quote(text):
        return "'" + text.replace("'", "''") + "'"

    def load(self):
        self.con.execute(f"CREATE TABLE x AS SELECT * FROM {self.source}")
        self.source = "x"

    def run(self, q):
        self.con.execute("DROP TABLE IF EXISTS ans")
        self.con.execute("CREATE TEMP TABLE ans AS " + self.SQL[q].format(x=self.source))
        return "ans"

    def rows(self, ans):
        return self.con.execute(f"SELECT COUNT(*) FROM {ans}").fetchone()[0]

    def column(self, ans, name):
        # A plain scan of the table keeps insertion order, so s1's order is kept.
        data = self.con.execute(f'SELECT CAST("{name}" AS DOUBLE) AS c FROM {ans}').fetchnumpy()
        return np.ma.filled(np.ma.asarray(data["c"], dtype=np.float64), np.nan)


class Pandas:
    """As upstream: groupby(..., as_index=False, sort=False, observed=True, dropna=False)."""

    def __init__(self, path, mode):
        import pandas as pd

        self.pd = pd
        self.version = pd.__version__
        self.path = path
        self.x = None

    def load(self):
        self.x = self.pd.read_parquet(self.path)

    def run(self, q):
        x = self.x
        by = dict(as_index=False, sort=False, observed=True, dropna=False)
        if q == "q1":
            return x.groupby("id1", **by).agg({"v1": "sum"})
        if q == "q2":
            return x.groupby(["id1", "id2"], **by).agg({"v1": "sum"})
        if q == "q3":
            return x.groupby("id3", **by).agg({"v1": "sum", "v3": "mean"})
        if q == "q4":
            return x.groupby("id4", **by).agg({"v1": "mean", "v2": "mean", "v3": "mean"})
        if q == "q5":
            return x.groupby("id6", **by).agg({"v1": "sum", "v2": "sum", "v3": "sum"})
        if q == "q6":
            return x.groupby(["id4", "id5"], **by).agg(
                median_v3=("v3", "median"), sd_v3=("v3", "std")
            )
        if q == "q7":
            return (
                x.groupby("id3", **by)
                .agg({"v1": "max", "v2": "min"})
                .assign(range_v1_v2=lambda d: d["v1"] - d["v2"])[["id3", "range_v1_v2"]]
            )
        if q == "q8":
            ans = (
                x[~x["v3"].isna()][["id6", "v3"]]
                .sort_values("v3", ascending=False)
                .groupby("id6", **by)
                .head(2)
                .rename(columns={"v3": "largest2_v3"})
            )
            return ans.reset_index(drop=True)
        if q == "q9":
            # Upstream's apply (its lambda names columns x and y that do not
            # exist; here v1 and v2).
            return (
                x[["id2", "id4", "v1", "v2"]]
                .groupby(["id2", "id4"], **by)
                .apply(lambda g: g["v1"].corr(g["v2"]) ** 2)
                .rename(columns={None: "r2"})
            )
        if q == "q10":
            return x.groupby(["id1", "id2", "id3", "id4", "id5", "id6"], **by).agg(
                v3=("v3", "sum"), count=("v1", "size")
            )
        if q == "s1":
            return x.sort_values(["id1", "v3"], ascending=[True, False], na_position="last")
        if q == "s2":
            return x.nlargest(10, "v3")
        if q == "f1":
            v3 = x["v3"][(x["v1"] > 2) & (x["id4"] <= 50)]
            return self.pd.DataFrame({"n": [len(v3)], "v3": [v3.mean()]})
        raise ValueError(q)

    def rows(self, ans):
        return len(ans)

    def column(self, ans, name):
        return ans[name].to_numpy(dtype=np.float64, na_value=np.nan)


ENGINES = {"polars": Polars, "duckdb": DuckDB, "pandas": Pandas}


def finite_or_none(value):
    return value if math.isfinite(value) else None


def run_questions(engine, questions, repeat, check):
    """Times every question `repeat` times; returns {question: {seconds, rows, checksum}}.

    engine.run(q) returns its materialized result and engine.rows(ans) its row
    count; check(q, ans) is the check's list of numbers (a NaN is written as
    null). The previous run's result is freed before the next run starts; the
    check comes from the last run. Shared with join_engines.py.
    """
    answers = {}
    for q in questions:
        seconds = []
        ans = None
        for _ in range(repeat):
            ans = None  # the previous run's result is freed before the next run
            gc.collect()
            start = time.perf_counter()
            ans = engine.run(q)
            seconds.append(time.perf_counter() - start)
        rows = int(engine.rows(ans))
        sums = check(q, ans)
        ans = None
        answers[q] = {
            "seconds": seconds,
            "rows": rows,
            "checksum": [finite_or_none(s) for s in sums],
        }
        times = " ".join(f"{t:.3f}" for t in seconds)
        print(f"{q}: {times} s; rows {rows}; checksum {sums}", flush=True)
    return answers


def write_result(path, result):
    """Sets result's peak_rss_bytes (this process's so far) and writes it as JSON."""
    result["peak_rss_bytes"] = peak_rss_bytes()
    with open(path, "w") as out:
        json.dump(result, out, indent=1)
        out.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", required=True, choices=sorted(ENGINES))
    parser.add_argument("--data", required=True, help="the G1_*.parquet file")
    parser.add_argument("--mode", required=True, choices=["memory", "scan"])
    parser.add_argument("--questions", default=",".join(ALL_QUESTIONS))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", required=True, help="JSON result file")
    args = parser.parse_args()

    questions = [q for q in args.questions.split(",") if q]
    unknown = [q for q in questions if q not in CHECKS]
    if unknown:
        parser.error(f"unknown question(s): {', '.join(unknown)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    engine = ENGINES[args.engine](args.data, args.mode)
    result = {
        "engine": args.engine,
        "version": engine.version,
        "mode": args.mode,
        "data": os.path.basename(args.data),
        "load_seconds": None,
        "peak_rss_bytes": None,
        "questions": {},
    }
    print(f"# {args.engine} {engine.version}, {args.mode}, {result['data']}", flush=True)

    if args.mode == "scan" and args.engine == "pandas":
        print("pandas has no scan mode (no lazy reader): no questions run", flush=True)
        questions = []
    elif args.mode == "memory":
        start = time.perf_counter()
        engine.load()
        result["load_seconds"] = time.perf_counter() - start
        print(f"load: {result['load_seconds']:.3f}s", flush=True)

    def check(q, ans):
        return checksum(q, lambda name: engine.column(ans, name))

    result["questions"] = run_questions(engine, questions, args.repeat, check)
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
