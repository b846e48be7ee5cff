#!/usr/bin/env python3
"""Drives the interactive REPL in a pseudo-terminal of 100 columns, as a user
at a terminal would, and checks what the terminal shows.

    python3 tests/repl_pty.py target/debug/partita

Covered: an unfinished statement with its continuation prompt, completion of a
keyword and a column, a wide table cut to 100 columns, a 5,000-character value,
`.once` to a CSV file read back, Ctrl-C on a long query, EXPLAIN ANALYZE with
per-task times, `.compare` naming null_group_keys and logic. Exit status 0 when
every step saw what it expected, 1 otherwise (with the screen text).
"""

import fcntl
import os
import pty
import re
import select
import struct
import sys
import tempfile
import termios
import time

COLUMNS = 100
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r")


class Repl:
    def __init__(self, binary, args=()):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            env = dict(os.environ, PARTITA_HISTORY="", TERM="xterm", COLUMNS=str(COLUMNS))
            os.execve(binary, [binary, "--workers", "2", *args], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, COLUMNS, 0, 0))
        self.screen = ""
        self.pos = 0

    def read_until(self, pattern, timeout=20.0):
        """Reads until `pattern` (a regex) appears after the previous match;
        returns the text from there to the end of this match."""
        start = self.pos
        deadline = time.time() + timeout
        while time.time() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                self.screen += ANSI.sub("", data.decode("utf-8", "replace"))
            m = re.search(pattern, self.screen[start:])
            if m:
                self.pos = start + m.end()
                return self.screen[start:self.pos]
        raise AssertionError(f"did not see {pattern!r}; the screen since:\n{self.screen[start:]}")

    def send(self, text):
        os.write(self.fd, text.encode())

    def line(self, text, expect, timeout=20.0):
        # A moment for the line editor to take the terminal back after the
        # prompt: typed-ahead input can be discarded when it switches modes.
        time.sleep(0.2)
        self.send(text + "\r")
        return self.read_until(expect, timeout)

    def typed(self, text, echo, tries=3):
        """Types `text` (a statement) and waits for its echo, typing it again
        when the editor dropped it."""
        for _ in range(tries):
            time.sleep(0.2)
            self.send(text)
            try:
                return self.read_until(echo, timeout=5)
            except AssertionError:
                self.send("\x15")  # Ctrl-U: clear whatever part arrived
        raise AssertionError(f"the editor never showed {echo!r}:\n{self.screen[-2000:]}")


def main():
    binary = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="partita-pty-")
    big = os.path.join(tmp, "big.csv")
    with open(big, "w") as f:
        f.write("id,long\n1," + "y" * 5000 + "\n")
    once = os.path.join(tmp, "once.csv")
    r = Repl(binary)
    prompt = r"partita\(pandas\)> "
    r.read_until(prompt)

    # An unfinished statement: the continuation prompt, then the result.
    r.line("SELECT col1,", r"\.\.\.> ")
    out = r.line("  col2 FROM df ORDER BY col2 LIMIT 2;", r"\(2 rows")
    assert "| col1 | col2 |" in out, out

    # Completion: a keyword (SEL -> SELECT) and a column (dep_del -> dep_delay).
    r.typed("SEL\t", r"SELECT")
    r.send(" dep_del\t")
    r.read_until(r"dep_delay")
    out = r.line(" FROM flights ORDER BY dep_delay LIMIT 1;", r"\(1 row")
    assert "| dep_delay |" in out, out

    # A wide table fits the terminal: middle columns left out, said so.
    out = r.line("SELECT *, 1 AS a1, 2 AS a2, 3 AS a3, 4 AS a4, 5 AS a5 FROM flights LIMIT 3;", r"\(3 rows")
    assert re.search(r"\d+ columns \(\d+ shown\)", out), out
    for l in out.splitlines():
        if l.startswith(("|", "+")):
            assert len(l) <= COLUMNS, f"{len(l)} characters: {l}"

    # A 5,000-character value is cut with an ellipsis.
    r.line(f".load {big} AS big", prompt)
    out = r.line("SELECT * FROM big;", r"\(1 row")
    assert "…" in out and "y" * 100 not in out, out

    # .once writes the next result to a CSV file, every row; read back.
    r.line(".mode csv", prompt)
    r.line(f".once {once}", prompt)
    r.line("SELECT col1, col2 FROM df ORDER BY col2;", prompt)
    r.line(".mode table", prompt)
    with open(once) as f:
        text = f.read()
    assert text == "col1,col2\n,1\n,2\nA,3\nA,4\nB,5\nB,6\n", text

    # Ctrl-C cancels a long query (259 million rows over 400 partitions, so
    # that every task is short) and the shell goes on.
    r.line(".partitions 400", prompt)
    r.typed("SELECT COUNT(*) FROM flights a, df b, df c, df d, df e;", r"df d, df e;")
    r.send("\r")
    time.sleep(2.0)
    r.send("\x03")
    r.read_until(r"query cancelled", timeout=30)
    r.read_until(prompt)
    r.line(".partitions 2", prompt)

    # EXPLAIN ANALYZE: per-task times and the totals.
    out = r.line("EXPLAIN ANALYZE SELECT origin, COUNT(*) AS n FROM flights GROUP BY origin;", r"total: ")
    assert re.search(r"t0 partition\[0\] \[[0-9.]+ (µs|ms|s), \d+ rows out", out), out

    # .compare: a null group and a `<>` on a missing value.
    out = r.line(".compare SELECT col1, SUM(col2) AS s FROM df GROUP BY col1;", r"null_group_keys")
    assert "only under spark" in out, out
    r.read_until(prompt)
    out = r.line(".compare SELECT COUNT(*) AS n FROM df WHERE col1 <> 'A';", r"logic: pandas two_valued")
    r.read_until(prompt)

    r.send(".quit\r")
    _, status = os.waitpid(r.pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    print("repl_pty: every step passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"repl_pty: {e}", file=sys.stderr)
        sys.exit(1)
