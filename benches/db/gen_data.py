#!/usr/bin/env python3
"""Deterministic generator of the db-benchmark groupby table G1_<N>_<K>_<NA>_0.

    gen_data.py --n 1e7 --k 100 --na 0 --out-dir DIR [--formats csv,parquet]
                [--seed 2026] [--force] [--print-path parquet]

Columns (as the upstream h2oai / DuckDB Labs generator):

    id1, id2  str    "id001".."id100" (K values), uniform
    id3       str    "id%010d" of 1..N/K, uniform
    id4, id5  int64  uniform 1..K
    id6       int64  uniform 1..N/K
    v1        int64  uniform 1..5
    v2        int64  uniform 1..15
    v3        float64 uniform [0, 100), rounded to 6 decimals

With NA > 0 each column independently has N*NA/100 distinct rows set missing.

The table is produced in fixed-size chunks (CHUNK_ROWS rows) so memory stays
bounded whatever N is (N = 1e8 runs in about 1 GiB). Every chunk and every
column within it draws from its own random stream, seeded by
(seed, chunk index, column index): the output depends only on the arguments,
and the values of a column do not change with NA (NA only blanks rows out).
"""

import argparse
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CHUNK_ROWS = 10_000_000
ROW_GROUP_ROWS = 1_000_000
COLUMNS = ["id1", "id2", "id3", "id4", "id5", "id6", "v1", "v2", "v3"]
SCHEMA = pa.schema(
    [
        ("id1", pa.string()),
        ("id2", pa.string()),
        ("id3", pa.string()),
        ("id4", pa.int64()),
        ("id5", pa.int64()),
        ("id6", pa.int64()),
        ("v1", pa.int64()),
        ("v2", pa.int64()),
        ("v3", pa.float64()),
    ]
)
# Stream ids beyond the columns' own indices (0..8).
NA_STREAM = 100


def parse_count(text):
    """Accepts 1e7, 10000000, 1E+07; returns an int."""
    value = float(text)
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text}")
    return int(value)


def pretty_sci(n):
    """Upstream's short form: 10000000 -> '1e7', 100 -> '1e2', 5000000 -> '5e6'.

    A number with more than one significant digit is written out in full.
    """
    exp = len(str(n)) - 1
    mantissa, rest = divmod(n, 10**exp)
    if rest == 0:
        return f"{mantissa}e{exp}"
    return str(n)


def data_name(n, k, na):
    return f"G1_{pretty_sci(n)}_{pretty_sci(k)}_{na}_0"


def rng_for(seed, chunk, stream):
    return np.random.default_rng(np.random.SeedSequence([seed, chunk, stream]))


def chunk_bounds(n):
    return [(start, min(start + CHUNK_ROWS, n)) for start in range(0, n, CHUNK_ROWS)]


def na_counts_per_chunk(n, na, seed, bounds):
    """For each column, how many of its N*NA/100 missing rows fall in each chunk.

    Drawing a multivariate hypergeometric split and then distinct positions
    inside each chunk is the same as sampling N*NA/100 distinct rows of N,
    without ever holding an N-sized permutation.
    """
    total = n * na // 100
    sizes = np.array([end - start for start, end in bounds], dtype=np.int64)
    counts = {}
    for ci, name in enumerate(COLUMNS):
        rng = rng_for(seed, NA_STREAM, ci)
        if total == 0:
            counts[name] = np.zeros(len(bounds), dtype=np.int64)
        else:
            counts[name] = rng.multivariate_hypergeometric(
                sizes, total, method="marginals"
            )
    return counts


def make_chunk(chunk, length, k, seed, dicts, na_counts):
    """One chunk of rows as an Arrow table (plain string columns, no dictionary)."""
    nk = len(dicts["id3"])
    columns = []
    for ci, name in enumerate(COLUMNS):
        rng = rng_for(seed, chunk, ci)
        if name in ("id1", "id2"):
            idx = pa.array(rng.integers(0, k, length, dtype=np.int32))
            arr = pc.take(dicts["small"], idx)
        elif name == "id3":
            idx = pa.array(rng.integers(0, nk, length, dtype=np.int32))
            arr = pc.take(dicts["id3"], idx)
        elif name in ("id4", "id5"):
            arr = pa.array(rng.integers(1, k + 1, length, dtype=np.int64))
        elif name == "id6":
            arr = pa.array(rng.integers(1, nk + 1, length, dtype=np.int64))
        elif name == "v1":
            arr = pa.array(rng.integers(1, 6, length, dtype=np.int64))
        elif name == "v2":
            arr = pa.array(rng.integers(1, 16, length, dtype=np.int64))
        else:  # v3
            arr = pa.array(np.round(rng.uniform(0.0, 100.0, length), 6))
        missing = int(na_counts[name][chunk])
        if missing:
            na_rng = rng_for(seed, chunk, NA_STREAM + ci)
            mask = np.zeros(length, dtype=bool)
            mask[na_rng.choice(length, missing, replace=False)] = True
            arr = pc.if_else(pa.array(mask), pa.nulls(length, arr.type), arr)
        columns.append(arr)
    return pa.Table.from_arrays(columns, schema=SCHEMA)


