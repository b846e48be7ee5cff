#!/usr/bin/env python3
"""Runs the db-benchmark groupby or join questions on several engines and compares them.

    compare.py [--task groupby|join] --data FILE.parquet --mode memory|scan
               --engines partita,partita-sql,polars,duckdb,pandas
               --partita-cmd "<command prefix>" --python <venv python>
               --repeat 2 --out-dir DIR [--questions q1,...] [--max-rss ENGINE=MIB]

Each engine runs as its own process, one after another (never two at once):
the Python ones as `<python> engines.py --engine E ...`, Partita's two
(`partita`, the Rust API, and `partita-sql`) as `<partita-cmd> --engine E ...`
with the same arguments; every runner writes DIR/<engine>-<mode>.json.
An engine may be given its own mode as ENGINE:MODE (e.g. polars:memory).

Then the answers must agree (row count, and every checksum entry within a
relative 1e-6, absolute 1e-6 near zero) before any time is printed; on a
disagreement the values are printed and the exit status is 1. Otherwise one
Markdown table of best times, Partita's ratios, load time and peak RSS is
printed and written to DIR/latest-<mode>.md.

--task join (memory mode only): --data is the x table J1_<N>_NA_0_0.parquet
of gen_join_data.py, which also names the right tables next to it; every
runner (the Python ones are join_engines.py) gets `--task join --small S
--medium M --big B` besides the arguments above and writes
DIR/<engine>-join.json; the questions are j1..j5, the checksums' counts (their
even entries) must agree exactly, and the table goes to DIR/latest-join.md.

Exit status: 0 all well, 1 answers disagree, 2 a runner failed,
3 an engine's peak RSS is above its --max-rss.
"""

import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time

QUESTIONS = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "s1", "s2", "f1"]
GROUPBY = QUESTIONS[:10]  # the "q1..q10 total" row
JOIN_QUESTIONS = ["j1", "j2", "j3", "j4", "j5"]
TASK_QUESTIONS = {"groupby": QUESTIONS, "join": JOIN_QUESTIONS}
# The questions of the total row, and its label when they all ran.
TOTALS = {"groupby": (GROUPBY, "q1..q10 total"), "join": (JOIN_QUESTIONS, "j1..j5 total")}
PARTITA_ENGINES = ("partita", "partita-sql")
PYTHON_ENGINES = ("polars", "duckdb", "pandas")
REL_TOL = 1e-6
ABS_TOL = 1e-6
# Acceptance thresholds of the Rust API engine's ratio (its time / the other's).
POLARS_QUESTION_MAX = 3.0
POLARS_TOTAL_MAX = 1.5
# Questions with their own limit against Polars: the full sort and the top-k/filter.
POLARS_QUESTION_LIMITS = {"s1": 1.0, "s2": 2.0, "f1": 2.0}
POLARS_RSS_MAX = 1.5
PANDAS_MAX = 1.0
# The join task's: against Polars only (pandas' ratios are shown, not held to a limit).
JOIN_POLARS_QUESTION_MAX = 2.0
JOIN_POLARS_TOTAL_MAX = 1.5
JOIN_POLARS_RSS_MAX = 1.5

HERE = os.path.dirname(os.path.abspath(__file__))


class RunnerFailed(Exception):
    pass


def parse_engines(text, default_mode):
    """'partita,polars:memory' -> [('partita', default_mode), ('polars', 'memory')]."""
    engines = []
    for item in text.split(","):
        if not item:
            continue
        name, _, mode = item.partition(":")
        if name not in PARTITA_ENGINES + PYTHON_ENGINES:
            raise ValueError(f"unknown engine {name!r}")
        if mode and mode not in ("memory", "scan"):
            raise ValueError(f"unknown mode {mode!r} for {name}")
        engines.append((name, mode or default_mode))
    return engines


