#!/usr/bin/env python3
"""Deterministic generator of the db-benchmark join tables J1_<N>_*_0_0 (NA = 0).

    gen_join_data.py --n 1e7 --out-dir DIR [--seed 2026] [--force]
                     [--print-path x|small|medium|big]

Four Parquet files, named as upstream (N = 1e7: J1_1e7_NA_0_0 and so on):

    x       J1_<N>_NA_0_0        N rows        id1, id2, id3, id4, id5, id6, v1
    small   J1_<N>_<N/1e6>_0_0   N/1e6 rows    id1, id4, v2
    medium  J1_<N>_<N/1e3>_0_0   N/1e3 rows    id1, id2, id4, id5, v2
    big     J1_<N>_<N>_0_0       N rows        id1, id2, id3, id4, id5, id6, v2

(small and medium have at least 1 row, so N = 1e5 works for a quick test.)
As upstream's join-datagen.R: three key spaces of N/1e6, N/1e3 and N keys are
each a random permutation of 1..1.1n split into x (0.9n keys), l (0.1n) and
r (0.1n). x's id1/id2/id3 take every key of x ∪ l, then draws with
replacement from them up to N rows, shuffled; a right table's keys are every
key of x ∪ r, shuffled (so they are unique, and about 90% of x's rows find a
match). id4, id5, id6 are "id%d" of id1, id2, id3 (strings); v1 and v2 are
uniform [0, 100) rounded to 6 decimals (float64); the other ids are int64.

Every random draw has its own stream, seeded by (seed, stream id): the output
depends only on the arguments. Existing files are kept unless --force; a file
is written under a temporary name and renamed when complete.
"""

import argparse
import os
import re
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gen_data import parse_count, pretty_sci

ROW_GROUP_ROWS = 1_000_000
TABLES = ["x", "small", "medium", "big"]
RIGHT_TABLES = TABLES[1:]
# The key space (and the right table's rows) of each key column, as N / divisor.
KEY_DIVISORS = {"id1": 10**6, "id2": 10**3, "id3": 1}
COLUMNS = {
    "x": ["id1", "id2", "id3", "id4", "id5", "id6", "v1"],
    "small": ["id1", "id4", "v2"],
    "medium": ["id1", "id2", "id4", "id5", "v2"],
    "big": ["id1", "id2", "id3", "id4", "id5", "id6", "v2"],
}
# The string columns and the int64 key each one spells ("id%d").
STRING_OF = {"id4": "id1", "id5": "id2", "id6": "id3"}
# Stream ids: the key permutations, then per table (x, small, medium, big) its columns.
KEY_STREAM = {"id1": 0, "id2": 1, "id3": 2}
TABLE_STREAM = {"x": 10, "small": 20, "medium": 30, "big": 40}


def key_space(n, key):
    """Keys (and right-table rows) of an id column: N/1e6, N/1e3 or N, at least 1."""
    return max(1, (n + KEY_DIVISORS[key] // 2) // KEY_DIVISORS[key])


def table_rows(n, table):
    if table in ("x", "big"):
        return n
    return key_space(n, "id1" if table == "small" else "id2")


def file_name(n, table):
    size = "NA" if table == "x" else pretty_sci(table_rows(n, table))
    return f"J1_{pretty_sci(n)}_{size}_0_0.parquet"


def join_paths(x_path):
    """The right tables' paths next to the x table: {small: ..., medium: ..., big: ...}.

    x_path must be named as this script names it (J1_<N>_NA_0_0.parquet);
    raises ValueError otherwise.
    """
    directory, base = os.path.split(x_path)
    m = re.fullmatch(r"J1_([^_]+)_NA_0_0\.parquet", base)
    if not m:
        raise ValueError(f"{x_path}: not a join x table's name (J1_<N>_NA_0_0.parquet)")
    try:
        n = parse_count(m.group(1))
    except argparse.ArgumentTypeError as err:
        raise ValueError(f"{x_path}: {err}") from None
    return {t: os.path.join(directory, file_name(n, t)) for t in RIGHT_TABLES}


def rng_for(seed, stream):
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


def split_xlr(n, rng):
    """Upstream's split_xlr: a permutation of 1..1.1n cut into x (0.9n), l and r (0.1n each)."""
    tenth = (n + 5) // 10
    keys = rng.permutation(np.arange(1, n + tenth + 1, dtype=np.int64))
    nx = n - tenth
    return {"x": keys[:nx], "l": keys[nx:n], "r": keys[n:]}


def sample_all(keys, size, rng):
    """Every key once, then size - len(keys) draws with replacement, all shuffled."""
    assert len(keys) <= size, (len(keys), size)
    extra = rng.choice(keys, size - len(keys), replace=True)
    return rng.permutation(np.concatenate([keys, extra]))


def id_strings(ints):
    """"id%d" of every value, vectorised (Arrow)."""
    return pc.binary_join_element_wise("id", pc.cast(pa.array(ints), pa.string()), "")


def make_table(table, n, seed, splits):
    """One table as Arrow (int64 keys, string ids, float64 value)."""
    rows = table_rows(n, table)
    side = "l" if table == "x" else "r"
    ints = {}
    arrays = []
    for ci, name in enumerate(COLUMNS[table]):
        rng = rng_for(seed, TABLE_STREAM[table] + ci)
        if name in KEY_STREAM:
            split = splits[name]
            ints[name] = sample_all(np.concatenate([split["x"], split[side]]), rows, rng)
            arrays.append(pa.array(ints[name]))
        elif name in STRING_OF:
            arrays.append(id_strings(ints[STRING_OF[name]]))
        else:  # v1, v2
            arrays.append(pa.array(np.round(rng.uniform(0.0, 100.0, rows), 6)))
    return pa.Table.from_arrays(arrays, names=COLUMNS[table])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=parse_count, default=parse_count("1e7"), help="rows of x (1e7)")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.add_argument("--print-path", metavar="TABLE", choices=TABLES,
                        help="only print the path TABLE (x, small, medium, big) has (for make), "
                        "write nothing")
    args = parser.parse_args()

    n = args.n
    if args.print_path:
        print(os.path.join(args.out_dir, file_name(n, args.print_path)))
        return 0
    os.makedirs(args.out_dir, exist_ok=True)
    targets = {}
    for table in TABLES:
        path = os.path.join(args.out_dir, file_name(n, table))
        if os.path.exists(path) and not args.force:
            print(f"{path}: exists, skipped (--force to rewrite)")
        else:
            targets[table] = path
    if not targets:
        return 0

    start = time.perf_counter()
    splits = {key: split_xlr(key_space(n, key), rng_for(args.seed, stream))
              for key, stream in KEY_STREAM.items()}
    for table, path in targets.items():
        data = make_table(table, n, args.seed, splits)
        # Written to a temporary name, renamed at the end: an interrupted run
        # leaves no file that a later run would take as complete.
        partial = path + ".partial"
        try:
            pq.write_table(data, partial, row_group_size=ROW_GROUP_ROWS,
                           compression="snappy", write_statistics=True)
        except BaseException:
            if os.path.exists(partial):
                os.remove(partial)
            raise
        os.replace(partial, path)
        size = os.path.getsize(path) / 2**20
        print(f"wrote {path} ({data.num_rows:,} rows, {size:,.1f} MiB, "
              f"{time.perf_counter() - start:.1f}s)", flush=True)
        del data

    elapsed = time.perf_counter() - start
    print(f"J1_{pretty_sci(n)}: {len(targets)} file(s) in {elapsed:.1f}s (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