def close_all(writers, sinks):
    for writer in writers.values():
        writer.close()
    for sink in sinks:
        sink.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=parse_count, default=parse_count("1e7"), help="rows (1e7)")
    parser.add_argument("--k", type=parse_count, default=100, help="groups of id1/id2/id4/id5 (100)")
    parser.add_argument("--na", type=int, default=0, help="percent of missing values per column (0)")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--formats", default="csv,parquet", help="comma list of csv, parquet")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.add_argument("--print-path", metavar="FORMAT", choices=["csv", "parquet"],
                        help="only print the path the FORMAT file has (for make), write nothing")
    args = parser.parse_args()

    formats = [f for f in args.formats.split(",") if f]
    unknown = set(formats) - {"csv", "parquet"}
    if unknown:
        parser.error(f"unknown format(s): {', '.join(sorted(unknown))}")
    if not 0 <= args.na <= 100:
        parser.error("--na must be 0..100")
    if args.n % args.k:
        parser.error("--n must be a multiple of --k")

    n, k = args.n, args.k
    name = data_name(n, k, args.na)
    if args.print_path:
        print(os.path.join(args.out_dir, f"{name}.{args.print_path}"))
        return 0
    os.makedirs(args.out_dir, exist_ok=True)
    targets = {}
    for fmt in formats:
        path = os.path.join(args.out_dir, f"{name}.{fmt}")
        if os.path.exists(path) and not args.force:
            print(f"{path}: exists, skipped (--force to rewrite)")
        else:
            targets[fmt] = path
    if not targets:
        return 0

    start = time.perf_counter()
    # The distinct strings, built once; rows are takes from these.
    dicts = {
        "small": pa.array([f"id{i:03d}" for i in range(1, k + 1)], pa.string()),
        "id3": pa.array([f"id{i:010d}" for i in range(1, n // k + 1)], pa.string()),
    }
    bounds = chunk_bounds(n)
    na_counts = na_counts_per_chunk(n, args.na, args.seed, bounds)

    # Write to a temporary name, renamed at the end: an interrupted run leaves
    # no file that a later run would take as complete.
    partial = {fmt: path + ".partial" for fmt, path in targets.items()}
    writers = {}
    sinks = []
    if "parquet" in partial:
        writers["parquet"] = pq.ParquetWriter(
            partial["parquet"], SCHEMA, compression="snappy", write_statistics=True
        )
    if "csv" in partial:
        # Arrow quotes the header's names; upstream's header is bare, so it is
        # written by hand. No value ever needs quoting (quoting_style "none").
        sinks.append(pa.OSFile(partial["csv"], "wb"))
        sinks[-1].write((",".join(COLUMNS) + "\n").encode())
        writers["csv"] = pacsv.CSVWriter(
            sinks[-1],
            SCHEMA,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"),
        )
    try:
        for chunk, (lo, hi) in enumerate(bounds):
            table = make_chunk(chunk, hi - lo, k, args.seed, dicts, na_counts)
            if "parquet" in writers:
                writers["parquet"].write_table(table, row_group_size=ROW_GROUP_ROWS)
            if "csv" in writers:
                writers["csv"].write_table(table)
            del table
            print(f"  rows {lo:,}..{hi:,} ({time.perf_counter() - start:.1f}s)", flush=True)
    except BaseException:
        close_all(writers, sinks)
        for path in partial.values():
            if os.path.exists(path):
                os.remove(path)
        raise
    close_all(writers, sinks)
    for fmt, path in targets.items():
        os.replace(partial[fmt], path)

    elapsed = time.perf_counter() - start
    for fmt, path in targets.items():
        size = os.path.getsize(path) / 2**20
        print(f"wrote {path} ({n:,} rows, {size:,.1f} MiB)")
    print(f"{name}: {len(targets)} file(s) in {elapsed:.1f}s (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