def run_engine(name, mode, args, questions, out_path, right=None):
    """Runs one engine's process; returns its parsed JSON or raises RunnerFailed.

    right: the join task's {small, medium, big} paths (None for groupby).
    """
    common = ["--engine", name]
    if right is not None:
        common += ["--task", "join"]
    common += ["--data", os.path.abspath(args.data)]
    if right is not None:
        for table in ("small", "medium", "big"):
            common += [f"--{table}", os.path.abspath(right[table])]
    common += [
        "--mode", mode,
        "--questions", ",".join(questions),
        "--repeat", str(args.repeat),
        "--out", os.path.abspath(out_path),
    ]
    if name in PARTITA_ENGINES:
        if not args.partita_cmd:
            raise RunnerFailed(f"{name}: no --partita-cmd given")
        cmd = shlex.split(args.partita_cmd) + common
    else:
        runner = "engines.py" if right is None else "join_engines.py"
        cmd = [args.python, os.path.join(HERE, runner)] + common
    if os.path.exists(out_path):
        os.remove(out_path)  # a failed runner must not leave an old answer behind
    print(f"## {name} ({mode}): {shlex.join(cmd)}", flush=True)
    start = time.perf_counter()
    try:
        status = subprocess.run(cmd).returncode
    except OSError as err:
        raise RunnerFailed(f"{name}: cannot start {cmd[0]!r}: {err}") from None
    print(f"## {name}: exit {status} after {time.perf_counter() - start:.1f}s", flush=True)
    if status != 0:
        raise RunnerFailed(f"{name}: runner exited with status {status}")
    try:
        with open(out_path) as f:
            result = json.load(f)
    except (OSError, ValueError) as err:
        raise RunnerFailed(f"{name}: no readable result in {out_path}: {err}") from None
    problems = validate(result, name, mode, questions, args.task)
    if problems:
        raise RunnerFailed(f"{name}: malformed result in {out_path}: " + "; ".join(problems))
    return result


def validate(result, name, mode, questions, task):
    """The fields compare.py relies on; returns a list of problems."""
    problems = []
    if result.get("engine") != name:
        problems.append(f"engine is {result.get('engine')!r}, expected {name!r}")
    if task == "join" and result.get("task") != "join":
        problems.append(f"task is {result.get('task')!r}, expected 'join'")
    if result.get("mode") != mode:
        problems.append(f"mode is {result.get('mode')!r}, expected {mode!r}")
    answers = result.get("questions")
    if not isinstance(answers, dict):
        return problems + ["no questions object"]
    for q in questions:
        if q not in answers:
            # A runner may skip a question it cannot answer (pandas in scan mode).
            continue
        a = answers[q]
        if not (isinstance(a.get("seconds"), list) and a["seconds"]):
            problems.append(f"{q}: no seconds")
        if not isinstance(a.get("rows"), int):
            problems.append(f"{q}: rows is not an integer")
        if not isinstance(a.get("checksum"), list):
            problems.append(f"{q}: checksum is not a list")
    return problems


def close(a, b):
    if a is None or b is None:  # null stands for NaN (a nan-sum never is)
        return a is None and b is None
    return abs(a - b) <= max(REL_TOL * max(abs(a), abs(b)), ABS_TOL)


def entry_agrees(task, i, a, b):
    """Checksum entry i of two answers: the join task's counts (its even
    entries) exactly, any other entry by close()."""
    if task == "join" and i % 2 == 0:
        return a == b
    return close(a, b)


def disagreements(results, names, labels, task):
    """Questions on which some engine's answer is off the reference's.

    The reference is the first engine other than Partita's that answered
    (falling back to the first one): the mismatch table then marks Partita's
    values, not the others'. Returns {question: [(label, answer), ...]} with
    the reference first.
    """
    bad = {}
    for q in TASK_QUESTIONS[task]:
        answers = [(name, label, r["questions"][q])
                   for name, label, r in zip(names, labels, results) if q in r["questions"]]
        if len(answers) < 2:
            continue
        answers.sort(key=lambda a: a[0] in PARTITA_ENGINES)  # stable: keeps the given order
        answers = [(label, a) for _, label, a in answers]
        _, ref = answers[0]
        for label, a in answers[1:]:
            same = (
                a["rows"] == ref["rows"]
                and len(a["checksum"]) == len(ref["checksum"])
                and all(entry_agrees(task, i, x, y)
                        for i, (x, y) in enumerate(zip(a["checksum"], ref["checksum"])))
            )
            if not same:
                bad[q] = answers
                break
    return bad


