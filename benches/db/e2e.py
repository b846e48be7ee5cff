#!/usr/bin/env python3
"""End-to-end db-benchmark: every engine run from a shell as its users run it, result to CSV.

    e2e.py --data FILE.parquet [--partita target/release/partita] [--python PY]
           [--engines partita,polars,duckdb] [--questions q1,...,f1,star]
           [--repeat 3] --out-dir DIR [--keep-outputs]

Every question of the SQL set of engines.py (DuckDB.SQL: q1..q10, s1, s2, f1)
plus `star` (SELECT * FROM x) runs as its own process per run, one process at a
time (never two engines at once), reading the Parquet file and writing the
whole result as a CSV file:

  partita  <partita> sql "<SQL>" --table x=FILE.parquet --format csv -o OUT.csv
           (default semantics, as a user gets them); for `star` also once more
           with `> OUT.csv` (stdout redirected to the file, as a shell does it,
           without a shell process), as the row `star (stdout)`: -o vs stdout.
  polars   <python> -c "import polars as pl; pl.SQLContext(x=pl.scan_parquet(F))
           .execute(SQL).collect().write_csv(OUT)" -- the issue's scan_parquet +
           SQL + write_csv. For `star` the one-liner ends in .sink_csv(OUT)
           instead of .collect().write_csv(OUT): converting a whole file is what
           a Polars user streams (the result never has to be in memory at once);
           every other result is collected first, as the issue measured it.
  duckdb   the `duckdb` CLI if it is on PATH: duckdb -c "COPY (SQL) TO 'OUT'
           (FORMAT csv)"; otherwise <python> -c "import duckdb; duckdb.sql(\"COPY
           (SQL) TO 'OUT' (FORMAT csv)\")". The table is read_parquet('F') in
           place of x.

Time: wall clock of the whole process (perf_counter around it), best of
--repeat, minus the engine's process start: the best of 3 runs of a no-op of the
same kind (`partita --version`; python -c "import polars"; python -c "import
duckdb" or `duckdb --version`), shown in the row `process start`. Peak RSS: the
process's maximum resident set (GNU /usr/bin/time -f %M when it is there, else
os.wait4's ru_maxrss), the max over its runs. (ru_maxrss alone reads high for
small processes: Linux keeps the larger of the forking Python's image and the
new one at exec, so GNU time, a small forking process, is preferred.) A time
can come out negative when a run was quicker than the best no-op start (noise;
the table says so) and its ratio is then left empty. Before anything runs the
Parquet file is read once, so that no engine pays for the page cache.

Answers: each engine's output of a question is read with Polars and compared,
by column position (names may differ, e.g. in case), with the first engine's
output that succeeded: same shape, numbers within a relative 1e-6 (absolute
1e-6 near zero; both missing or both NaN agree), text exactly. Rows are sorted
by all columns first, except: `star` is compared in order; s1 and s2 must have
their ORDER BY columns (id1, v3 / v3) equal in order, then the rows are sorted
within ties by the remaining columns (engines may order tied rows differently);
for s2, whose LIMIT cuts through rows tied on v3, the rows tied with the last
one are compared by v3 only (which of them make the top 10 is unspecified).
On a disagreement both heads are printed, the two CSV files are kept (their
paths are printed), the question's remaining engines still run, no further
question does, and the exit status is 1: no times are printed. An output is deleted as soon as it has been
compared (at most the reference and one other exist at a time); --keep-outputs
keeps them all under DIR/e2e-out/.

An engine that fails a question (non-zero exit, e.g. its SQL lacks a function)
is shown as "—" with a footnote carrying its error; the total row adds q1..q10
over the questions that every engine ran, and says which when not all.

Output: a Markdown table (net seconds per engine, partita / best of the others,
peak RSS per engine in MiB) printed and written to DIR/latest-e2e.md; every
run's raw time and RSS, the start times and the commands go to DIR/e2e.json.

Exit status: 0 all well, 1 answers disagree, 2 bad setup (missing binary or data).
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from compare import machine, rows_of, warm  # noqa: E402  (one description of the run)
from engines import DuckDB  # noqa: E402  (the SQL set; engines.py imports numpy only)

QUESTIONS = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "s1", "s2", "f1", "star"]
GROUPBY = QUESTIONS[:10]
SQL = dict(DuckDB.SQL, star="SELECT * FROM {x}")
ENGINES = ["partita", "polars", "duckdb"]
STDOUT_ROW = "star (stdout)"  # Partita's `star` with its stdout redirected to the file
# Ordered questions: the ORDER BY columns by position in x (id1 = 0, v3 = 8),
# descending or not. `star` has no ORDER BY but must keep the file's order.
ORDER_KEYS = {"s1": [(0, False), (8, True)], "s2": [(8, True)]}
# Questions with a LIMIT after their ORDER BY: which of several rows tied on the
# sort keys at the limit make it in is unspecified (engines legitimately pick
# different ones), so rows tied with the last one are compared by their keys only.
LIMITED = {"s2"}
IN_ORDER = {"star"}
REL_TOL = 1e-6
ABS_TOL = 1e-6
START_RUNS = 3
HEAD_ROWS = 10


class Setup(Exception):
    pass


def default_partita():
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "release", "partita")


# ---------------------------------------------------------------- commands


def py_literal(text):
    return repr(text)


def duckdb_copy(sql, out):
    return f"COPY ({sql}) TO '{out.replace(chr(39), chr(39) * 2)}' (FORMAT csv)"


class Commands:
    """The command line of each engine's run, its no-op start and its version."""

    def __init__(self, partita, python, data):
        self.partita = partita
        self.python = python
        self.data = os.path.abspath(data)
        self.duckdb_cli = shutil.which("duckdb")

    def kind(self, engine):
        if engine == "duckdb":
            return "duckdb CLI" if self.duckdb_cli else "python -c"
        return {"partita": "partita sql", "polars": "python -c"}[engine]

    def run(self, engine, q, out):
        """(argv, stdout path or None): the process that answers q into out."""
        if engine == "partita":
            argv = [self.partita, "sql", SQL["star" if q == STDOUT_ROW else q].format(x="x"), "--table", f"x={self.data}",
                    "--format", "csv"]
            if q == STDOUT_ROW:
                return argv, out
            return argv + ["-o", out], None
        if engine == "polars":
            sql = SQL[q].format(x="x")
            tail = f".sink_csv({py_literal(out)})" if q == "star" else \
                f".collect().write_csv({py_literal(out)})"
            code = (f"import polars as pl; pl.SQLContext(x=pl.scan_parquet({py_literal(self.data)}))"
                    f".execute({py_literal(sql)}){tail}")
            return [self.python, "-c", code], None
        if engine == "duckdb":
            source = "read_parquet('" + self.data.replace("'", "''") + "')"
            statement = duckdb_copy(SQL[q].format(x=source), out)
            if self.duckdb_cli:
                return [self.duckdb_cli, "-c", statement], None
            return [self.python, "-c", f"import duckdb; duckdb.sql({py_literal(statement)})"], None
        raise ValueError(engine)

    def start(self, engine):
        if engine == "partita":
            return [self.partita, "--version"]
        if engine == "duckdb" and self.duckdb_cli:
            return [self.duckdb_cli, "--version"]
        return [self.python, "-c", f"import {engine}"]

    def version(self, engine):
        try:
            if engine == "partita" or (engine == "duckdb" and self.duckdb_cli):
                out = subprocess.run(self.start(engine), capture_output=True, text=True, check=True)
                return out.stdout.strip().split("\n")[0]
            out = subprocess.run([self.python, "-c", f"import {engine}; print({engine}.__version__)"],
                                 capture_output=True, text=True, check=True)
            return f"{engine} {out.stdout.strip()}"
        except (OSError, subprocess.CalledProcessError) as err:
            raise Setup(f"{engine}: cannot get its version: {err}") from None


