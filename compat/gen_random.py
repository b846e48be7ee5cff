#!/usr/bin/env python3
"""Writes random compatibility specs (compat/random-specs/rnd-*.json) from a seed.

Differential testing at scale: every spec holds small random tables, one random
SQL query over what Partita supports (docs/sql.md) and the same query written as
pandas code and as PySpark code; compat/record.py runs the two with real pandas
and real PySpark and writes the expectations (`make compat-random`).

    python3 compat/gen_random.py --seed 1 --n 2000 --out compat/random-specs

The same seed and count always give the same files. Ids are
`rnd-<seed>-<nnnn>-<shape>`; the shapes are

    filter    SELECT expressions FROM t WHERE <nested AND/OR/NOT, IS NULL, IN,
              BETWEEN, LIKE>, sometimes ORDER BY (mixed directions, explicit NULLS
              FIRST/LAST) with LIMIT/OFFSET, sometimes through a CTE or a derived table
    arith     arithmetic that can fail: integer overflow near the int64 edges,
              division and remainder by zero, CAST of doubles and text to BIGINT
    agg       GROUP BY columns or expressions (by name, alias or ordinal), every
              aggregate, WHERE, HAVING, ORDER BY ... LIMIT
    global    aggregates without GROUP BY
    sumbig    SUM of integers near the int64 edges (Spark: ARITHMETIC_OVERFLOW)
    distinct  SELECT DISTINCT, sometimes ORDER BY all columns and LIMIT
    join      INNER / LEFT / RIGHT / FULL / LEFT SEMI / LEFT ANTI joins on a text or an
              integer key, extra ON conditions, WHERE, ORDER BY ... LIMIT
    setop     UNION [ALL], INTERSECT [ALL], EXCEPT [ALL]
    subq      [NOT] IN (SELECT ...), [NOT] EXISTS, scalar and correlated scalar subqueries
    window    ROW_NUMBER, RANK, DENSE_RANK, running and sliding aggregates,
              whole-partition aggregates, LAG / LEAD

A candidate whose reference answer would be ambiguous is not written; the summary
printed at the end counts them by reason (docs/compatibility.md, "Random cases",
lists the reasons).
"""

import argparse
import collections
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_specs import spec_text  # noqa: E402  (the layout every spec file uses)

I64_MAX = 2**63 - 1
I64_MIN = -(2**63)

# ---------------------------------------------------------------- tables

K_VALUES = ["a", "b", "c", "A", "", "é"]
WORDS = ["apple", "Apple", "APPLE", "pear", "fig", "FIG", "straße", "Éclair", "éclair", "ǅemal", "ΣΑΣ", "İzmir", "ﬁx", "a_b", "50%", " pad "]
NUM_TEXT = ["0", "1", "-7", "42", "007", "9223372036854775807", "-9223372036854775808", "12"]
BAD_NUM_TEXT = ["x", "2.5", "", "1e3", "9223372036854775808"]
BIG = [I64_MAX, I64_MAX - 1, I64_MIN, I64_MIN + 1, 2**62, -(2**62), 2**53 + 1, 3037000500, -3037000500, 4611686018427387904]
SMALL_W = [0, 1, -1, 7, -7, 100, 2]
X_SPECIAL = ["NaN", "inf", "-inf", -0.0, 0.0]

# t(id, k, s, ns, v, w, x, b); u(uid, k, n, y)
T_COLUMNS = [("id", "i64"), ("k", "str"), ("s", "str"), ("ns", "str"), ("v", "i64"), ("w", "i64"), ("x", "f64"), ("b", "bool")]
U_COLUMNS = [("uid", "i64"), ("k", "str"), ("n", "i64"), ("y", "f64")]
KIND = {"i64": "int", "f64": "float", "str": "str", "bool": "bool"}
PANDAS_DTYPE = {"i64": "int64", "f64": "float64", "str": "str", "bool": "bool"}