def fmt_value(v):
    if v is None:
        return "NaN"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def mismatch_report(bad, task):
    lines = ["Answers disagree (rows; checksum). The first engine of each question is the "
             "reference; `*` marks a value off it.", "",
             "| question | engine | rows | checksum |", "|---|---|---|---|"]
    for q, answers in bad.items():
        ref = answers[0][1]
        for label, a in answers:
            rows = str(a["rows"]) + ("" if a["rows"] == ref["rows"] else " *")
            sums = []
            for i, v in enumerate(a["checksum"]):
                off = i >= len(ref["checksum"]) or not entry_agrees(task, i, v, ref["checksum"][i])
                sums.append(fmt_value(v) + (" *" if off else ""))
            if len(a["checksum"]) != len(ref["checksum"]):
                sums.append(f"({len(a['checksum'])} entries, reference has {len(ref['checksum'])}) *")
            lines.append(f"| {q} | {label} | {rows} | {', '.join(sums)} |")
    return "\n".join(lines) + "\n"


def machine():
    cpu = platform.processor() or "unknown CPU"
    mem = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                    break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return f"{cores} cores (nproc), {cpu}, {mem} memory"


def rows_of(data):
    """N from upstream's file name G1_<N>_<K>_<NA>_0 or J1_<N>_NA_0_0, e.g. 1e7."""
    m = re.match(r"(?:G1|J1)_([^_]+)_([^_]+)_([^_]+)_", os.path.basename(data))
    return m.group(1) if m else "?"


def best(a):
    return min(a["seconds"])


def ratio_cell(num, den, limit):
    if num is None or den is None or den <= 0:
        return ""
    r = num / den
    return f"{r:.2f}" + ("!" if limit is not None and r > limit else "")


def limits(task):
    """Partita's acceptance thresholds against each other engine:
    (engine, question limit(q), total limit, load limit, peak RSS limit); None is none."""
    if task == "join":
        return (
            ("polars", lambda q: JOIN_POLARS_QUESTION_MAX, JOIN_POLARS_TOTAL_MAX, None,
             JOIN_POLARS_RSS_MAX),
            ("duckdb", lambda q: None, None, None, None),
            ("pandas", lambda q: None, None, None, None),
        )
    return (
        ("polars", lambda q: POLARS_QUESTION_LIMITS.get(q, POLARS_QUESTION_MAX),
         POLARS_TOTAL_MAX, None, POLARS_RSS_MAX),
        ("duckdb", lambda q: None, None, None, None),
        ("pandas", lambda q: PANDAS_MAX, PANDAS_MAX, PANDAS_MAX, None),
    )


