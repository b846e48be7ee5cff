"""Writes tests/data/unsigned_pyarrow.parquet: unsigned integer columns as pandas
(pyarrow) writes them, in row groups of 4 rows, for tests/parquet.rs.

    .venv/bin/python tests/data/make_unsigned_parquet.py

uint32 is stored as a Parquet INT32 with the logical type INT(32, unsigned), so
its statistics must be read as unsigned: the second row group holds 3e9, whose
signed reading is negative. uint64 holds values above i64::MAX in `big` only.
"""
import os

import pyarrow as pa
import pyarrow.parquet as pq

here = os.path.dirname(os.path.abspath(__file__))
table = pa.table(
    {
        "id": pa.array(range(1, 9), pa.int64()),
        "u32": pa.array([1, 2, 3, 4, 3_000_000_000, 4_294_967_295, 5, 6], pa.uint32()),
        "u64": pa.array([1, 2, 3, 4, 5, 6, 7, 9_000_000_000_000_000_000], pa.uint64()),
        "big": pa.array([1, 2, 3, 4, 5, 6, 7, 18_446_744_073_709_551_615], pa.uint64()),
    }
)
pq.write_table(table, os.path.join(here, "unsigned_pyarrow.parquet"), row_group_size=4)