class Gen:
    """The random source of one case, with helpers."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def p(self, prob):
        return self.r.random() < prob

    def choice(self, xs):
        return self.r.choice(xs)

    def randint(self, a, b):
        return self.r.randint(a, b)

    def sample(self, xs, n):
        return self.r.sample(xs, n)


def null_rate(g):
    return g.choice([0.0, 0.0, 0.12, 0.25, 0.4])


def cell(g, col, typ, rate, big_share):
    if g.p(rate):
        return None
    if col == "k":
        return g.choice(K_VALUES)
    if col == "s":
        return g.choice(WORDS + [""])
    if col == "ns":
        return g.choice(NUM_TEXT + (BAD_NUM_TEXT if g.p(0.1) else []))
    if col in ("v", "n"):
        return g.randint(-4, 9)
    if col == "w":
        return g.choice(BIG) if g.p(big_share) else g.choice(SMALL_W)
    if col in ("x", "y"):
        if g.p(0.15):
            return g.choice(X_SPECIAL)
        return g.randint(-40, 40) / 4
    if col == "b":
        return g.p(0.5)
    raise ValueError(col)


def make_table(g, columns, id_col, n):
    """Rows in random order; the id column holds 1..n. Every numeric column of a
    non-empty table holds a number (a column of only None would be pandas `object`)."""
    rates = {c: (0.0 if c == id_col else null_rate(g)) for c, _ in columns}
    big_share = g.choice([0.0, 0.3, 0.6])
    ids = list(range(1, n + 1))
    g.r.shuffle(ids)
    rows = []
    for i in range(n):
        row = []
        for c, t in columns:
            row.append(ids[i] if c == id_col else cell(g, c, t, rates[c], big_share))
        rows.append(row)
    for j, (c, t) in enumerate(columns):
        if n and t in ("i64", "f64") and all(r[j] is None or r[j] == "NaN" for r in rows):
            rows[g.randint(0, n - 1)][j] = cell(g, c, t, 0.0, big_share)
    return {"columns": [{"name": c, "type": t} for c, t in columns], "rows": rows}


def table_size(g):
    r = g.r.random()
    if r < 0.05:
        return 0
    if r < 0.12:
        return g.randint(1, 2)
    return g.randint(3, 12)


# ---------------------------------------------------------------- expressions
#
# Every node renders itself three ways: sql(), pd(frame) (a pandas expression over
# the DataFrame named `frame`) and ps() (a PySpark Column expression). `kind` is
# int, float, str or bool; `fails` says whether it can raise under Spark (overflow,
# division by zero, a bad CAST).


def sql_lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def py_lit(v):
    return repr(v)


class E:
    fails = False
    kind = None

    def has_fail(self):
        return self.fails or any(c.has_fail() for c in self.children())

    def children(self):
        return []


class Col(E):
    def __init__(self, name, kind, table="t", qualify=False):
        self.name, self.kind, self.table, self.qualify = name, kind, table, qualify

    def sql(self):
        return f"{self.table}.{self.name}" if self.qualify else self.name

    def pd(self, f):
        return f"{f}['{self.name}']"

    def ps(self):
        return f"F.col('{self.name}')"


class Lit(E):
    def __init__(self, v, kind):
        self.v, self.kind = v, kind

    def sql(self):
        return sql_lit(self.v)

    def pd(self, f):
        return py_lit(self.v)

    def ps(self):
        return py_lit(self.v)


class DLit(Lit):
    """A double literal written with an exponent (1.5E0): Spark SQL reads 1.5 as a
    DECIMAL, so a CASE of literals only would be a decimal there and a double in
    PySpark."""

    def sql(self):
        return f"{self.v!r}E0"


class Arith(E):
    PD = {"+": "+", "-": "-", "*": "*", "/": "/", "%": "%", "DIV": "//"}

    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b
        if op == "/":
            self.kind = "float"
        elif op == "DIV":
            self.kind = "int"
        else:
            self.kind = "float" if "float" in (a.kind, b.kind) else "int"
        self.fails = (op in ("/", "%", "DIV")) or (self.kind == "int" and op in "+-*")

    def children(self):
        return [self.a, self.b]

    def sql(self):
        return f"({self.a.sql()} {self.op} {self.b.sql()})"

    def pd(self, f):
        return f"({self.a.pd(f)} {self.PD[self.op]} {self.b.pd(f)})"

    def ps(self):
        if self.op == "DIV":
            return f"F.expr({py_lit(self.sql())})"
        return f"({self.a.ps()} {self.op} {self.b.ps()})"


class Neg(E):
    def __init__(self, a):
        self.a, self.kind = a, a.kind
        self.fails = a.kind == "int"

    def children(self):
        return [self.a]

    def sql(self):
        return f"(-{self.a.sql()})"

    def pd(self, f):
        return f"(-{self.a.pd(f)})"

    def ps(self):
        return f"(-{self.a.ps()})"


class Func(E):
    """ABS, ROUND, UPPER, LOWER, LENGTH."""

    def __init__(self, name, a, arg=None):
        self.name, self.a, self.arg = name, a, arg
        self.kind = {"ABS": a.kind, "ROUND": a.kind, "UPPER": "str", "LOWER": "str", "LENGTH": "int"}[name]
        self.fails = name == "ABS" and a.kind == "int"

    def children(self):
        return [self.a]

    def sql(self):
        extra = f", {self.arg}" if self.arg is not None else ""
        return f"{self.name}({self.a.sql()}{extra})"

    def pd(self, f):
        a = self.a.pd(f)
        if self.name == "ABS":
            return f"{a}.abs()"
        if self.name == "ROUND":
            return f"{a}.round({'' if self.arg is None else self.arg})"
        if self.name == "LENGTH":
            return f"{a}.str.len()"
        return f"{a}.str.{self.name.lower()}()"

    def ps(self):
        extra = f", {self.arg}" if self.arg is not None else ""
        return f"F.{self.name.lower()}({self.a.ps()}{extra})"


class Coalesce(E):
    def __init__(self, a, lit):
        self.a, self.lit, self.kind = a, lit, a.kind

    def children(self):
        return [self.a]

    def sql(self):
        return f"COALESCE({self.a.sql()}, {sql_lit(self.lit)})"

    def pd(self, f):
        return f"{self.a.pd(f)}.fillna({py_lit(self.lit)})"

    def ps(self):
        return f"F.coalesce({self.a.ps()}, F.lit({py_lit(self.lit)}))"


class Cast(E):
    def __init__(self, a, to):
        self.a, self.to = a, to
        self.kind = {"BIGINT": "int", "DOUBLE": "float", "STRING": "str"}[to]
        self.fails = to == "BIGINT" and a.kind in ("float", "str") or to == "DOUBLE" and a.kind == "str"

    def children(self):
        return [self.a]

    def sql(self):
        return f"CAST({self.a.sql()} AS {self.to})"

    def pd(self, f):
        return f"{self.a.pd(f)}.astype({ {'BIGINT': repr('int64'), 'DOUBLE': repr('float64'), 'STRING': 'str'}[self.to]})"

    def ps(self):
        return f"{self.a.ps()}.cast('{self.to.lower()}')"


class Case(E):
    """A searched CASE; only at the top of a select item or a GROUP BY key."""

    def __init__(self, whens, other, kind):
        self.whens, self.other, self.kind = whens, other, kind

    def children(self):
        return [c for w in self.whens for c in w] + ([self.other] if self.other is not None else [])

    def sql(self):
        body = " ".join(f"WHEN {c.sql()} THEN {v.sql()}" for c, v in self.whens)
        tail = f" ELSE {self.other.sql()}" if self.other is not None else ""
        return f"CASE {body}{tail} END"

    def pd(self, f):
        conds = ", ".join(c.pd(f) for c, _ in self.whens)
        vals = ", ".join(v.pd(f) for _, v in self.whens)
        if self.other is not None:
            default = self.other.pd(f)
        else:
            default = "None" if self.kind == "str" else "np.nan"
        return f"np.select([{conds}], [{vals}], default={default})"

    def ps(self):
        out = "F"
        for c, v in self.whens:
            out += f".when({c.ps()}, {v.ps()})"
        if self.other is not None:
            out += f".otherwise({self.other.ps()})"
        return out


# predicates (kind bool)


class Cmp(E):
    kind = "bool"

    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b

    def children(self):
        return [self.a, self.b]

    def sql(self):
        return f"{self.a.sql()} {self.op} {self.b.sql()}"

    def pd(self, f):
        op = {"=": "==", "<>": "!="}.get(self.op, self.op)
        return f"({self.a.pd(f)} {op} {self.b.pd(f)})"

    def ps(self):
        op = {"=": "==", "<>": "!="}.get(self.op, self.op)
        return f"({self.a.ps()} {op} {self.b.ps()})"


class IsNull(E):
    kind = "bool"

    def __init__(self, a, neg):
        self.a, self.neg = a, neg

    def children(self):
        return [self.a]

    def sql(self):
        return f"{self.a.sql()} IS {'NOT ' if self.neg else ''}NULL"

    def pd(self, f):
        return f"{self.a.pd(f)}.{'notna' if self.neg else 'isna'}()"

    def ps(self):
        return f"{self.a.ps()}.{'isNotNull' if self.neg else 'isNull'}()"


class In(E):
    kind = "bool"

    def __init__(self, a, vals, neg):
        self.a, self.vals, self.neg = a, vals, neg

    def children(self):
        return [self.a]

    def sql(self):
        return f"{self.a.sql()} {'NOT ' if self.neg else ''}IN ({', '.join(sql_lit(v) for v in self.vals)})"

    def pd(self, f):
        return f"{'~' if self.neg else ''}{self.a.pd(f)}.isin({py_lit(self.vals)})"

    def ps(self):
        return f"{'~' if self.neg else ''}{self.a.ps()}.isin({py_lit(self.vals)})"


class Between(E):
    kind = "bool"

    def __init__(self, a, lo, hi, neg):
        self.a, self.lo, self.hi, self.neg = a, lo, hi, neg

    def children(self):
        return [self.a]

    def sql(self):
        return f"{self.a.sql()} {'NOT ' if self.neg else ''}BETWEEN {sql_lit(self.lo)} AND {sql_lit(self.hi)}"

    def pd(self, f):
        return f"{'~' if self.neg else ''}{self.a.pd(f)}.between({py_lit(self.lo)}, {py_lit(self.hi)})"

    def ps(self):
        return f"{'~' if self.neg else ''}{self.a.ps()}.between({py_lit(self.lo)}, {py_lit(self.hi)})"


class Like(E):
    kind = "bool"

    def __init__(self, a, pat, neg):
        self.a, self.pat, self.neg = a, pat, neg

    def children(self):
        return [self.a]

    def sql(self):
        return f"{self.a.sql()} {'NOT ' if self.neg else ''}LIKE {sql_lit(self.pat)}"

    def pd(self, f):
        a, p = self.a.pd(f), self.pat
        core = p.strip("%")
        if "_" not in p and "%" not in core:
            if p.startswith("%") and p.endswith("%") and len(p) > 1:
                e = f"{a}.str.contains({py_lit(core)}, regex=False)"
            elif p.endswith("%") and not p.startswith("%"):
                e = f"{a}.str.startswith({py_lit(core)})"
            elif p.startswith("%") and not p.endswith("%"):
                e = f"{a}.str.endswith({py_lit(core)})"
            else:
                e = f"({a} == {py_lit(p)})"
        else:
            rx = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in p)
            e = f"{a}.str.fullmatch({py_lit(rx)})"
        return f"~{e}" if self.neg else e

    def ps(self):
        e = f"{self.a.ps()}.like({py_lit(self.pat)})"
        return f"~{e}" if self.neg else e


class BoolCol(E):
    """A bare boolean column used as a predicate."""

    kind = "bool"

    def __init__(self, col):
        self.col = col

    def children(self):
        return [self.col]

    def sql(self):
        return self.col.sql()

    def pd(self, f):
        return self.col.pd(f)

    def ps(self):
        return self.col.ps()


class Not(E):
    kind = "bool"

    def __init__(self, a):
        self.a = a

    def children(self):
        return [self.a]

    def sql(self):
        return f"NOT ({self.a.sql()})"

    def pd(self, f):
        return f"~({self.a.pd(f)})"

    def ps(self):
        return f"~({self.a.ps()})"


class Logic(E):
    kind = "bool"

    def __init__(self, op, a, b):
        self.op, self.a, self.b = op, a, b

    def children(self):
        return [self.a, self.b]

    def sql(self):
        return f"({self.a.sql()} {self.op} {self.b.sql()})"

    def pd(self, f):
        return f"({self.a.pd(f)} {'&' if self.op == 'AND' else '|'} {self.b.pd(f)})"

    def ps(self):
        return f"({self.a.ps()} {'&' if self.op == 'AND' else '|'} {self.b.ps()})"


def mentions(e, name):
    return (isinstance(e, Col) and e.name == name) or any(mentions(c, name) for c in e.children())


def fail_classes(e):
    """The Spark error conditions an expression may raise (over-approximated: an
    integer overflow needs the int64-edge column w)."""
    out = set()
    for c in e.children():
        out |= fail_classes(c)
    nonzero = lambda b: isinstance(b, Lit) and b.v != 0  # noqa: E731
    if isinstance(e, Arith):
        if e.op in "+-*" and e.kind == "int" and mentions(e, "w"):
            out.add("ARITHMETIC_OVERFLOW")
        if e.op == "/" and not nonzero(e.b):
            out.add("DIVIDE_BY_ZERO")
        if e.op == "%" and not nonzero(e.b):
            out.add("REMAINDER_BY_ZERO")
        if e.op == "DIV":
            if not nonzero(e.b):
                out.add("DIVIDE_BY_ZERO")
            if mentions(e, "w"):
                out.add("ARITHMETIC_OVERFLOW")
    elif isinstance(e, (Neg, Func)) and e.fails and mentions(e, "w"):
        out.add("ARITHMETIC_OVERFLOW")
    elif isinstance(e, Cast) and e.fails:
        out.add("CAST_OVERFLOW" if e.a.kind == "float" else "CAST_INVALID_INPUT")
    return out


def check_error_classes(exprs):
    classes = set()
    for e in exprs:
        if e is not None:
            classes |= fail_classes(e)
    if len(classes) > 1:
        raise Skip("expressions that can raise different errors (which one Spark reports depends on the row order and the evaluation order)")


def connective_fail(p):
    """Whether a failing expression sits under AND / OR / NOT, where Spark may skip
    it (short-circuit) or evaluate it (the optimizer may reorder the operands)."""
    if isinstance(p, (Logic, Not)):
        return p.has_fail()
    return False


# ---------------------------------------------------------------- random expressions

T_COLS = {"id": "int", "k": "str", "s": "str", "ns": "str", "v": "int", "w": "int", "x": "float", "b": "bool"}


def col(name, table="t", qualify=False):
    kinds = dict(T_COLS)
    kinds.update({"uid": "int", "n": "int", "y": "float"})
    return Col(name, kinds[name], table, qualify)


def int_lit(g):
    return Lit(g.choice([0, 1, 2, 3, -1, 5, 10, -3]), "int")


def float_lit(g):
    return Lit(g.choice([0.0, 0.5, -0.25, 1.5, 2.25, -3.0, 10.0]), "float")


def lit_for(g, kind, c=None):
    if kind == "int":
        return int_lit(g)
    if kind == "float":
        return float_lit(g)
    if kind == "str":
        if c is not None and c.name == "s":
            return Lit(g.choice(WORDS + ["", "pear", "Apple"]), "str")
        if c is not None and c.name == "ns":
            return Lit(g.choice(NUM_TEXT), "str")
        return Lit(g.choice(K_VALUES), "str")
    return Lit(g.p(0.5), "bool")


def num_expr(g, depth=0, allow_fail=True, cols=("v", "x", "w", "id")):
    """A numeric expression over t."""
    r = g.r.random()
    if depth >= 2 or r < 0.45:
        name = g.choice(list(cols))
        return col(name)
    if r < 0.75 and allow_fail:
        op = g.choice(["+", "-", "*", "/", "%", "DIV", "+", "*"])
        a = num_expr(g, depth + 1, allow_fail, cols)
        if op in ("/", "%", "DIV"):
            b = num_expr(g, depth + 1, allow_fail, cols) if g.p(0.6) else (int_lit(g) if op != "/" else g.choice([int_lit(g), float_lit(g)]))
        else:
            b = num_expr(g, depth + 1, allow_fail, cols) if g.p(0.5) else (int_lit(g) if a.kind == "int" or g.p(0.5) else float_lit(g))
        if op == "DIV" and (a.kind != "int" or b.kind != "int"):
            op = "%"
        if op in ("/", "%", "DIV") and isinstance(b, Lit) and b.v == 0 and g.p(0.5):
            b = Lit(2, "int")
        if b.kind == "float" and isinstance(b, Lit) and a.kind == "int":
            b = int_lit(g)  # a fractional literal with an integer is a DECIMAL in Spark SQL
        return Arith(op, a, b)
    if r < 0.82 and allow_fail:
        return Neg(num_expr(g, depth + 1, allow_fail, cols))
    if r < 0.9:
        a = num_expr(g, depth + 1, allow_fail, cols)
        if a.kind == "float":
            return Func("ROUND", a, g.choice([None, 0, 1, 2]))
        if allow_fail:
            return Func("ABS", a)
        return Func("ROUND", a, g.choice([None, -1]))
    if r < 0.95:
        return Func("LENGTH", col(g.choice(["s", "k"])))
    a = col(g.choice(["v", "x"]))
    return Coalesce(a, 0 if a.kind == "int" else 0.5)


def str_expr(g):
    r = g.r.random()
    c = col(g.choice(["s", "k", "s"]))
    if r < 0.4:
        return c
    if r < 0.6:
        return Func("UPPER", c)
    if r < 0.8:
        return Func("LOWER", c)
    if r < 0.9:
        return Coalesce(c, "none")
    return Cast(col(g.choice(["v", "x", "b", "id"])), "STRING")


def atom(g, allow_fail):
    """One predicate."""
    r = g.r.random()
    if r < 0.3:
        name = g.choice(["v", "x", "w", "id", "v", "x"])
        c = col(name)
        op = g.choice(["<", "<=", ">", ">=", "=", "<>"])
        if g.p(0.2):
            other = col(g.choice(["v", "x", "id"]))
            return Cmp(op, c, other)
        if name == "w":
            return Cmp(op, c, Lit(g.choice([0, 1, I64_MAX, I64_MIN, 2**62]), "int"))
        return Cmp(op, c, lit_for(g, c.kind))
    if r < 0.42:
        c = col(g.choice(["k", "s"]))
        if g.p(0.3):
            return Cmp(g.choice(["=", "<>", "<", ">="]), c, col("s" if c.name == "k" else "k"))
        return Cmp(g.choice(["=", "<>", "<", ">=", "="]), c, lit_for(g, "str", c))
    if r < 0.52:
        return IsNull(col(g.choice(["k", "s", "v", "x", "b", "w"])), g.p(0.4))
    if r < 0.6:
        name = g.choice(["k", "v", "s"])
        c = col(name)
        vals = sorted({lit_for(g, c.kind, c).v for _ in range(g.randint(1, 3))}, key=repr)
        if g.p(0.25):
            vals = vals + [None]
        return In(c, vals, g.p(0.35))
    if r < 0.66:
        c = col(g.choice(["v", "x", "s"]))
        if c.kind == "str":
            lo, hi = sorted(g.sample(["A", "Z", "a", "f", "p", "z", "É", ""], 2))
        else:
            lo, hi = sorted([lit_for(g, c.kind).v, lit_for(g, c.kind).v])
        return Between(c, lo, hi, g.p(0.3))
    if r < 0.74:
        c = col(g.choice(["s", "k", "s"]))
        pat = g.choice(["a%", "%e", "%pp%", "A%", "_p%", "%a_b%", "%\u00e9%", "", "fig", "%ß%", "F_G", "%5%", "_"])
        return Like(c, pat, g.p(0.35))
    if r < 0.8:
        return Cmp(g.choice(["=", "<>"]), col("b"), Lit(g.p(0.5), "bool"))
    if r < 0.83:
        # a bare boolean column; under OR pandas' `|` with a None on the left gives
        # False (None | True), so it appears only as a whole WHERE (see predicate)
        return Cmp("=", col("b"), Lit(True, "bool"))
    if r < 0.9:
        return Cmp(g.choice([">", "=", "<"]), Func("LENGTH", col(g.choice(["s", "k"]))), Lit(g.randint(0, 5), "int"))
    if r < 0.94:
        return Cmp("=", Func(g.choice(["LOWER", "UPPER"]), col("s")), Lit(g.choice(["apple", "APPLE", "fig", "straße", "STRASSE"]), "str"))
    # arithmetic inside a comparison (may fail)
    e = num_expr(g, 1, allow_fail, ("v", "x", "w"))
    return Cmp(g.choice(["<", ">", "="]), e, int_lit(g))


def predicate(g, depth=0, allow_fail=True):
    r = g.r.random()
    if depth == 0 and r < 0.03:
        return BoolCol(col("b"))
    if depth >= 3 or r < 0.4:
        return atom(g, allow_fail)
    if r < 0.55:
        return Not(predicate(g, depth + 1, allow_fail))
    return Logic(g.choice(["AND", "OR", "AND"]), predicate(g, depth + 1, allow_fail), predicate(g, depth + 1, allow_fail))


def case_expr(g):
    n = g.randint(1, 3)
    kind = g.choice(["str", "int", "float", "int"])
    whens = []
    for _ in range(n):
        cond = predicate(g, 2, allow_fail=False)
        whens.append((cond, value_for(g, kind)))
    other = value_for(g, kind) if g.p(0.7) else None
    return Case(whens, other, kind)


def value_for(g, kind):
    if kind == "str":
        return Lit(g.choice(["lo", "hi", "mid", "", "x"]), "str") if g.p(0.8) else col("k")
    if kind == "int":
        return int_lit(g) if g.p(0.7) else col("v")
    return DLit(float_lit(g).v, "float") if g.p(0.6) else col("x")


def select_expr(g, allow_fail=True):
    r = g.r.random()
    if r < 0.45:
        return num_expr(g, 0, allow_fail)
    if r < 0.7:
        return str_expr(g)
    if r < 0.85:
        return case_expr(g)
    if r < 0.93 and allow_fail:
        return Cast(col(g.choice(["x", "ns", "v"])), g.choice(["BIGINT", "DOUBLE"]))
    return Cast(col(g.choice(["v", "x", "b", "w"])), "STRING")


# ---------------------------------------------------------------- ORDER BY


class SortKey:
    def __init__(self, name, asc, nulls):
        self.name, self.asc, self.nulls = name, asc, nulls  # nulls: None, 'FIRST', 'LAST'

    def sql(self, ordinal=None):
        out = str(ordinal) if ordinal is not None else self.name
        if not self.asc:
            out += " DESC"
        if self.nulls:
            out += f" NULLS {self.nulls}"
        return out

    def ps(self):
        d = "asc" if self.asc else "desc"
        if self.nulls:
            d += "_nulls_" + self.nulls.lower()
        return f"F.col('{self.name}').{d}()"


def pandas_sort(keys):
    """sort_values for keys (pandas puts missing values last unless asked)."""
    pos = ["first" if k.nulls == "FIRST" else "last" for k in keys]
    if len(set(pos)) == 1:
        names = [k.name for k in keys]
        asc = [k.asc for k in keys]
        arg_names = repr(names[0]) if len(names) == 1 else repr(names)
        out = f".sort_values({arg_names}"
        if not all(asc):
            out += f", ascending={asc[0] if len(asc) == 1 else asc}"
        if pos[0] == "first":
            out += ", na_position='first'"
        return out + ", kind='stable')"
    # mixed null placements: stable sorts from the last key to the first
    out = ""
    for k, p in reversed(list(zip(keys, pos))):
        out += f".sort_values('{k.name}'"
        if not k.asc:
            out += ", ascending=False"
        if p == "first":
            out += ", na_position='first'"
        out += ", kind='stable')"
    return out


def random_sort_keys(g, names, must):
    """Sort keys over output column names; `must` (a unique column) ends them."""
    keys = []
    for name in g.sample(names, min(len(names), g.randint(1, 2))):
        if name == must:
            continue
        keys.append(SortKey(name, g.p(0.55), g.choice([None, None, "FIRST", "LAST"])))
    if must is not None:
        keys.append(SortKey(must, g.p(0.7), None))
    return keys


def limit_clause(g):
    """(limit, offset) or None."""
    if g.p(0.45):
        return None
    lim = g.randint(0, 6) if g.p(0.9) else None
    off = g.randint(1, 4) if g.p(0.35) else None
    if lim is None and off is None:
        lim = 3
    return lim, off


def sql_limit(lo):
    if lo is None:
        return ""
    lim, off = lo
    out = ""
    if lim is not None:
        out += f" LIMIT {lim}"
    if off is not None:
        out += f" OFFSET {off}"
    return out


def pd_limit(lo):
    if lo is None:
        return ""
    lim, off = lo
    if off is None:
        return f".head({lim})"
    if lim is None:
        return f".iloc[{off}:]"
    return f".iloc[{off}:{off + lim}]"


def ps_limit(lo):
    if lo is None:
        return ""
    lim, off = lo
    out = ""
    if off is not None:
        out += f".offset({off})"
    if lim is not None:
        out += f".limit({lim})"
    return out


# ---------------------------------------------------------------- shapes


class Skip(Exception):
    """A candidate whose reference answer would be ambiguous."""


def preamble(tables):
    """pandas builds an empty table's columns as float64 and a text column holding
    only None as `object` (from Python lists): a pandas user's frame read from a
    typed source has the declared dtypes, so the code restores them."""
    lines = []
    for name, t in tables.items():
        if not t["rows"]:
            types = {c["name"]: PANDAS_DTYPE[c["type"]] for c in t["columns"]}
            lines.append(f"{name} = {name}.astype({py_lit(types)})")
            continue
        nulls = [c["name"] for j, c in enumerate(t["columns"]) if c["type"] == "str" and all(r[j] is None for r in t["rows"])]
        if nulls:
            lines.append(f"{name} = {name}.astype({py_lit({c: 'str' for c in nulls})})")
    return lines


def finish_pandas(tables, lines):
    """Statements (assigning `result`) or one expression."""
    pre = preamble(tables)
    if not pre and len(lines) == 1 and lines[0].startswith("result = "):
        return lines[0][len("result = "):]
    return "\n".join(pre + lines)


def finish_spark(lines):
    if len(lines) == 1 and lines[0].startswith("result = "):
        return lines[0][len("result = "):]
    return "\n".join(lines)


def col_values(table, name):
    idx = [c["name"] for c in table["columns"]].index(name)
    return [r[idx] for r in table["rows"]]


def norm_missing(v):
    return None if v == "NaN" else v


def shape_filter(g, tables):
    t = tables["t"]
    where = predicate(g) if g.p(0.85) else None
    if where is not None and connective_fail(where):
        raise Skip("failing expression under AND/OR/NOT in WHERE")
    order = g.p(0.6)
    lo = limit_clause(g) if order else None
    n_items = g.randint(1, 4)
    items = [("id", col("id"))]
    used = {"id"}
    for i in range(n_items):
        if g.p(0.25):
            name = g.choice(["k", "s", "v", "x", "b", "w"])
            if name in used:
                continue
            used.add(name)
            items.append((name, col(name)))
        else:
            e = select_expr(g)
            items.append((f"c{i + 1}", e))
    if lo is not None and any(e.has_fail() for _, e in items):
        raise Skip("failing select item with LIMIT/OFFSET")
    check_error_classes([where] + [e for _, e in items])
    names = [n for n, _ in items]
    keys = random_sort_keys(g, names, "id") if order else []
    if order and lo is not None and g.p(0.15):
        # ORDER BY without the unique id: kept only when the keys are unique in the data
        plain = [k for k in keys if k.name != "id" and isinstance(dict(items)[k.name], Col)]
        if plain and len(plain) == len(keys) - 1:
            vals = list(zip(*(map(norm_missing, col_values(t, dict(items)[k.name].name)) for k in plain)))
            if len(set(vals)) < len(vals):
                raise Skip("ORDER BY ... LIMIT with ties (no unique tie-break)")
            keys = plain

    # SQL
    sel = ", ".join(n if isinstance(e, Col) and e.name == n else f"{e.sql()} AS {n}" for n, e in items)
    form = g.choice(["plain", "plain", "plain", "cte", "derived"]) if where is not None else "plain"
    if form == "plain":
        sql = f"SELECT {sel} FROM t" + (f" WHERE {where.sql()}" if where is not None else "")
    elif form == "cte":
        sql = f"WITH f AS (SELECT * FROM t WHERE {where.sql()}) SELECT {sel} FROM f"
    else:
        sql = f"SELECT {sel} FROM (SELECT * FROM t WHERE {where.sql()}) f"
    if order:
        use_ord = g.p(0.2)
        sql += " ORDER BY " + ", ".join(k.sql(names.index(k.name) + 1 if use_ord else None) for k in keys)
        sql += sql_limit(lo)

    # pandas
    lines = []
    frame = "t"
    if where is not None:
        lines.append(f"d = t[{where.pd('t')}]")
        frame = "d"
    assigns = [f"{n}={e.pd(frame)}" for n, e in items if not (isinstance(e, Col) and e.name == n)]
    expr = frame + (f".assign({', '.join(assigns)})" if assigns else "") + f"[{names!r}]"
    if order:
        expr += pandas_sort(keys) + pd_limit(lo)
    lines.append(f"result = {expr}")
    pandas = finish_pandas(tables, lines)

    # pyspark
    src = "t" + (f".filter({where.ps()})" if where is not None else "")
    ps_items = ", ".join(f"'{n}'" if isinstance(e, Col) and e.name == n else f"{e.ps()}.alias('{n}')" for n, e in items)
    ps = f"{src}.select({ps_items})"
    if order:
        ps += ".orderBy(" + ", ".join(k.ps() for k in keys) + ")" + ps_limit(lo)
    ob = [k.name for k in keys]
    feats = describe_feats(where, [e for _, e in items]) + (["ORDER BY"] if order else []) + (["LIMIT/OFFSET"] if lo else []) + ([form.upper()] if form != "plain" else [])
    return sql, pandas, ps, {"pandas": ob, "spark": ob}, feats


def describe_feats(where, exprs):
    feats = set()

    def walk(e):
        if isinstance(e, Not):
            feats.add("NOT")
        elif isinstance(e, Logic):
            feats.add(e.op)
        elif isinstance(e, IsNull):
            feats.add("IS NULL")
        elif isinstance(e, In):
            feats.add("IN" + (" NULL" if None in e.vals else ""))
        elif isinstance(e, Between):
            feats.add("BETWEEN")
        elif isinstance(e, Like):
            feats.add("LIKE")
        elif isinstance(e, Case):
            feats.add("CASE")
        elif isinstance(e, Cast):
            feats.add("CAST " + e.to)
        elif isinstance(e, Arith):
            feats.add(e.op)
        elif isinstance(e, Func):
            feats.add(e.name)
        elif isinstance(e, Coalesce):
            feats.add("COALESCE")
        for c in e.children():
            walk(c)

    if where is not None:
        walk(where)
    for e in exprs:
        walk(e)
    return sorted(feats)


def shape_arith(g, tables):
    """Projections built to fail: overflow near the int64 edges, division by zero, casts."""
    items = [("id", col("id"))]
    for i in range(g.randint(1, 3)):
        r = g.r.random()
        if r < 0.35:
            e = Arith(g.choice(["+", "-", "*"]), col("w"), g.choice([col("w"), col("v"), Lit(g.choice([1, -1, 2, I64_MAX]), "int")]))
        elif r < 0.5:
            e = g.choice([Neg(col("w")), Func("ABS", col("w"))])
        elif r < 0.75:
            e = Arith(g.choice(["/", "%", "DIV", "/"]), col(g.choice(["v", "w", "x", "id"])), g.choice([col("v"), col("x"), Lit(0, "int"), Arith("-", col("v"), Lit(1, "int"))]))
            if e.op == "DIV" and "float" in (e.a.kind, e.b.kind):
                e = Arith("%", e.a, e.b)
        elif r < 0.9:
            e = Cast(col(g.choice(["x", "ns"])), "BIGINT")
        else:
            e = Arith("*", col("x"), col("w"))
        items.append((f"c{i + 1}", e))
    where = atom(g, False) if g.p(0.4) else None
    check_error_classes([where] + [e for _, e in items])
    names = [n for n, _ in items]
    sel = ", ".join(n if n == "id" else f"{e.sql()} AS {n}" for n, e in items)
    sql = f"SELECT {sel} FROM t" + (f" WHERE {where.sql()}" if where is not None else "")
    lines = []
    frame = "t"
    if where is not None:
        lines.append(f"d = t[{where.pd('t')}]")
        frame = "d"
    assigns = ", ".join(f"{n}={e.pd(frame)}" for n, e in items if n != "id")
    lines.append(f"result = {frame}.assign({assigns})[{names!r}]")
    src = "t" + (f".filter({where.ps()})" if where is not None else "")
    ps = f"{src}.select('id', " + ", ".join(f"{e.ps()}.alias('{n}')" for n, e in items if n != "id") + ")"
    feats = describe_feats(where, [e for _, e in items])
    return sql, finish_pandas(tables, lines), ps, {"pandas": [], "spark": []}, feats


# aggregates: (sql name, pandas named-agg func or None, pyspark builder)
AGGS = {
    "COUNT(*)": None,
    "COUNT": ("count", "F.count({a})"),
    "SUM": ("sum", "F.sum({a})"),
    "AVG": ("mean", "F.avg({a})"),
    "MIN": ("min", "F.min({a})"),
    "MAX": ("max", "F.max({a})"),
    "MEDIAN": ("median", "F.median({a})"),
    "VARIANCE": ("var", "F.variance({a})"),
    "VAR_POP": ("lambda s: s.var(ddof=0)", "F.var_pop({a})"),
    "STDDEV": ("std", "F.stddev({a})"),
    "STDDEV_POP": ("lambda s: s.std(ddof=0)", "F.stddev_pop({a})"),
    "COUNT(DISTINCT)": ("nunique", "F.count_distinct({a})"),
    "SUM(DISTINCT)": ("lambda s: s.drop_duplicates().sum()", "F.sum_distinct({a})"),
    "AVG(DISTINCT)": ("lambda s: s.drop_duplicates().mean()", None),
    "MODE": ("lambda s: s.mode().min()", "F.mode({a}, True)"),
}
NUMERIC_AGGS = ["COUNT", "SUM", "AVG", "MIN", "MAX", "MEDIAN", "VARIANCE", "VAR_POP", "STDDEV", "STDDEV_POP", "COUNT(DISTINCT)", "SUM(DISTINCT)", "AVG(DISTINCT)", "MODE"]
TEXT_AGGS = ["COUNT", "MIN", "MAX", "COUNT(DISTINCT)", "MODE"]


class Agg:
    def __init__(self, func, arg, alias):
        self.func, self.arg, self.alias = func, arg, alias

    def sql(self):
        if self.func == "COUNT(*)":
            return "COUNT(*)"
        if self.func.endswith("(DISTINCT)"):
            return f"{self.func[:-10]}(DISTINCT {self.arg.sql()})"
        if self.func == "MODE":
            return f"MODE({self.arg.sql()}, true)"
        return f"{self.func}({self.arg.sql()})"

    def ps(self):
        if self.func == "COUNT(*)":
            return "F.count(F.lit(1))"
        if self.func == "AVG(DISTINCT)":
            return f"F.expr({py_lit('avg(DISTINCT ' + self.arg.sql() + ')')})"
        return AGGS[self.func][1].format(a=self.arg.ps())

    def pd_scalar(self, f, argname):
        """The aggregate of a whole frame as a pandas scalar expression."""
        if self.func == "COUNT(*)":
            return f"len({f})"
        s = f"{f}['{argname}']"
        func = AGGS[self.func][0]
        if func.startswith("lambda"):
            body = func.split(": ", 1)[1]
            return body.replace("s.", s + ".", 1) if body.startswith("s.") else body
        return f"{s}.{func}()"


def agg_kind(a):
    if a.func in ("COUNT(*)", "COUNT", "COUNT(DISTINCT)"):
        return "int"
    if a.func in ("MIN", "MAX", "MODE"):
        return a.arg.kind
    return "float"


def agg_arg(g, func):
    """A column or an exact expression the aggregate reads."""
    if func in TEXT_AGGS and g.p(0.25):
        return col(g.choice(["k", "s"]))
    if func in ("COUNT", "MIN", "MAX", "COUNT(DISTINCT)") and g.p(0.25):
        return col("w")
    r = g.r.random()
    if r < 0.7:
        return col(g.choice(["v", "x", "v"]))
    if r < 0.8:
        return Arith("*", col("x"), col("v"))
    if r < 0.9:
        return Case([(predicate(g, 3, allow_fail=False), Lit(1, "int"))], Lit(0, "int"), "int")
    return Arith("+", col("v"), int_lit(g))


def random_aggs(g, n):
    aggs = []
    for i in range(n):
        if g.p(0.2):
            aggs.append(Agg("COUNT(*)", None, f"a{i + 1}"))
            continue
        if g.p(0.03):
            raise Skip("FIRST/LAST aggregate (Spark's row order within a group is unspecified)")
        func = g.choice(NUMERIC_AGGS)
        arg = agg_arg(g, func)
        if arg.kind == "str" and func not in TEXT_AGGS:
            func = g.choice(TEXT_AGGS)
        if isinstance(arg, Col) and arg.name == "w" and func not in ("COUNT", "MIN", "MAX", "COUNT(DISTINCT)"):
            raise Skip("AVG/VARIANCE/STDDEV/MEDIAN/SUM of integers near the int64 edges (rounding depends on the order of additions)")
        aggs.append(Agg(func, arg, f"a{i + 1}"))
    return aggs


def group_key(g, i):
    """(alias, expr, is_plain_column)."""
    r = g.r.random()
    if r < 0.55:
        name = g.choice(["k", "k", "b", "v", "x", "s"])
        return name, col(name)
    if r < 0.7:
        return f"g{i}", Func("LOWER", col("s"))
    if r < 0.8:
        return f"g{i}", Arith("%", col("v"), Lit(3, "int"))
    if r < 0.9:
        return f"g{i}", Coalesce(col("k"), "none")
    return f"g{i}", Case([(Cmp(">", col("x"), Lit(0.0, "float")), Lit("pos", "str"))], Lit("nonpos", "str"), "str")


SPECIAL = ("VAR_POP", "STDDEV_POP", "AVG(DISTINCT)")  # float results of a UDF over integers: see agg_pandas


def agg_pandas(frame, keys, aggs, arg_names, having_pd, sort, lo, pre_assign):
    """pandas lines for a GROUP BY: named aggregation, or, when an aggregate needs
    an argument (ddof=0) or de-duplicated rows, one Series per aggregate. (A lambda
    in `agg` would do, but pandas casts a UDF's results back to the column's dtype
    when they are whole numbers: STDDEV_POP of an int64 column would come out
    int64 for some groups' values and float64 for others.)"""
    lines = []
    if pre_assign:
        lines.append(f"d2 = {frame}.assign({', '.join(pre_assign)})")
        frame = "d2"
    names = [k for k, _ in keys]
    by = repr(names[0]) if len(names) == 1 else repr(names)
    if any(a.func in SPECIAL for a in aggs):
        lines.append(f"g = {frame}.groupby({by})")
        parts = []
        for a in aggs:
            c = arg_names.get(a.alias)
            if a.func == "COUNT(*)":
                e = "g.size()"
            elif a.func == "VAR_POP":
                e = f"g['{c}'].var(ddof=0)"
            elif a.func == "STDDEV_POP":
                e = f"g['{c}'].std(ddof=0)"
            elif a.func == "AVG(DISTINCT)":
                e = f"{frame}.drop_duplicates({names + [c]!r}).groupby({by})['{c}'].mean()"
            else:
                func = AGGS[a.func][0]
                e = f"g['{c}'].agg({func})" if func.startswith("lambda") else f"g['{c}'].{func}()"
            parts.append(f"'{a.alias}': {e}")
        expr = f"pd.DataFrame({{{', '.join(parts)}}}).reset_index()"
    else:
        parts = []
        for a in aggs:
            if a.func == "COUNT(*)":
                parts.append(f"{a.alias}=('id', 'size')")
            else:
                func = AGGS[a.func][0]
                fx = func if func.startswith("lambda") else repr(func)
                parts.append(f"{a.alias}=({arg_names[a.alias]!r}, {fx})")
        expr = f"{frame}.groupby({by}).agg({', '.join(parts)}).reset_index()"
    if having_pd:
        expr += f".loc[lambda r: {having_pd}]"
    if sort:
        expr += pandas_sort(sort) + pd_limit(lo)
    lines.append(f"result = {expr}")
    return lines


def shape_agg(g, tables):
    where = predicate(g, 1, allow_fail=False) if g.p(0.5) else None
    nk = 1 if g.p(0.7) else 2
    keys = []
    for i in range(nk):
        alias, e = group_key(g, i + 1)
        if alias in [k for k, _ in keys]:
            continue
        keys.append((alias, e))
    aggs = random_aggs(g, g.randint(1, 4))
    having = None
    if g.p(0.35):
        a = g.choice(aggs)
        op = g.choice([">", ">=", "<", "<>"])
        if agg_kind(a) == "str":
            lit = Lit(g.choice(["a", "b", "apple", "Z"]), "str")
        else:
            lit = Lit(g.choice([0, 1, 2, 3]), "int")
        having = (a, op, lit)
    order = g.p(0.45)
    lo = limit_clause(g) if order else None
    sort = []
    if order:
        first = g.choice(aggs)
        sort.append(SortKey(first.alias, g.p(0.4), g.choice([None, "FIRST", "LAST"])))
        for k, _ in keys:
            sort.append(SortKey(k, g.p(0.6), g.choice([None, None, "FIRST", "LAST"])))

    # SQL
    out_names = [k for k, _ in keys] + [a.alias for a in aggs]
    sel = ", ".join((k if isinstance(e, Col) and e.name == k else f"{e.sql()} AS {k}") for k, e in keys)
    sel += ", " + ", ".join(f"{a.sql()} AS {a.alias}" for a in aggs)
    gb_style = g.choice(["expr", "alias", "ordinal"])
    gbs = []
    for i, (k, e) in enumerate(keys):
        if isinstance(e, Col) or gb_style == "expr":
            gbs.append(e.sql())
        elif gb_style == "alias":
            gbs.append(k)
        else:
            gbs.append(str(i + 1))
    src = "t" + (f" WHERE {where.sql()}" if where is not None else "")
    sql = f"SELECT {sel} FROM {src} GROUP BY {', '.join(gbs)}"
    if having:
        a, op, lit = having
        sql += f" HAVING {a.sql()} {op} {lit.sql()}"
    if order:
        sql += " ORDER BY " + ", ".join(k.sql() for k in sort) + sql_limit(lo)
    form = g.choice(["plain"] * 4 + ["derived", "cte"]) if having else "plain"
    if form != "plain":
        inner = f"SELECT {sel} FROM {src} GROUP BY {', '.join(gbs)}"
        a, op, lit = having
        cond = f"{a.alias} {op} {lit.sql()}"
        tail = (" ORDER BY " + ", ".join(k.sql() for k in sort) + sql_limit(lo)) if order else ""
        if form == "derived":
            sql = f"SELECT {', '.join(out_names)} FROM ({inner}) q WHERE {cond}{tail}"
        else:
            sql = f"WITH q AS ({inner}) SELECT {', '.join(out_names)} FROM q WHERE {cond}{tail}"

    # pandas
    frame = "t" if where is None else f"t[{where.pd('t')}]"
    lines = []
    if where is not None:
        lines.append(f"d = {frame}")
        frame = "d"
    pre_assign = []
    for k, e in keys:
        if not (isinstance(e, Col) and e.name == k):
            pre_assign.append(f"{k}={e.pd(frame)}")
    arg_names = {}
    for a in aggs:
        if a.func == "COUNT(*)":
            continue
        if isinstance(a.arg, Col):
            arg_names[a.alias] = a.arg.name
        else:
            arg_names[a.alias] = "_" + a.alias
            pre_assign.append(f"_{a.alias}={a.arg.pd(frame)}")
    having_pd = None
    if having:
        a, op, lit = having
        pop = {"<>": "!="}.get(op, op)
        having_pd = f"r['{a.alias}'] {pop} {lit.pd('r')}"
    lines += agg_pandas(frame, keys, aggs, arg_names, having_pd, sort, lo, pre_assign)
    pandas = finish_pandas(tables, lines)

    # pyspark
    src = "t" + (f".filter({where.ps()})" if where is not None else "")
    gk = ", ".join(f"'{k}'" if isinstance(e, Col) and e.name == k else f"{e.ps()}.alias('{k}')" for k, e in keys)
    ps = f"{src}.groupBy({gk}).agg({', '.join(a.ps() + f'.alias({a.alias!r})' for a in aggs)})"
    if having:
        a, op, lit = having
        pop = {"=": "==", "<>": "!="}.get(op, op)
        ps += f".filter(F.col('{a.alias}') {pop} {lit.ps()})"
    if order:
        ps += ".orderBy(" + ", ".join(k.ps() for k in sort) + ")" + ps_limit(lo)
    ob_p = [k.name for k in sort] if order else [k for k, _ in keys]
    ob_s = [k.name for k in sort] if order else []
    feats = ["GROUP BY " + gb_style] + sorted({a.func for a in aggs}) + (["HAVING"] if having else []) + (["ORDER BY"] if order else []) + (["LIMIT/OFFSET"] if lo else []) + describe_feats(where, [e for _, e in keys])
    if form != "plain":
        feats.append(form.upper())
    return sql, pandas, ps, {"pandas": ob_p, "spark": ob_s}, feats


def shape_global(g, tables):
    where = predicate(g, 1, allow_fail=False) if g.p(0.5) else None
    aggs = random_aggs(g, g.randint(1, 5))
    sel = ", ".join(f"{a.sql()} AS {a.alias}" for a in aggs)
    sql = f"SELECT {sel} FROM t" + (f" WHERE {where.sql()}" if where is not None else "")
    lines = []
    frame = "t"
    if where is not None:
        lines.append(f"d = t[{where.pd('t')}]")
        frame = "d"
    extra = [(a, "_" + a.alias) for a in aggs if a.func != "COUNT(*)" and not isinstance(a.arg, Col)]
    if extra:
        assigns = ", ".join(f"{n}={a.arg.pd(frame)}" for a, n in extra)
        lines.append(f"e = {frame}.assign({assigns})")
        frame = "e"
    parts = []
    for a in aggs:
        argname = None if a.func == "COUNT(*)" else (a.arg.name if isinstance(a.arg, Col) else "_" + a.alias)
        parts.append(f"'{a.alias}': [{a.pd_scalar(frame, argname)}]")
    lines.append(f"result = pd.DataFrame({{{', '.join(parts)}}})")
    src = "t" + (f".filter({where.ps()})" if where is not None else "")
    ps = f"{src}.agg({', '.join(a.ps() + f'.alias({a.alias!r})' for a in aggs)})"
    feats = ["global"] + sorted({a.func for a in aggs}) + describe_feats(where, [])
    return sql, finish_pandas(tables, lines), ps, {"pandas": [], "spark": []}, feats


def shape_sumbig(g, tables):
    """SUM of the int64-edge column: Spark raises ARITHMETIC_OVERFLOW, pandas wraps
    (or sums float64 when the column holds a null)."""
    t = tables["t"]
    grouped = g.p(0.5)
    ws = col_values(t, "w")
    ks = col_values(t, "k")
    has_null = any(w is None for w in ws)
    groups = collections.defaultdict(list)
    for k, w in zip(ks, ws):
        if w is not None:
            groups[k if grouped else None].append(w)
    for vals in groups.values():
        pos = sum(v for v in vals if v > 0)
        neg = sum(v for v in vals if v < 0)
        total = pos + neg
        if I64_MIN <= total <= I64_MAX and (pos > I64_MAX or neg < I64_MIN):
            raise Skip("SUM of big integers whose running sum may overflow although the total fits (Spark's result depends on the order)")
        if has_null and any(abs(v) > 2**53 for v in vals) and pos and neg:
            raise Skip("pandas float64 SUM of integers above 2^53 with cancellation (the rounding depends on the order)")
    if grouped:
        sql = "SELECT k, SUM(w) AS sw, COUNT(w) AS nw, MAX(w) AS mw FROM t GROUP BY k"
        pandas = finish_pandas(tables, ["result = t.groupby('k').agg(sw=('w', 'sum'), nw=('w', 'count'), mw=('w', 'max')).reset_index()"])
        ps = "t.groupBy('k').agg(F.sum('w').alias('sw'), F.count('w').alias('nw'), F.max('w').alias('mw'))"
        ob = {"pandas": ["k"], "spark": []}
    else:
        sql = "SELECT SUM(w) AS sw, COUNT(*) AS n, MIN(w) AS lo FROM t"
        pandas = finish_pandas(tables, ["result = pd.DataFrame({'sw': [t['w'].sum()], 'n': [len(t)], 'lo': [t['w'].min()]})"])
        ps = "t.agg(F.sum('w').alias('sw'), F.count(F.lit(1)).alias('n'), F.min('w').alias('lo'))"
        ob = {"pandas": [], "spark": []}
    return sql, pandas, ps, ob, ["SUM near int64 edges"] + (["GROUP BY"] if grouped else [])


def shape_distinct(g, tables):
    cols = g.sample(["k", "s", "v", "x", "b"], g.randint(1, 2))
    where = predicate(g, 2, allow_fail=False) if g.p(0.4) else None
    order = g.p(0.5)
    lo = limit_clause(g) if order else None
    keys = [SortKey(c, g.p(0.6), g.choice([None, None, "FIRST", "LAST"])) for c in cols] if order else []
    sql = f"SELECT DISTINCT {', '.join(cols)} FROM t" + (f" WHERE {where.sql()}" if where is not None else "")
    if order:
        sql += " ORDER BY " + ", ".join(k.sql() for k in keys) + sql_limit(lo)
    frame = "t" if where is None else f"t[{where.pd('t')}]"
    expr = f"{frame}[{cols!r}].drop_duplicates()"
    if order:
        expr += pandas_sort(keys) + pd_limit(lo)
    src = "t" + (f".filter({where.ps()})" if where is not None else "")
    ps = f"{src}.select({', '.join(repr(c) for c in cols)}).distinct()"
    if order:
        ps += ".orderBy(" + ", ".join(k.ps() for k in keys) + ")" + ps_limit(lo)
    ob = [k.name for k in keys]
    return sql, finish_pandas(tables, [f"result = {expr}"]), ps, {"pandas": ob, "spark": ob}, ["DISTINCT"] + (["ORDER BY"] if order else []) + (["LIMIT/OFFSET"] if lo else []) + describe_feats(where, [])


def shape_join(g, tables):
    how = g.choice(["INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI", "INNER", "LEFT"])
    on_int = g.p(0.3)
    extra = g.p(0.25)
    lk, rk = ("v", "n") if on_int else ("k", "k")
    on = f"t.{lk} = u.{rk}"
    extra_sql = extra_pd = extra_ps = None
    if extra:
        lit = g.choice([0, 2, 5])
        extra_sql = f"u.n > {lit}"
        extra_pd = f"u[u['n'] > {lit}]"
        extra_ps = f"(u['n'] > {lit})"
    if extra and how in ("RIGHT", "FULL"):
        extra = False  # pandas would drop the right rows the condition fails instead of keeping them unmatched
    sql_on = on + (f" AND {extra_sql}" if extra else "")
    ps_cond = f"(t['{lk}'] == u['{rk}'])" + (f" & {extra_ps}" if extra else "")
    right = extra_pd if extra else "u"
    where = None
    if how in ("SEMI", "ANTI"):
        cols = ["id", "k", "v"]
        sql = f"SELECT {', '.join('t.' + c + ' AS ' + c for c in cols)} FROM t LEFT {how} JOIN u ON {sql_on}"
        isin = f"t['{lk}'].isin({right}['{rk}'])"
        pd_expr = f"t[{'~' if how == 'ANTI' else ''}{isin}][{cols!r}]"
        ps = f"t.join(u, {ps_cond}, 'left_{how.lower()}').select({', '.join(repr(c) for c in cols)})"
        order_keys = [SortKey("id", g.p(0.5), None)] if g.p(0.4) else []
        if order_keys:
            sql += " ORDER BY " + order_keys[0].sql()
            pd_expr += pandas_sort(order_keys)
            ps += ".orderBy(" + order_keys[0].ps() + ")"
        ob = [k.name for k in order_keys]
        return sql, finish_pandas(tables, [f"result = {pd_expr}"]), ps, {"pandas": ob, "spark": ob}, [f"{how} JOIN", "int key" if on_int else "str key"] + (["ON extra"] if extra else [])
    # output columns
    if on_int:
        out = [("id", "t.id", "t['id']"), ("v", "t.v", "t['v']"), ("uid", "u.uid", "u['uid']"), ("n", "u.n", "u['n']")]
        if g.p(0.5):
            out.append(("y", "u.y", "u['y']"))
        merge = f"t.merge({right}, left_on='v', right_on='n', how={ {'INNER': 'inner', 'LEFT': 'left', 'RIGHT': 'right', 'FULL': 'outer'}[how]!r})"
    else:
        if how == "FULL":
            kcol = ("k", "COALESCE(t.k, u.k)", "F.coalesce(t['k'], u['k'])")
        elif how == "RIGHT":
            kcol = ("k", "u.k", "u['k']")
        else:
            kcol = ("k", "t.k", "t['k']")
        out = [("id", "t.id", "t['id']"), kcol, ("uid", "u.uid", "u['uid']")]
        out += g.sample([("v", "t.v", "t['v']"), ("x", "t.x", "t['x']"), ("n", "u.n", "u['n']"), ("y", "u.y", "u['y']"), ("s", "t.s", "t['s']")], g.randint(1, 2))
        merge = f"t.merge({right}, on='k', how={ {'INNER': 'inner', 'LEFT': 'left', 'RIGHT': 'right', 'FULL': 'outer'}[how]!r})"
    if g.p(0.3):
        wc = g.choice([("v", "t.v", ">", 0), ("n", "u.n", "<", 5), ("x", "t.x", ">=", 0.0)])
        where = wc
    names = [o[0] for o in out]
    sql = f"SELECT {', '.join(s + ' AS ' + n for n, s, _ in out)} FROM t {dict(INNER='JOIN', LEFT='LEFT JOIN', RIGHT='RIGHT JOIN', FULL='FULL OUTER JOIN')[how]} u ON {sql_on}"
    pd_expr = merge
    ps = f"t.join(u, {ps_cond}, {dict(INNER='inner', LEFT='left', RIGHT='right', FULL='full')[how]!r})"
    if where:
        name, qual, op, lit = where
        sql += f" WHERE {qual} {op} {sql_lit(lit)}"
        pd_expr += f".loc[lambda m: m['{name}'] {op} {py_lit(lit)}]"
        tab = qual.split(".")[0]
        ps += f".filter({tab}['{name}'] {op} {py_lit(lit)})"
    pd_expr += f"[{names!r}]"
    ps += ".select(" + ", ".join(f"{p}.alias('{n}')" for n, _, p in out) + ")"
    order = g.p(0.4)
    lo = None
    keys = []
    if order:
        lo = limit_clause(g)
        keys = [SortKey("id", g.p(0.6), g.choice([None, "FIRST", "LAST"])), SortKey("uid", g.p(0.6), g.choice([None, "FIRST", "LAST"]))]
        if g.p(0.5):
            other = g.choice([n for n in names if n not in ("id", "uid")])
            keys.insert(0, SortKey(other, g.p(0.5), g.choice([None, "FIRST", "LAST"])))
        sql += " ORDER BY " + ", ".join(k.sql() for k in keys) + sql_limit(lo)
        pd_expr += pandas_sort(keys) + pd_limit(lo)
        ps += ".orderBy(" + ", ".join(k.ps() for k in keys) + ")" + ps_limit(lo)
    ob = [k.name for k in keys]
    feats = [f"{how} JOIN", "int key" if on_int else "str key"] + (["ON extra"] if extra else []) + (["WHERE"] if where else []) + (["ORDER BY"] if order else []) + (["LIMIT/OFFSET"] if lo else [])
    return sql, finish_pandas(tables, [f"result = {pd_expr}"]), ps, {"pandas": ob, "spark": ob}, feats


def shape_setop(g, tables):
    op = g.choice(["UNION ALL", "UNION", "INTERSECT", "EXCEPT", "UNION", "INTERSECT ALL", "EXCEPT ALL"])
    pair = g.choice([(["k", "v"], ["k", "n"]), (["x"], ["y"]), (["k"], ["k"]), (["v"], ["n"]), (["s"], ["k"])])
    lc, rc = pair
    lw = atom(g, False) if g.p(0.35) else None
    rw = Cmp(g.choice([">", "<", "<>"]), col("n", "u"), int_lit(g)) if g.p(0.3) else None
    if rw is not None and "n" not in rc and g.p(0.5):
        rw = IsNull(col("k", "u"), True)
    lsql = f"SELECT {', '.join(lc)} FROM t" + (f" WHERE {lw.sql()}" if lw is not None else "")
    rsql = f"SELECT {', '.join(rc)} FROM u" + (f" WHERE {rw.sql()}" if rw is not None else "")
    sql = f"{lsql} {op} {rsql}"
    order = g.p(0.35)
    lo = limit_clause(g) if order else None
    keys = [SortKey(c, g.p(0.6), g.choice([None, "FIRST", "LAST"])) for c in lc] if order else []
    if order:
        sql += " ORDER BY " + ", ".join(k.sql() for k in keys) + sql_limit(lo)
    lines = [
        f"a = {'t' if lw is None else 't[' + lw.pd('t') + ']'}[{lc!r}]",
        f"b = {'u' if rw is None else 'u[' + rw.pd('u') + ']'}[{rc!r}]" + (f".set_axis({lc!r}, axis=1)" if lc != rc else ""),
    ]
    on = repr(lc[0]) if len(lc) == 1 else repr(lc)
    if op == "UNION ALL":
        body = "pd.concat([a, b], ignore_index=True)"
    elif op == "UNION":
        body = "pd.concat([a, b], ignore_index=True).drop_duplicates()"
    elif op == "INTERSECT":
        body = f"a.drop_duplicates().merge(b.drop_duplicates(), on={on}, how='inner')"
    elif op == "EXCEPT":
        lines.append(f"m = a.drop_duplicates().merge(b.drop_duplicates(), on={on}, how='left', indicator=True)")
        body = f"m[m['_merge'] == 'left_only'][{lc!r}]"
    else:
        lines.append(f"a2 = a.assign(_n=a.groupby({lc!r}, dropna=False).cumcount())")
        lines.append(f"b2 = b.assign(_n=b.groupby({lc!r}, dropna=False).cumcount())")
        if op == "INTERSECT ALL":
            body = f"a2.merge(b2, on={lc + ['_n']!r}, how='inner')[{lc!r}]"
        else:
            lines.append(f"m = a2.merge(b2, on={lc + ['_n']!r}, how='left', indicator=True)")
            body = f"m[m['_merge'] == 'left_only'][{lc!r}]"
    if order:
        body += pandas_sort(keys) + pd_limit(lo)
    lines.append(f"result = {body}")
    lsrc = "t" + (f".filter({lw.ps()})" if lw is not None else "")
    rsrc = "u" + (f".filter({rw.ps()})" if rw is not None else "")
    left = f"{lsrc}.select({', '.join(repr(c) for c in lc)})"
    right = f"{rsrc}.select({', '.join(repr(c) for c in rc)})"
    meth = {"UNION ALL": "union", "UNION": "union", "INTERSECT": "intersect", "EXCEPT": "subtract", "INTERSECT ALL": "intersectAll", "EXCEPT ALL": "exceptAll"}[op]
    ps = f"{left}.{meth}({right})" + (".distinct()" if op == "UNION" else "")
    if order:
        ps += ".orderBy(" + ", ".join(k.ps() for k in keys) + ")" + ps_limit(lo)
    ob = [k.name for k in keys]
    return sql, finish_pandas(tables, lines), ps, {"pandas": ob, "spark": ob}, [op, "+".join(lc)] + (["ORDER BY"] if order else []) + (["LIMIT/OFFSET"] if lo else [])


def shape_subq(g, tables):
    kind = g.choice(["in", "not_in", "exists", "not_exists", "scalar_where", "scalar_select", "correlated", "in_int"])
    if kind in ("in", "not_in", "in_int"):
        c, rc = ("v", "n") if kind == "in_int" else ("k", "k")
        neg = kind == "not_in" or (kind == "in_int" and g.p(0.4))
        q = Cmp(g.choice([">", "<", "<>"]), col("n", "u"), int_lit(g)) if g.p(0.5) else None
        sub = f"SELECT {rc} FROM u" + (f" WHERE {q.sql()}" if q is not None else "")
        sql = f"SELECT id, {c} FROM t WHERE {c} {'NOT ' if neg else ''}IN ({sub})"
        usrc = "u" if q is None else f"u[{q.pd('u')}]"
        pandas = [f"result = t[{'~' if neg else ''}t['{c}'].isin({usrc}['{rc}'])][['id', '{c}']]"]
        ps_lines = []
        if q is not None:
            ps_lines.append(f"uu = u.filter({q.ps()})")
            uu = "uu"
        else:
            uu = "u"
        if neg:
            ps_lines.append(f"result = t.join({uu}, (t['{c}'] == {uu}['{rc}']) | t['{c}'].isNull() | {uu}['{rc}'].isNull(), 'left_anti').select('id', '{c}')")
        else:
            ps_lines.append(f"result = t.join({uu}, t['{c}'] == {uu}['{rc}'], 'left_semi').select('id', '{c}')")
        return sql, finish_pandas(tables, pandas), finish_spark(ps_lines), {"pandas": [], "spark": []}, [("NOT " if neg else "") + "IN (subquery)"]
    if kind in ("exists", "not_exists"):
        neg = kind == "not_exists"
        extra = g.p(0.4)
        sub = "SELECT 1 FROM u WHERE u.k = t.k" + (" AND u.n > 1" if extra else "")
        sql = f"SELECT id, k, x FROM t WHERE {'NOT ' if neg else ''}EXISTS ({sub})"
        usrc = "u[u['n'] > 1]" if extra else "u"
        pandas = [f"result = t[{'~' if neg else ''}t['k'].isin({usrc}['k'])][['id', 'k', 'x']]"]
        cond = "(t['k'] == u['k'])" + (" & (u['n'] > 1)" if extra else "")
        ps = f"t.join(u, {cond}, 'left_{'anti' if neg else 'semi'}').select('id', 'k', 'x')"
        return sql, finish_pandas(tables, pandas), ps, {"pandas": [], "spark": []}, [("NOT " if neg else "") + "EXISTS"]
    func = g.choice(["AVG", "MIN", "MAX", "SUM", "COUNT"])
    pdf = {"AVG": "mean", "MIN": "min", "MAX": "max", "SUM": "sum", "COUNT": "count"}[func]
    if kind == "scalar_where":
        op = g.choice([">", "<", ">=", "="])
        c = g.choice(["v", "x"])
        sql = f"SELECT id, {c} FROM t WHERE {c} {op} (SELECT {func}(n) FROM u)"
        pandas = [f"result = t[t['{c}'] {'==' if op == '=' else op} u['n'].{pdf}()][['id', '{c}']]"]
        ps = f"t.crossJoin(u.agg(F.{func.lower() if func != 'AVG' else 'avg'}('n').alias('_m'))).where(F.col('{c}') {'==' if op == '=' else op} F.col('_m')).select('id', '{c}')"
        return sql, finish_pandas(tables, pandas), ps, {"pandas": [], "spark": []}, ["scalar subquery in WHERE", func]
    if kind == "scalar_select":
        sql = f"SELECT id, v, v - (SELECT {func}(n) FROM u) AS dv FROM t"
        pandas = [f"result = t.assign(dv=t['v'] - u['n'].{pdf}())[['id', 'v', 'dv']]"]
        ps = f"t.crossJoin(u.agg(F.{func.lower() if func != 'AVG' else 'avg'}('n').alias('_m'))).select('id', 'v', (F.col('v') - F.col('_m')).alias('dv'))"
        return sql, finish_pandas(tables, pandas), ps, {"pandas": [], "spark": []}, ["scalar subquery in SELECT", func]
    func = g.choice(["SUM", "MAX", "AVG", "MIN"])
    pdf = {"AVG": "mean", "MIN": "min", "MAX": "max", "SUM": "sum"}[func]
    sql = f"SELECT id, k, (SELECT {func}(u.n) FROM u WHERE u.k = t.k) AS s FROM t"
    pandas = [f"result = t.assign(s=t['k'].map(u.groupby('k')['n'].{pdf}()))[['id', 'k', 's']]"]
    ps = "\n".join([
        f"q = u.groupBy('k').agg(F.{'avg' if func == 'AVG' else func.lower()}('n').alias('s'))",
        "result = t.join(q, t['k'] == q['k'], 'left').select(t['id'].alias('id'), t['k'].alias('k'), q['s'].alias('s'))",
    ])
    return sql, finish_pandas(tables, pandas), ps, {"pandas": [], "spark": []}, ["correlated scalar subquery", func]


def shape_window(g, tables):
    t = tables["t"]
    part = g.choice(["k", "k", "k", "b", None])
    fn = g.choice(["ROW_NUMBER", "RANK", "DENSE_RANK", "RUNNING", "RUNNING", "PARTITION", "LAG", "LEAD", "ROWS"])
    where = atom(g, False) if g.p(0.25) else None
    val = g.choice(["v", "x", "v"])
    lines = []
    ps_lines = ["from pyspark.sql import Window"]
    if where is not None:
        lines.append(f"t = t[{where.pd('t')}]")
        ps_lines.append(f"t = t.filter({where.ps()})")
    pw = f"Window.partitionBy('{part}')" if part else "Window"
    grp = (lambda fr, c: f"{fr}.groupby('{part}')['{c}']") if part else (lambda fr, c: f"{fr}['{c}']")
    psql = f"PARTITION BY {part} " if part else ""
    out_extra = [val]
    feats = [fn] + (["PARTITION BY " + part] if part else ["no PARTITION BY"])
    if fn in ("ROW_NUMBER", "RANK", "DENSE_RANK"):
        okey = g.choice(["v", "x", "s", "id"]) if fn != "ROW_NUMBER" else g.choice(["v", "x", "s"])
        asc = g.p(0.6)
        nulls = g.choice([None, None, "FIRST", "LAST"])
        na = {None: "keep", "FIRST": "top", "LAST": "bottom"}[nulls]
        sk = SortKey(okey, asc, nulls)
        out_extra = [okey]
        if fn == "ROW_NUMBER":
            tie_asc = g.p(0.7)
            if g.p(0.1):
                # no unique tie-break: kept only when the order key has no ties in a partition
                pv = col_values(t, part) if part else [None] * len(t["rows"])
                ov = [norm_missing(v) for v in col_values(t, okey)]
                if len(set(zip(pv, ov))) < len(ov):
                    raise Skip("ROW_NUMBER over ties (no unique tie-break)")
            order_sql = sk.sql() + (", id" if tie_asc else ", id DESC")
            order_ps = f"{sk.ps()}, F.col('id').{'asc' if tie_asc else 'desc'}()"
            lines.append(f"s = t.sort_values('id'{'' if tie_asc else ', ascending=False'}, kind='stable')")
            expr = f"{grp('s', okey)}.rank(method='first'{'' if asc else ', ascending=False'}{'' if na == 'keep' else ', na_option=' + repr(na)})"
            spark_fn = "F.row_number()"
        else:
            order_sql = sk.sql()
            order_ps = sk.ps()
            expr = f"{grp('t', okey)}.rank(method={'min' if fn == 'RANK' else 'dense'!r}{'' if asc else ', ascending=False'}{'' if na == 'keep' else ', na_option=' + repr(na)})"
            spark_fn = f"F.{fn.lower()}()"
        wsql = f"{fn}() OVER ({psql}ORDER BY {order_sql})"
        ps_lines.append(f"w = {pw}.orderBy({order_ps})")
        items = [("r", wsql, expr, f"{spark_fn}.over(w)")]
        feats.append("ORDER BY " + okey + (" DESC" if not asc else "") + (f" NULLS {nulls}" if nulls else ""))
    elif fn in ("RUNNING", "ROWS"):
        agg = g.choice(["SUM", "MIN", "MAX", "COUNT", "AVG", "SUM", "COUNT(*)"]) if fn == "RUNNING" else g.choice(["SUM", "MIN", "MAX", "AVG"])
        if fn == "RUNNING":
            okey = g.choice(["id", "id", "v"]) if agg != "AVG" else "id"
            if okey == "v" and val == "v" and agg in ("SUM", "MIN", "MAX"):
                pass
        else:
            okey = "id"
        asc = g.p(0.75)
        if fn == "RUNNING" and okey != "id" and agg == "COUNT(*)" and not part:
            agg = "SUM"
        if fn == "RUNNING" and agg == "COUNT(*)" and not part:
            agg = "SUM"
        out_extra = list(dict.fromkeys([val, okey]))
        lines.append(f"s = t.sort_values('{okey}'{'' if asc else ', ascending=False'}, kind='stable')")
        sk = SortKey(okey, asc, None)
        frame_sql = ""
        if fn == "RUNNING":
            if agg == "SUM":
                expr = f"{grp('s', val)}.cumsum()"
            elif agg == "MIN":
                expr = f"{grp('s', val)}.cummin()"
            elif agg == "MAX":
                expr = f"{grp('s', val)}.cummax()"
            elif agg == "COUNT":
                expr = f"s['{val}'].notna()" + (f".groupby(s['{part}'])" if part else "") + ".cumsum()"
            elif agg == "COUNT(*)":
                expr = f"s.groupby('{part}').cumcount() + 1"
            else:
                expr = f"{grp('s', val)}.expanding().mean()" + (".reset_index(level=0, drop=True)" if part else "")
            ps_frame = ""
        else:
            lo, hi = g.choice([(2, 0), (1, 1), (1, 0)])
            frame_sql = f" ROWS BETWEEN {lo} PRECEDING AND {'CURRENT ROW' if hi == 0 else str(hi) + ' FOLLOWING'}"
            win = lo + hi + 1
            roll = f".rolling({win}{', center=True' if hi else ''}, min_periods=1)"
            pdf = {"SUM": "sum", "MIN": "min", "MAX": "max", "AVG": "mean"}[agg]
            expr = f"{grp('s', val)}{roll}.{pdf}()" + (".reset_index(level=0, drop=True)" if part else "")
            ps_frame = f".rowsBetween({-lo}, {hi})"
            feats.append(frame_sql.strip())
        arg = "*" if agg == "COUNT(*)" else val
        wsql = f"{agg.replace('(*)', '')}({arg}) OVER ({psql}ORDER BY {sk.sql()}{frame_sql})"
        ps_lines.append(f"w = {pw}.orderBy({sk.ps()}){ps_frame}")
        sfn = {"SUM": "F.sum", "MIN": "F.min", "MAX": "F.max", "COUNT": "F.count", "AVG": "F.avg"}
        spark_expr = "F.count(F.lit(1))" if agg == "COUNT(*)" else f"{sfn[agg]}('{val}')"
        items = [("r", wsql, expr, f"{spark_expr}.over(w)")]
        feats.append(f"{agg} ORDER BY {okey}")
    elif fn == "PARTITION":
        agg = g.choice(["SUM", "AVG", "MIN", "MAX", "COUNT", "COUNT(*)"])
        pdf = {"SUM": "sum", "AVG": "mean", "MIN": "min", "MAX": "max", "COUNT": "count", "COUNT(*)": "size"}[agg]
        arg = "*" if agg == "COUNT(*)" else val
        wsql = f"{agg.replace('(*)', '')}({arg}) OVER ({psql.strip()})"
        if part:
            expr = f"t.groupby('{part}')['{'id' if agg == 'COUNT(*)' else val}'].transform('{pdf}')"
        else:
            expr = "len(t)" if agg == "COUNT(*)" else f"t['{val}'].{pdf}()"
        ps_lines.append(f"w = {pw if part else 'Window.partitionBy()'}")
        sfn = {"SUM": "F.sum", "MIN": "F.min", "MAX": "F.max", "COUNT": "F.count", "AVG": "F.avg"}
        spark_expr = "F.count(F.lit(1))" if agg == "COUNT(*)" else f"{sfn[agg]}('{val}')"
        items = [("r", wsql, expr, f"{spark_expr}.over(w)")]
        feats.append(agg + " OVER partition")
    else:
        lag = fn == "LAG"
        vcol = g.choice(["v", "x", "s"])
        off = g.choice([1, 1, 2])
        default = None
        if g.p(0.4):
            default = {"v": -1, "x": -1.5, "s": "none"}[vcol]
        asc = g.p(0.7)
        out_extra = [vcol]
        lines.append(f"s = t.sort_values('id'{'' if asc else ', ascending=False'}, kind='stable')")
        shift = off if lag else -off
        expr = f"{grp('s', vcol)}.shift({shift}{'' if default is None else ', fill_value=' + py_lit(default)})"
        sk = SortKey("id", asc, None)
        args = f"{vcol}, {off}" + ("" if default is None else f", {sql_lit(default)}")
        wsql = f"{fn}({args}) OVER ({psql}ORDER BY {sk.sql()})"
        ps_lines.append(f"w = {pw}.orderBy({sk.ps()})")
        ps_args = f"'{vcol}', {off}" + ("" if default is None else f", {py_lit(default)}")
        items = [("r", wsql, expr, f"F.{fn.lower()}({ps_args}).over(w)")]
        feats.append(f"offset {off}" + (" default" if default is not None else ""))
    cols = list(dict.fromkeys(["id"] + ([part] if part else []) + out_extra))
    final_order = g.p(0.3)
    sql = f"SELECT {', '.join(cols)}, " + ", ".join(f"{w} AS {n}" for n, w, _, _ in items) + " FROM t" + (f" WHERE {where.sql()}" if where is not None else "")
    if final_order:
        sql += " ORDER BY id"
    lines.append(f"result = t.assign({', '.join(f'{n}={e}' for n, _, e, _ in items)})[{cols + [n for n, _, _, _ in items]!r}]" + (".sort_values('id')" if final_order else ""))
    ps_lines.append(f"result = t.select({', '.join(repr(c) for c in cols)}, " + ", ".join(f"{p}.alias('{n}')" for n, _, _, p in items) + ")" + (".orderBy('id')" if final_order else ""))
    ob = ["id"] if final_order else []
    return sql, finish_pandas(tables, lines), "\n".join(ps_lines), {"pandas": ob, "spark": ob}, feats + describe_feats(where, [])


SHAPES = [
    ("filter", shape_filter, 22),
    ("arith", shape_arith, 7),
    ("agg", shape_agg, 18),
    ("global", shape_global, 7),
    ("sumbig", shape_sumbig, 3),
    ("distinct", shape_distinct, 5),
    ("join", shape_join, 12),
    ("setop", shape_setop, 8),
    ("subq", shape_subq, 7),
    ("window", shape_window, 14),
]


def make_case(seed, i, skipped):
    """The i-th spec of a seed: candidates are drawn until one is unambiguous."""
    attempt = 0
    while True:
        g = Gen(f"{seed}-{i}-{attempt}")
        attempt += 1
        name, fn, _ = g.r.choices(SHAPES, weights=[w for _, _, w in SHAPES])[0]
        tables = {"t": make_table(g, T_COLUMNS, "id", table_size(g))}
        if name in ("join", "setop", "subq"):
            tables["u"] = make_table(g, U_COLUMNS, "uid", table_size(g))
        try:
            sql, pandas, pyspark, order_by, feats = fn(g, tables)
        except Skip as e:
            skipped[str(e)] += 1
            continue
        sid = f"rnd-{seed}-{i:04d}-{name}"
        sizes = ", ".join(f"{n} {len(t['rows'])} rows" for n, t in tables.items())
        about = f"random {name} (seed {seed}, case {i}): {', '.join(feats)}; {sizes}"
        return {
            "id": sid,
            "about": about,
            "tables": tables,
            "sql": sql,
            "pandas": pandas,
            "pyspark": pyspark,
            "order_by": order_by,
        }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--start", type=int, default=0, help="first case number (to extend a run)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "random-specs"))
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    skipped = collections.Counter()
    shapes = collections.Counter()
    for i in range(args.start, args.start + args.n):
        spec = make_case(args.seed, i, skipped)
        shapes[spec["id"].rsplit("-", 1)[1]] += 1
        with open(os.path.join(args.out, spec["id"] + ".json"), "w", encoding="utf-8") as f:
            f.write(spec_text(spec))
    print(f"wrote {args.n} spec(s) to {args.out} (seed {args.seed}): " + ", ".join(f"{k} {v}" for k, v in sorted(shapes.items())))
    total = sum(skipped.values())
    print(f"skipped {total} ambiguous candidate(s):")
    for reason, count in skipped.most_common():
        print(f"  {count:5d}  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