def table(results, labels, names, questions, task):
    """The Markdown table of best times (s), ratios, load and peak RSS.

    A ratio between engines run in different modes (bench-scale's Partita
    scanning vs Polars in memory) is shown but never marked: the thresholds
    are for like against like.
    """
    by_name = dict(zip(names, results))
    mode = {n: r.get("mode") for n, r in zip(names, results)}
    # (numerator engine, denominator engine, question limit, total limit, load limit)
    ratios = []
    for num in ("partita", "partita-sql"):
        if num not in by_name:
            continue
        for den, q_lim, t_lim, l_lim, r_lim in limits(task):
            # partita-sql is compared with polars only.
            if den in by_name and (num == "partita" or den == "polars"):
                if mode[num] != mode[den]:
                    q_lim, t_lim, l_lim, r_lim = (lambda q: None), None, None, None
                ratios.append((num, den, q_lim, t_lim, l_lim, r_lim))

    header = ["question"] + labels + [f"{n} / {d}" for n, d, *_ in ratios]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def times_of(q):
        return {n: best(r["questions"][q]) if q in r["questions"] else None
                for n, r in zip(names, results)}

    for q in questions:
        t = times_of(q)
        cells = [q] + [f"{t[n]:.3f}" if t[n] is not None else "n/a" for n in names]
        cells += [ratio_cell(t[n], t[d], ql(q)) for n, d, ql, _, _, _ in ratios]
        lines.append("| " + " | ".join(cells) + " |")

    all_totalled, total_label = TOTALS[task]
    grouped = [q for q in questions if q in all_totalled]
    if grouped:
        total = {}
        for n, r in zip(names, results):
            have = [best(r["questions"][q]) for q in grouped if q in r["questions"]]
            total[n] = sum(have) if len(have) == len(grouped) else None
        label = total_label if grouped == all_totalled else "total of " + ",".join(grouped)
        cells = [label] + [f"{total[n]:.3f}" if total[n] is not None else "n/a" for n in names]
        cells += [ratio_cell(total[n], total[d], tl) for n, d, _, tl, _, _ in ratios]
        lines.append("| " + " | ".join(cells) + " |")

    load = {n: r.get("load_seconds") for n, r in zip(names, results)}
    cells = ["load"] + [f"{load[n]:.3f}" if load[n] is not None else "n/a" for n in names]
    cells += [ratio_cell(load[n], load[d], ll) for n, d, _, _, ll, _ in ratios]
    lines.append("| " + " | ".join(cells) + " |")

    rss = {n: r.get("peak_rss_bytes") for n, r in zip(names, results)}
    cells = ["peak RSS (MiB)"] + [f"{rss[n] / 2**20:.0f}" if rss[n] else "n/a" for n in names]
    cells += [ratio_cell(rss[n], rss[d], rl) for n, d, _, _, _, rl in ratios]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def legend(engines, task):
    mode = dict(engines)
    partita = [n for n in PARTITA_ENGINES if n in mode]
    rules = []
    if "polars" in mode and any(mode[n] == mode["polars"] for n in partita):
        if task == "join":
            rules.append(f"partita / polars: a question > {JOIN_POLARS_QUESTION_MAX:g}, "
                         f"the total > {JOIN_POLARS_TOTAL_MAX:g}, "
                         f"peak RSS > {JOIN_POLARS_RSS_MAX:g}")
        else:
            rules.append(f"partita / polars: a question > {POLARS_QUESTION_MAX:g} "
                         f"(s1 > {POLARS_QUESTION_LIMITS['s1']:g}, s2 or f1 > "
                         f"{POLARS_QUESTION_LIMITS['s2']:g}), the total > {POLARS_TOTAL_MAX:g}, "
                         f"peak RSS > {POLARS_RSS_MAX:g}")
    if task == "groupby" and "pandas" in mode and mode.get("partita") == mode["pandas"]:
        rules.append(f"partita / pandas: any ratio > {PANDAS_MAX:g}")
    text = ""
    if rules:
        text += "\n`!`: above the acceptance threshold (" + "; ".join(rules) + ").\n"
    if len(set(mode.values())) > 1:
        text += "\nEngines ran in different modes: their ratios are not held to the thresholds.\n"
    return text


