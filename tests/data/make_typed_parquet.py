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