# ---------------------------------------------------------------- running


def gnu_time():
    """/usr/bin/time if it is GNU time (takes -f %M -o FILE), else None."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    try:
        ok = subprocess.run([path, "-f", "%M", "-o", os.devnull, "true"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return None
    return path if ok else None


class Runner:
    def __init__(self, tmp):
        self.time = gnu_time()
        self.tmp = tmp

    def describe(self):
        return "GNU /usr/bin/time -f %M" if self.time else "os.wait4 ru_maxrss"

    def __call__(self, argv, stdout_path=None):
        """Runs argv once; returns (seconds, peak RSS bytes or None, exit status, stderr text)."""
        err_path = os.path.join(self.tmp, "stderr")
        rss_path = os.path.join(self.tmp, "rss")
        stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
        try:
            with open(err_path, "wb") as err:
                if self.time:
                    cmd = [self.time, "-f", "%M", "-o", rss_path] + argv
                    start = time.perf_counter()
                    status = subprocess.run(cmd, stdout=stdout, stderr=err).returncode
                    seconds = time.perf_counter() - start
                    rss = None
                    try:
                        with open(rss_path) as f:
                            lines = f.read().split()
                        rss = int(lines[-1]) * 1024 if lines else None
                    except (OSError, ValueError):
                        pass
                else:
                    start = time.perf_counter()
                    proc = subprocess.Popen(argv, stdout=stdout, stderr=err)
                    _, wstatus, usage = os.wait4(proc.pid, 0)
                    seconds = time.perf_counter() - start
                    proc.returncode = status = os.waitstatus_to_exitcode(wstatus)
                    rss = usage.ru_maxrss * 1024  # KiB on Linux
        finally:
            if stdout_path:
                stdout.close()
        with open(err_path, errors="replace") as f:
            stderr = f.read()
        return seconds, rss, status, stderr


def error_line(status, stderr):
    lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    # GNU time's own note on a failing command is not the engine's error.
    lines = [ln for ln in lines if not ln.startswith("Command exited with non-zero status")]
    if not lines:
        return f"exit status {status}"
    # A Python traceback's last line is the exception; keep errors short.
    text = lines[-1]
    return (text[:240] + "…") if len(text) > 240 else text


# ---------------------------------------------------------------- answers


def read_csv(path):
    """The CSV as Polars reads it: types inferred; all text if inference fails."""
    import polars as pl

    try:
        return pl.read_csv(path, infer_schema_length=10000)
    except Exception:  # noqa: BLE001  (a column inferred as a number, text further down)
        return pl.read_csv(path, infer_schema_length=0)


def normalize(a, b):
    """Both frames with columns c0..cn, numbers as Float64 where both sides are
    numbers (or text that parses as numbers), else text; raises ValueError on a
    column that is a number on one side and text on the other."""
    import polars as pl

    def numeric(s):
        return s.dtype.is_numeric() or s.dtype == pl.Boolean

    def as_float(s):
        if numeric(s):
            return s.cast(pl.Float64)
        return s.cast(pl.Float64, strict=True)

    cols_a, cols_b = [], []
    for i, (sa, sb) in enumerate(zip(a.get_columns(), b.get_columns())):
        name = f"c{i}"
        if numeric(sa) or numeric(sb):
            try:
                sa, sb = as_float(sa), as_float(sb)
            except Exception:  # noqa: BLE001
                raise ValueError(f"column {i + 1} is a number in one output, text in the other") \
                    from None
        else:
            sa, sb = sa.cast(pl.String), sb.cast(pl.String)
        cols_a.append(sa.alias(name))
        cols_b.append(sb.alias(name))
    return pl.DataFrame(cols_a), pl.DataFrame(cols_b)


def arrange(df, q):
    """Rows in the order the comparison wants (see the docstring)."""
    if q in IN_ORDER:
        return df
    keys = ORDER_KEYS.get(q)
    if keys is None:
        return df.sort(df.columns, nulls_last=True, maintain_order=True)
    if max(i for i, _ in keys) >= df.width:
        return df
    names = [df.columns[i] for i, _ in keys]
    rest = [c for c in df.columns if c not in names]
    # Already ordered by the keys (checked in order); this only sorts tied rows.
    return df.sort(names + rest, descending=[d for _, d in keys] + [False] * len(rest),
                   nulls_last=True, maintain_order=True)


def first_difference(a, b):
    """Index of the first row (and column) where a and b disagree, or None."""
    import polars as pl

    bad = None
    for name in a.columns:
        x, y = a[name], b[name]
        if x.dtype == pl.Float64:
            frame = pl.DataFrame({"x": x, "y": y})
            ok = frame.select(
                (pl.col("x").is_null() & pl.col("y").is_null())
                | (pl.col("x").is_nan() & pl.col("y").is_nan()).fill_null(False)
                | (pl.col("x") == pl.col("y")).fill_null(False)
                | ((pl.col("x") - pl.col("y")).abs()
                   <= pl.max_horizontal(REL_TOL * pl.max_horizontal(pl.col("x").abs(),
                                                                     pl.col("y").abs()),
                                        pl.lit(ABS_TOL))).fill_null(False)
            ).to_series()
        else:
            ok = (x == y).fill_null(False) | (x.is_null() & y.is_null())
        off = (~ok).arg_true()
        if len(off):
            row = int(off[0])
            if bad is None or row < bad[0]:
                bad = (row, name)
    return bad


def compare(ref_path, other_path, q):
    """None if the two outputs agree, else a text saying how they differ (with both heads)."""
    import polars as pl

    a, b = read_csv(ref_path), read_csv(other_path)
    if a.shape != b.shape:
        return (f"shapes differ: {a.shape} vs {b.shape}\n"
                f"columns: {a.columns} vs {b.columns}\n", a.head(HEAD_ROWS), b.head(HEAD_ROWS))
    try:
        na, nb = normalize(a, b)
    except ValueError as err:
        return str(err) + "\n", a.head(HEAD_ROWS), b.head(HEAD_ROWS)
    keys = ORDER_KEYS.get(q)
    if keys is not None and max(i for i, _ in keys) < na.width:
        names = [na.columns[i] for i, _ in keys]
        diff = first_difference(na.select(names), nb.select(names))
        if diff is not None:
            row = diff[0]
            lo = max(0, row - 2)
            return (f"ORDER BY columns differ in order at row {row} "
                    f"(column {int(diff[1][1:]) + 1})\n",
                    a.slice(lo, HEAD_ROWS), b.slice(lo, HEAD_ROWS))
    na, nb = arrange(na, q), arrange(nb, q)
    if q in LIMITED and keys is not None and na.height:
        # Keys equal in order (checked above): drop the rows tied with the last.
        names = [na.columns[i] for i, _ in keys]
        last = na.select(names).row(na.height - 1)
        tied = pl.all_horizontal([pl.col(n) == v for n, v in zip(names, last)])
        na, nb = na.filter(~tied), nb.filter(~tied)
    diff = first_difference(na, nb)
    if diff is None:
        return None
    row = diff[0]
    lo = max(0, row - 2)
    how = "in order" if q in IN_ORDER else "after sorting"
    with pl.Config(tbl_cols=-1, tbl_width_chars=200):
        return (f"values differ {how} at row {row}, column {int(diff[1][1:]) + 1} "
                f"({a.columns[int(diff[1][1:])]!r}); rows from {lo}:\n",
                na.slice(lo, HEAD_ROWS).rename(dict(zip(na.columns, a.columns))),
                nb.slice(lo, HEAD_ROWS).rename(dict(zip(nb.columns, b.columns))))


# ---------------------------------------------------------------- report


def build_table(raw, engines, questions):
    """The Markdown table and its footnotes."""
    notes = []  # (engine, question, error)

    def net(engine, q):
        r = raw["questions"].get(q, {}).get(engine)
        if not r or r.get("error"):
            return None
        return min(r["seconds"]) - raw["start"][engine]["best"]

    def cell_time(engine, q):
        r = raw["questions"].get(q, {}).get(engine)
        if r is None:
            return ""
        if r.get("error"):
            notes.append((engine, q, r["error"]))
            return f"— [{len(notes)}]"
        return f"{net(engine, q):.3f}"

    def cell_rss(engine, q):
        r = raw["questions"].get(q, {}).get(engine)
        if not r or r.get("error") or not any(r["rss_bytes"]):
            return ""
        return f"{max(x for x in r['rss_bytes'] if x) / 2**20:.0f}"

    others = [e for e in engines if e != "partita"]
    ratio_head = ["partita / best of others"] if "partita" in engines and others else []
    header = ["question"] + engines + ratio_head + [f"{e} MiB" for e in engines]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def ratio(p, rest):
        rest = [t for t in rest if t is not None]
        if p is None or p <= 0 or not rest or min(rest) <= 0:
            return ""
        return f"{p / min(rest):.2f}"

    # The process start row: what is subtracted from every other row.
    start = raw["start"]
    cells = ["process start"] + [f"{start[e]['best']:.3f}" for e in engines]
    if ratio_head:
        cells.append(ratio(start["partita"]["best"], [start[e]["best"] for e in others]))
    cells += [f"{max(start[e]['rss_bytes']) / 2**20:.0f}" if all(start[e]["rss_bytes"]) else ""
              for e in engines]
    lines.append("| " + " | ".join(cells) + " |")

    def row(q, label=None, ratio_against=None):
        cells = [label or q] + [cell_time(e, q) for e in engines]
        if ratio_head:
            against = ratio_against or q
            cells.append(ratio(net("partita", q), [net(e, against) for e in others]))
        cells += [cell_rss(e, q) for e in engines]
        lines.append("| " + " | ".join(cells) + " |")

    for q in [q for q in GROUPBY if q in questions]:
        row(q)
    grouped = [q for q in GROUPBY if q in questions]
    everyone = [q for q in grouped if all(net(e, q) is not None for e in engines)]
    if everyone:
        label = "q1..q10 total" if everyone == GROUPBY else \
            "total of " + ",".join(everyone) + " (every engine ran them)"
        totals = {e: sum(net(e, q) for q in everyone) for e in engines}
        cells = [label] + [f"{totals[e]:.3f}" for e in engines]
        if ratio_head:
            cells.append(ratio(totals["partita"], [totals[e] for e in others]))
        cells += [""] * len(engines)
        lines.append("| " + " | ".join(cells) + " |")
    for q in [q for q in QUESTIONS[10:] if q in questions]:
        row(q)
        if q == "star" and STDOUT_ROW in raw["questions"]:
            row(STDOUT_ROW, ratio_against="star")
    text = "\n".join(lines) + "\n"
    negative = [f"{e} {q}" for q in raw["questions"] for e in engines
                if net(e, q) is not None and net(e, q) < 0]
    if negative:
        text += ("\nNegative (" + ", ".join(negative) + "): the run was quicker than the "
                 "engine's best no-op start, i.e. within the noise of the start time.\n")
    if notes:
        text += "\n" + "\n".join(f"[{i}] {e} failed {q}: {err}"
                                 for i, (e, q, err) in enumerate(notes, 1)) + "\n"
    return text


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the G1_*.parquet file")
    parser.add_argument("--partita", default=default_partita(),
                        help="the partita binary (default: target/release/partita)")
    parser.add_argument("--python", default=sys.executable,
                        help="Python with polars and duckdb (the bench venv)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--questions", default=",".join(QUESTIONS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--keep-outputs", action="store_true",
                        help="keep every output CSV under OUT_DIR/e2e-out/")
    args = parser.parse_args()

    engines = [e for e in args.engines.split(",") if e]
    if not engines or any(e not in ENGINES for e in engines) or len(set(engines)) != len(engines):
        parser.error(f"--engines: a comma list of {', '.join(ENGINES)}, each once")
    engines = [e for e in ENGINES if e in engines]
    questions = [q for q in args.questions.split(",") if q]
    unknown = [q for q in questions if q not in QUESTIONS]
    if unknown:
        parser.error(f"unknown question(s): {', '.join(unknown)}")
    questions = [q for q in QUESTIONS if q in questions]
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not os.path.isfile(args.data):
        print(f"no data file {args.data} (make bench-data generates it)", file=sys.stderr)
        return 2
    if "partita" in engines and not os.access(args.partita, os.X_OK):
        print(f"no partita binary at {args.partita}: build it with "
              "`cargo build --release -p partita-cli` (make bench-e2e does)", file=sys.stderr)
        return 2

    os.makedirs(args.out_dir, exist_ok=True)
    out_dir = os.path.join(args.out_dir, "e2e-out")
    os.makedirs(out_dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="e2e-", dir=args.out_dir)  # stderr and GNU time's output
    try:
        return run(args, engines, questions, out_dir, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            os.rmdir(out_dir)  # only if empty: kept outputs stay
        except OSError:
            pass


def run(args, engines, questions, out_dir, tmp):
    commands = Commands(os.path.abspath(args.partita), args.python, args.data)
    runner = Runner(tmp)
    try:
        versions = {e: commands.version(e) for e in engines}
    except Setup as err:
        print(err, file=sys.stderr)
        return 2

    raw = {
        "data": os.path.basename(args.data),
        "machine": machine(),
        "repeat": args.repeat,
        "rss": runner.describe(),
        "versions": versions,
        "kinds": {e: commands.kind(e) for e in engines},
        "start": {},
        "questions": {},
    }
    print(f"# e2e: {raw['data']}, {', '.join(versions.values())}; best of {args.repeat}; "
          f"peak RSS by {runner.describe()}", flush=True)
    warm(args.data)

    for e in engines:
        argv = commands.start(e)
        runs = [runner(argv) for _ in range(START_RUNS)]
        failed = [r for r in runs if r[2] != 0]
        if failed:
            print(f"{e}: its no-op start ({shlex.join(argv)}) failed: "
                  f"{error_line(failed[0][2], failed[0][3])}", file=sys.stderr)
            return 2
        raw["start"][e] = {"cmd": argv, "seconds": [r[0] for r in runs],
                           "rss_bytes": [r[1] for r in runs], "best": min(r[0] for r in runs)}
        print(f"process start {e}: {shlex.join(argv)}", flush=True)

    mismatches = []
    for q in questions:
        runs = [(e, q) for e in engines]
        if q == "star" and "partita" in engines:
            runs.insert(engines.index("partita") + 1, ("partita", STDOUT_ROW))
        ref = None  # (label, path) of the first output that succeeded
        for e, variant in runs:
            label = e if variant == q else f"{e} {variant}"
            out = os.path.join(out_dir, f"{q}-{e}{'-stdout' if variant != q else ''}.csv")
            argv, stdout_path = commands.run(e, variant, out)
            record = {"cmd": argv if not stdout_path else argv + [">", out],
                      "seconds": [], "rss_bytes": [], "error": None}
            raw["questions"].setdefault(variant, {})[e] = record
            for _ in range(args.repeat):
                if os.path.exists(out):
                    os.remove(out)  # a failed run must not leave an old answer behind
                seconds, rss, status, stderr = runner(argv, stdout_path)
                if status == 0 and not os.path.isfile(out):
                    status, stderr = -1, f"no output file {out}"
                if status != 0:
                    record["error"] = error_line(status, stderr)
                    break
                record["seconds"].append(seconds)
                record["rss_bytes"].append(rss)
            if record["error"]:
                record["seconds"], record["rss_bytes"] = [], []
                print(f"{q}: {label} FAILED: {record['error']}", flush=True)
                if os.path.exists(out) and not args.keep_outputs:
                    os.remove(out)
                continue
            if ref is None:
                ref = (label, out)
                print(f"{q}: {label} ran", flush=True)
                continue
            diff = compare(ref[1], out, q)
            if diff is None:
                print(f"{q}: {label} ran, agrees with {ref[0]}", flush=True)
                if not args.keep_outputs:
                    os.remove(out)
            else:
                print(f"{q}: {label} DISAGREES with {ref[0]}", flush=True)
                mismatches.append((q, ref, (label, out), diff))
        if ref is not None and not args.keep_outputs \
                and not any(m[0] == q for m in mismatches):
            os.remove(ref[1])
        ran = [e for e, v in runs if not raw["questions"][v][e]["error"]]
        if len(ran) < 2 and len(runs) > 1:
            print(f"{q}: fewer than two engines answered: nothing to compare", flush=True)
        if mismatches:
            break  # the question's engines all ran; the rest would not be printed

    md_path = os.path.join(args.out_dir, "latest-e2e.md")
    json_path = os.path.join(args.out_dir, "e2e.json")
    raw["agree"] = not mismatches
    with open(json_path, "w") as f:
        json.dump(raw, f, indent=1)
        f.write("\n")

    if mismatches:
        import polars as pl

        report = [f"# db-benchmark end-to-end, {raw['data']}: answers disagree\n"]
        with pl.Config(tbl_cols=-1, tbl_width_chars=200, tbl_rows=HEAD_ROWS):
            for q, (ref_label, ref_path), (label, path), (how, head_a, head_b) in mismatches:
                sql = SQL["star" if q == STDOUT_ROW else q].format(x="x")
                report.append(f"## {q}: {label} vs {ref_label}\n\nSQL: {sql}\n\n{how}\n"
                              f"{ref_label} ({ref_path}):\n{head_a}\n\n{label} ({path}):\n{head_b}\n")
        text = "\n".join(report)
        print("\n" + text)
        with open(md_path, "w") as f:
            f.write(text)
        print(f"(written to {md_path}; the disagreeing CSV files are kept)", file=sys.stderr)
        return 1

    kinds = "; ".join(f"{e}: {commands.kind(e)}" for e in engines)
    text = (
        f"# db-benchmark end-to-end (result to a CSV file), {raw['data']}\n\n"
        f"- machine: {raw['machine']}\n"
        f"- N: {rows_of(args.data)} rows; every run its own process, one at a time; "
        f"best of {args.repeat} run(s), seconds of wall clock minus the engine's process "
        f"start (best of {START_RUNS} no-op runs, the row `process start`)\n"
        f"- engines: {', '.join(versions.values())} ({kinds})\n"
        f"- peak RSS: max over the runs, MiB ({runner.describe()})\n"
        f"- answers agree (the output CSV files: same shape, numbers within {REL_TOL:g}, "
        f"text exactly)\n\n"
        + build_table(raw, engines, questions)
    )
    if STDOUT_ROW in raw["questions"]:
        text += (f"\n`{STDOUT_ROW}`: partita writing to its stdout redirected to the file "
                 "(`> out.csv`) instead of `-o out.csv`; its ratio is against the others' `star`.\n")
    if "polars" in engines and "star" in questions:
        text += "\npolars `star` streams (`.sink_csv`); its other questions `.collect().write_csv`.\n"
    print("\n" + text)
    with open(md_path, "w") as f:
        f.write(text)
    print(f"(written to {md_path}; raw timings in {json_path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