def warm(path):
    """Reads `path` once, so that it is in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="groupby", choices=["groupby", "join"])
    parser.add_argument("--data", required=True,
                        help="the G1_*.parquet file (join: the x table, J1_<N>_NA_0_0.parquet)")
    parser.add_argument("--mode", required=True, choices=["memory", "scan"])
    parser.add_argument("--engines", default="partita,partita-sql,polars,duckdb,pandas",
                        help="comma list of ENGINE or ENGINE:MODE")
    parser.add_argument("--partita-cmd", default="",
                        help="command prefix of Partita's runner, e.g. 'cargo bench -q --bench db --'")
    parser.add_argument("--python", default=sys.executable,
                        help="Python with polars, duckdb, pandas (the bench venv)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--questions", help="comma list (default: all of the task's)")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--max-rss", action="append", default=[], metavar="ENGINE=MIB",
                        help="fail (exit 3) if ENGINE's peak RSS is above MIB MiB; repeatable")
    args = parser.parse_args()

    try:
        engines = parse_engines(args.engines, args.mode)
    except ValueError as err:
        parser.error(str(err))
    if not engines:
        parser.error("no engines")
    if len({n for n, _ in engines}) != len(engines):
        parser.error("an engine is listed twice")
    if args.task == "join" and any(m != "memory" for _, m in engines):
        parser.error("the join task runs in memory mode only")
    task_questions = TASK_QUESTIONS[args.task]
    questions = [q for q in (args.questions or ",".join(task_questions)).split(",") if q]
    unknown = [q for q in questions if q not in task_questions]
    if unknown:
        parser.error(f"unknown question(s): {', '.join(unknown)}")
    questions = [q for q in task_questions if q in questions]  # canonical order
    max_rss = {}
    for item in args.max_rss:
        name, _, mib = item.partition("=")
        try:
            max_rss[name] = float(mib)
        except ValueError:
            parser.error(f"--max-rss wants ENGINE=MIB, got {item!r}")
    right = None
    if args.task == "join":
        from gen_join_data import join_paths

        try:
            right = join_paths(args.data)
        except ValueError as err:
            parser.error(str(err))
        for path in [args.data] + list(right.values()):
            if not os.path.isfile(path):
                parser.error(f"no data file {path} (make bench-join-data generates it)")
    elif not os.path.isfile(args.data):
        parser.error(f"no data file {args.data} (make bench-data generates it)")
    os.makedirs(args.out_dir, exist_ok=True)

    # Every engine reads the files from the page cache: the first one to run
    # would otherwise pay alone for reading them from disk (the load row).
    for path in [args.data] + list((right or {}).values()):
        warm(path)

    # The join task has one mode: its files are named after the task.
    suffix = "join" if args.task == "join" else None
    results, failures = [], []
    for name, mode in engines:
        out_path = os.path.join(args.out_dir, f"{name}-{suffix or mode}.json")
        try:
            results.append(run_engine(name, mode, args, questions, out_path, right))
        except RunnerFailed as err:
            failures.append(str(err))
            results.append(None)
    if failures:
        print("\nFAILED runner(s):", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return 2

    names = [n for n, _ in engines]
    # An engine run in another mode than --mode says so in its column's name.
    labels = [n if m == args.mode else f"{n} ({m})" for n, m in engines]
    md_path = os.path.join(args.out_dir, f"latest-{suffix or args.mode}.md")

    bad = disagreements(results, names, labels, args.task)
    if bad:
        report = mismatch_report(bad, args.task)
        print("\n" + report)
        with open(md_path, "w") as f:
            f.write(f"# db-benchmark {args.task}, {os.path.basename(args.data)}, {args.mode}: "
                    "answers disagree\n\n" + report)
        return 1

    versions = ", ".join(f"{label} {r.get('version', '?')}" for label, r in zip(labels, results))
    tables = ""
    agree = f"rows and checksums within {REL_TOL:g}"
    if right is not None:
        tables = "- right tables: " + ", ".join(
            f"{t} {os.path.basename(p)}" for t, p in right.items()) + "\n"
        agree = f"rows and non-missing counts exactly, sums within {REL_TOL:g}"
    text = (
        f"# db-benchmark {args.task}, {os.path.basename(args.data)}\n\n"
        f"- machine: {machine()}\n"
        f"- N: {rows_of(args.data)} rows; mode: {args.mode}; best of {args.repeat} run(s), seconds\n"
        + tables
        + f"- engines: {versions}\n"
        f"- answers agree ({agree})\n\n"
        + table(results, labels, names, questions, args.task)
        + legend(engines, args.task)
    )
    print("\n" + text)
    with open(md_path, "w") as f:
        f.write(text)
    print(f"(written to {md_path})")

    status = 0
    for name, limit in max_rss.items():
        r = dict(zip(names, results)).get(name)
        if r is None:
            print(f"--max-rss {name}: engine not run", file=sys.stderr)
            status = 3
            continue
        peak = (r.get("peak_rss_bytes") or 0) / 2**20
        verdict = "ok" if peak <= limit else "ABOVE LIMIT"
        print(f"peak RSS {name}: {peak:.0f} MiB (limit {limit:.0f} MiB): {verdict}")
        if peak > limit or not r.get("peak_rss_bytes"):
            status = 3
    return status


if __name__ == "__main__":
    sys.exit(main())
