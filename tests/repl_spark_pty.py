#!/usr/bin/env python3
"""The REPL on the Spark engine, in a pseudo-terminal as a user at a terminal
would run it (`partita --spark URL`), next to a local REPL:

    scripts/with-spark-server.sh python3 tests/repl_spark_pty.py target/debug/partita

The README's demo queries give the same tables on Spark as locally, under the
pandas preset and after `.semantics spark`; EXPLAIN shows Spark's plan; Ctrl-C
interrupts a long Spark query and the shell goes on. Exit status 0 when every
step saw what it expected, 1 otherwise (with the screen text).
"""

import os
import re
import sys
import time

from repl_pty import Repl

# The README's demo queries (docs: README.md, "Two commands").
QUERIES = [
    "SELECT col1, AVG(col2) AS m FROM df GROUP BY col1 ORDER BY col1;",
    "SELECT origin, AVG(dep_delay) FROM flights WHERE origin IN ('JFK','LGA','EWR') GROUP BY origin;",
    "SELECT MONTH(time_hour) AS month, HOUR(time_hour) AS hour, AVG(dep_delay) AS delay "
    "FROM flights GROUP BY MONTH(time_hour), HOUR(time_hour) ORDER BY delay DESC LIMIT 5;",
    "SELECT a.name, COUNT(*) FROM flights f JOIN airlines a ON f.carrier = a.carrier "
    "GROUP BY a.name ORDER BY 2 DESC;",
    "SELECT col1, col2, RANK() OVER (PARTITION BY col1 ORDER BY col2 DESC) AS r FROM df;",
]


def table(out):
    """The rows of a printed table, sorted (a query without ORDER BY may list its
    rows in another order), with the header first."""
    lines = [l for l in out.splitlines() if l.startswith("|")]
    assert lines, f"no table in:\n{out}"
    return [lines[0]] + sorted(lines[1:])


def main():
    binary = sys.argv[1]
    url = os.environ["PARTITA_SPARK_URL"]
    local = Repl(binary)
    spark = Repl(binary, ["--spark", url])
    for preset in ["pandas", "spark"]:
        prompt = rf"partita\({preset}\)> "
        for r in (local, spark):
            r.read_until(prompt, timeout=60)
        for q in QUERIES:
            answers = [table(r.line(q, r"\(\d+ rows?", timeout=120)) for r in (local, spark)]
            assert answers[0] == answers[1], f"[{preset}] {q}\nlocal:\n" + "\n".join(
                answers[0]
            ) + "\nspark:\n" + "\n".join(answers[1])
        if preset == "pandas":
            for r in (local, spark):
                r.line(".semantics spark", "")
    prompt = r"partita\(spark\)> "

    # EXPLAIN on the Spark engine: the relation sent and Spark's own plans.
    out = spark.line("EXPLAIN SELECT origin, COUNT(*) AS n FROM flights GROUP BY origin;",
                     r"== Physical Plan ==", timeout=60)
    assert "== Spark Connect relation" in out, out
    spark.read_until(prompt, timeout=60)

    # Ctrl-C interrupts a long Spark query (4e10 rows) and the shell goes on.
    spark.typed("SELECT COUNT(*) AS n FROM flights a CROSS JOIN flights b;", r"flights b;")
    spark.send("\r")
    time.sleep(8.0)
    started = time.time()
    spark.send("\x03")
    spark.read_until(r"cancel", timeout=30)
    spark.read_until(prompt, timeout=30)
    took = time.time() - started
    out = spark.line("SELECT COUNT(*) AS n FROM df;", r"\(1 row", timeout=60)
    assert re.search(r"\|\s*6\s*\|", out), out

    for r in (local, spark):
        r.send(".quit\r")
        _, status = os.waitpid(r.pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    print(f"repl_spark_pty: every step passed (Ctrl-C returned to the prompt in {took:.1f} s)")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"repl_spark_pty: {e}", file=sys.stderr)
        sys.exit(1)
