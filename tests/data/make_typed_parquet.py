"""Writes tests/data/typed_{pyarrow,polars,duckdb}.parquet: one column of every
type Partita reads (small and unsigned integers, float32, dates, timestamps with
and without a zone and in three units, durations, a pandas categorical, booleans,
text), eight rows in two row groups of four, for tests/parquet_types.rs.

    .venv/bin/python tests/data/make_typed_parquet.py

Row i (0..7) holds the value i of each column's sequence, so a test can check
each value; the second row group holds the larger half, so a filter on any
column can skip the first. Row 2 holds a missing value where the type allows.
"""
import datetime as dt
import decimal
import os

import duckdb
import pandas as pd
import polars as pl

here = os.path.dirname(os.path.abspath(__file__))
N = 8
base = dt.datetime(2024, 1, 31, 5, 6, 7)


def ts(i):
    return base + dt.timedelta(days=i, hours=i)


def with_null(values):
    return [None if i == 2 else v for i, v in enumerate(values)]


frame = pd.DataFrame(
    {
        "id": pd.array(range(N), dtype="int64"),
        "i8": pd.array(range(-4, 4), dtype="int8"),
        "i16": pd.array([i * 1000 for i in range(N)], dtype="int16"),
        "i32": pd.array([i * 100_000 for i in range(N)], dtype="int32"),
        "u8": pd.array([250 + i % 6 if i >= 4 else i for i in range(N)], dtype="uint8"),
        "u32": pd.array([4_000_000_000 + i if i >= 4 else i for i in range(N)], dtype="uint32"),
        "f32": pd.array([i / 4 for i in range(N)], dtype="float32"),
        "d": with_null([dt.date(2024, 2, 26) + dt.timedelta(days=i) for i in range(N)]),
        "ts_us": pd.Series(with_null([ts(i) for i in range(N)]), dtype="datetime64[us]"),
        "ts_ms": pd.Series(with_null([ts(i) for i in range(N)]), dtype="datetime64[ms]"),
        "ts_ns": pd.Series(with_null([ts(i) for i in range(N)]), dtype="datetime64[ns]"),
        "ts_utc": pd.Series(with_null([ts(i) for i in range(N)]), dtype="datetime64[us]").dt.tz_localize("UTC"),
        "ts_ny": pd.Series(with_null([ts(i) for i in range(N)]), dtype="datetime64[us]")
        .dt.tz_localize("UTC")
        .dt.tz_convert("America/New_York"),
        "dur": pd.Series(with_null([dt.timedelta(minutes=i) for i in range(N)]), dtype="timedelta64[us]"),
        "cat": pd.Categorical(["a", "b", None, "a", "c", "d", "c", "d"], categories=["d", "c", "b", "a"]),
        "b": [False, False, None, False, True, True, True, True],
        "s": with_null([f"s{i}" for i in range(N)]),
        "dec": with_null([decimal.Decimal(i * 25) / 100 for i in range(N)]),
        "dec_wide": [decimal.Decimal(10**20 + i) for i in range(N)],
    }
)
import pyarrow as pa

table = pa.Table.from_pandas(frame, preserve_index=False)
table = table.set_column(
    table.schema.get_field_index("dec"), "dec", table.column("dec").cast(pa.decimal128(16, 2))
).set_column(
    table.schema.get_field_index("dec_wide"),
    "dec_wide",
    table.column("dec_wide").cast(pa.decimal128(25, 0)),
)
import pyarrow.parquet as pq

pq.write_table(table, os.path.join(here, "typed_pyarrow.parquet"), row_group_size=4)

# Polars and DuckDB write the same table through their own writers (the categorical
# as text: neither keeps pandas' category order).
pl_frame = pl.from_arrow(table).with_columns(pl.col("cat").cast(pl.String))
pl_frame.write_parquet(os.path.join(here, "typed_polars.parquet"), row_group_size=4, statistics=True)

con = duckdb.connect()
con.register("frame", pl_frame.to_arrow())
con.execute(
    f"COPY frame TO '{os.path.join(here, 'typed_duckdb.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 4)"
)

# DuckDB cuts row groups at multiples of 2,048 rows: for a skip by statistics, each
# row repeated 512 times in id order makes two row groups, ids 0-3 and 4-7.
con.execute(
    f"COPY (SELECT frame.* FROM frame, range(512) ORDER BY id) TO "
    f"'{os.path.join(here, 'typed_duckdb_groups.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 2048)"
)

# Spark (local, the runtime pyspark ships) writes the columns it has types for:
# no unsigned integers, no zone per column, no durations; time stamps as its
# default INT96 and as TIMESTAMP_NTZ. Four rows per file: two files of one row
# group each, ids 0-3 and 4-7, copied to stable names.
import glob
import shutil
import tempfile

from pyspark.sql import SparkSession

spark = (
    SparkSession.builder.master("local[1]")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.sql.files.maxRecordsPerFile", "4")
    .getOrCreate()
)
spark_frame = frame[["id", "i8", "i16", "i32", "f32", "d", "ts_us", "b", "s"]].copy()
spark_frame["ts_ntz"] = spark_frame["ts_us"]
spark_frame["dec"] = table.column("dec").to_pylist()
from pyspark.sql import types as T

schema = T.StructType(
    [
        T.StructField("id", T.LongType()),
        T.StructField("i8", T.ByteType()),
        T.StructField("i16", T.ShortType()),
        T.StructField("i32", T.IntegerType()),
        T.StructField("f32", T.FloatType()),
        T.StructField("d", T.DateType()),
        T.StructField("ts_us", T.TimestampType()),
        T.StructField("b", T.BooleanType()),
        T.StructField("s", T.StringType()),
        T.StructField("ts_ntz", T.TimestampNTZType()),
        T.StructField("dec", T.DecimalType(16, 2)),
    ]
)
rows = [
    tuple(None if pd.isna(v) else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else v) for v in r)
    for r in spark_frame.astype(object).itertuples(index=False)
]
out = tempfile.mkdtemp()
spark.createDataFrame(rows, schema).coalesce(1).sortWithinPartitions("id").write.mode(
    "overwrite"
).parquet(os.path.join(out, "t"))
spark.stop()
target = os.path.join(here, "typed_spark")
shutil.rmtree(target, ignore_errors=True)
os.makedirs(target)
for i, f in enumerate(sorted(glob.glob(os.path.join(out, "t", "part-*.parquet")))):
    shutil.copy(f, os.path.join(target, f"part-{i}.parquet"))
shutil.rmtree(out)
