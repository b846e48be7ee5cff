#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets and the SQL dictionary (`make fuzz`
runs it with the project's virtualenv; nothing it writes is committed).

    .venv/bin/python fuzz/seeds.py fuzz

- corpus/sql: every query of the compatibility cases (tests/compat/*/) and of the
  SQL logic tests (tests/sql/*.slt), each twice: after the byte `0` (the target
  runs it under the pandas preset) and after `1` (Spark);
- corpus/csv: the compatibility cases' tables as pandas writes them, in several
  dialects (separators, quoting, line ends, missing-value markers), and files
  made to be awkward (quoted line breaks, ragged rows, a byte-order mark, no
  final line end, a header alone, numbers past 64 bits);
- corpus/parquet: the same tables written by pyarrow with each compression,
  dictionary and data-page version, small row groups, pandas categoricals
  (Parquet dictionaries), decimals, unsigned and nested columns, by Polars when
  it is installed, and the committed files of tests/data;
- sql.dict: keywords, function names, the fixture's table and column names and
  operators, for libFuzzer's `-dict`.
"""
import glob
import io
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "compat"))

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from record import pandas_table  # noqa: E402

CASE_DIRS = ["cases", "random", "pending", "random-pending"]
# The fixture of fuzz/src/lib.rs: its tables and their columns.
FIXTURE_NAMES = [
    "df", "flights", "airlines", "airports", "t", "u", "a", "b", "s", "e",
    "id", "k", "s", "ns", "v", "w", "x", "b", "a", "h", "u8", "u64", "d", "ts", "tz",
    "uid", "n", "y", "k1", "k2", "col1", "col2", "carrier", "origin", "dest",
    "dep_delay", "arr_delay", "distance", "name",
]
OPERATORS = [
    "<=>", "<>", "!=", ">=", "<=", "||", "::", "IS NOT DISTINCT FROM", "IS DISTINCT FROM",
    "NULLS FIRST", "NULLS LAST", "PARTITION BY", "ORDER BY", "GROUP BY", "ROWS BETWEEN",
    "UNBOUNDED PRECEDING", "CURRENT ROW", "UNBOUNDED FOLLOWING", "'NaN'", "'Infinity'",
    "9223372036854775807", "-9223372036854775808", "18446744073709551615", "1e308",
    "-0.0", "DATE '2024-02-29'", "TIMESTAMP '2024-03-10 02:30:00'", "INTERVAL 1 DAY",
    "SET semantics = spark", "SET semantics = pandas", "WITH", "UNION ALL", "EXCEPT",
    "INTERSECT", "LEFT JOIN", "FULL OUTER JOIN", "CROSS JOIN", "USING", "VALUES",
    "CREATE TABLE", "EXPLAIN ANALYZE", "COPY", "DESCRIBE", "SHOW TABLES",
]


def cases():
    for d in CASE_DIRS:
        for path in sorted(glob.glob(os.path.join(ROOT, "tests", "compat", d, "*.json"))):
            with open(path) as f:
                yield json.load(f)


def slt_statements():
    """The SQL of every record of the .slt files: the lines after a `statement` or
    `query` line, up to `----` or a blank line."""
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "sql", "*.slt"))):
        sql, inside = [], False
        with open(path) as f:
            for line in f.read().splitlines() + [""]:
                if line.startswith(("statement", "query")):
                    inside, sql = True, []
                elif inside and (line.strip() == "" or line.startswith("----")):
                    if sql:
                        yield "\n".join(sql)
                    inside = False
                elif inside:
                    sql.append(line)


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(directory, name), mode) as f:
        f.write(data)


def sql_seeds(out):
    queries = {c["sql"] for c in cases() if c.get("sql")}
    queries |= set(slt_statements())
    for i, q in enumerate(sorted(queries)):
        for preset in "01":
            write(out, f"q{i:05}-{preset}", preset + q)
    return len(queries) * 2


def sql_dict(path):
    words = set(OPERATORS) | set(FIXTURE_NAMES)
    funcs = os.path.join(ROOT, "crates", "partita-sql", "src", "functions.rs")
    text = open(funcs).read()
    for const in ("FUNCTION_NAMES", "KEYWORDS"):
        body = re.search(rf"pub const {const}: &\[&str\] = &\[(.*?)\];", text, re.S).group(1)
        for w in re.findall(r'"([^"]+)"', body):
            words.add(w if const == "KEYWORDS" else w + "(")
    with open(path, "w") as f:
        for w in sorted(words):
            f.write(json.dumps(w) + "\n")
    return len(words)


CSV_DIALECTS = [
    dict(),
    dict(sep=";", na_rep="NA"),
    dict(sep="\t", quoting=1),
    dict(lineterminator="\r\n", na_rep="null"),
    dict(header=False),
    dict(sep="|", quoting=1, na_rep="NaN"),
]

AWKWARD_CSV = [
    b"",
    b"a,b\n",
    b"a,b",
    b"a,b\n1,2",
    b"\xef\xbb\xbfa,b\n1,2\n",
    b'a,b\n"x\ny",1\n"z""q",2\n',
    b"a,b\n1,2,3\n4\n",
    b"a,a\n1,2\n",
    b",\n,\n",
    b"a\n18446744073709551616\n-9223372036854775809\n1\n",
    b"a\n1\n2\n1.5\n",
    b"a,b\r\n1,x\r\n2,\r\n",
    b"x\nNaN\ninf\n-inf\n-0.0\n1e400\n",
    b"d,t\n2024-02-29,2024-03-10 02:30:00\n1970-01-01,1969-12-31T23:59:59.999999\n",
    b"b\ntrue\nFalse\nTRUE\n\n",
    b"s\n\xff\xfe\n",
    b'"unterminated\n1,2\n',
]


def csv_seeds(out, frames):
    n = 0
    for i, df in enumerate(frames):
        dialect = CSV_DIALECTS[i % len(CSV_DIALECTS)]
        write(out, f"case{i:04}.csv", df.to_csv(index=False, **dialect))
        n += 1
    for i, data in enumerate(AWKWARD_CSV):
        write(out, f"awkward{i:02}.csv", data)
        n += 1
    return n


PARQUET_OPTIONS = [
    dict(compression="none"),
    dict(compression="snappy", use_dictionary=False),
    dict(compression="gzip", data_page_version="2.0"),
    dict(compression="zstd", row_group_size=2),
    dict(compression="lz4", write_statistics=False),
    dict(compression="brotli", data_page_size=64),
]


def special_tables():
    """Types the cases' tables do not have."""
    import datetime
    import decimal

    yield pa.table({
        "dec": pa.array([decimal.Decimal("1.25"), None, decimal.Decimal("-99999.99")],
                        pa.decimal128(7, 2)),
        "u32": pa.array([0, 4_000_000_000, None], pa.uint32()),
        "u64": pa.array([0, 2**64 - 1, None], pa.uint64()),
        "i8": pa.array([-128, 127, None], pa.int8()),
    })
    yield pa.table({
        "lst": pa.array([[1, 2], None, []], pa.list_(pa.int64())),
        "st": pa.array([{"a": 1}, None, {"a": None}], pa.struct([("a", pa.int64())])),
        "bin": pa.array([b"\x00", None, b""], pa.binary()),
    })
    yield pa.table({
        "cat": pa.array(["b", "a", None, "b"]).dictionary_encode(),
        "ts_ms": pa.array([0, None, -1, 2**40], pa.timestamp("ms", tz="Europe/Paris")),
        "ts_ns": pa.array([0, None, -1, 2**62], pa.timestamp("ns")),
        "d64": pa.array([0, None, -1, 10**12], pa.date64()),
        "t": pa.array([0, None, 1, 86399], pa.time32("s")),
        "dur": pa.array([0, None, -5, 10**9], pa.duration("us")),
    })
    yield pa.table({
        "big": pa.array(["x" * 300, None, "é" * 50], pa.large_string()),
        "f16": pa.array([1.5, None, float("nan")], pa.float32()),
        "d": pa.array([datetime.date(1, 1, 1), datetime.date(9999, 12, 31), None]),
    })


def parquet_seeds(out, frames):
    n = 0

    def put(name, table, **options):
        nonlocal n
        buf = io.BytesIO()
        pq.write_table(table, buf, **options)
        write(out, name, buf.getvalue())
        n += 1

    for i, df in enumerate(frames):
        if i % 3 == 1:
            df = df.copy()
            for c in df.columns:
                if df[c].dtype == object and all(isinstance(v, (str, type(None))) for v in df[c]):
                    df[c] = df[c].astype("category")
        table = pa.Table.from_pandas(df, preserve_index=False)
        put(f"case{i:04}.parquet", table, **PARQUET_OPTIONS[i % len(PARQUET_OPTIONS)])
    for i, table in enumerate(special_tables()):
        for j, options in enumerate(PARQUET_OPTIONS[:3]):
            put(f"special{i}-{j}.parquet", table, **options)
    try:
        import polars as pl

        for i, df in enumerate(frames[:40]):
            buf = io.BytesIO()
            pl.from_pandas(df).write_parquet(buf, row_group_size=3)
            write(out, f"polars{i:03}.parquet", buf.getvalue())
            n += 1
    except ImportError:
        pass
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "data", "*.parquet"))):
        with open(path, "rb") as f:
            write(out, os.path.basename(path), f.read())
        n += 1
    return n


def case_frames(limit):
    """pandas frames of the cases' tables, one per distinct table layout and size,
    at most `limit`."""
    frames, seen = [], set()
    for c in cases():
        for name, table in c["tables"].items():
            key = (json.dumps(table["columns"]), len(table["rows"]))
            if key in seen:
                continue
            seen.add(key)
            try:
                frames.append(pandas_table(pd, name, table))
            except Exception:  # a layout pandas cannot hold (say nulls in int8)
                continue
            if len(frames) >= limit:
                return frames
    return frames


def main():
    fuzz_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    corpus = os.path.join(fuzz_dir, "corpus")
    frames = case_frames(240)
    counts = {
        "sql": sql_seeds(os.path.join(corpus, "sql")),
        "csv": csv_seeds(os.path.join(corpus, "csv"), frames),
        "parquet": parquet_seeds(os.path.join(corpus, "parquet"), frames),
        "dictionary words": sql_dict(os.path.join(fuzz_dir, "sql.dict")),
    }
    print(", ".join(f"{v} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
