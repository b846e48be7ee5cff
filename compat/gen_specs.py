#!/usr/bin/env python3
"""Writes the random-table specs (compat/specs/rand-*.json) from seeded generators.

Run once when a random spec is added or changed:

    python3 compat/gen_specs.py

The concrete rows go into the spec file, so recording (compat/record.py) never
depends on randomness; the same seed always gives the same rows. Each table has
the mixed columns the random cases query:

    id  i64   unique 1..n (a tie-break for ORDER BY ... LIMIT)
    k   str   'a'..'f', null and '' sometimes
    g   str   'p', 'q', 'r', null sometimes
    s   str   words in several cases ('apple', 'Apple', 'APPLE', ...), null and ''
    x   f64   multiples of 0.25 in [-20, 20] (exact sums in any order), NaN and null
    v   i64   -10..20, null sometimes
    b   bool  null sometimes

This file also holds `spec_text`, the layout every spec file uses (the layout of
tests/compat/cases, with `order_by` in place of `expected`).
"""

import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS = os.path.join(HERE, "specs")

COLUMNS = [
    {"name": "id", "type": "i64"},
    {"name": "k", "type": "str"},
    {"name": "g", "type": "str"},
    {"name": "s", "type": "str"},
    {"name": "x", "type": "f64"},
    {"name": "v", "type": "i64"},
    {"name": "b", "type": "bool"},
]
WORDS = ["apple", "Apple", "APPLE", "pear", "Pear", "fig", "FIG", "kiwi", "banana", "Banana", "plum", "éclair"]


def random_table(seed, n):
    rng = random.Random(seed)

    def pick(values, p_null, p_empty=0.0):
        r = rng.random()
        if r < p_null:
            return None
        if r < p_null + p_empty:
            return ""
        return rng.choice(values)

    rows = []
    for i in range(1, n + 1):
        k = pick(list("abcdef"), 0.10, 0.04)
        g = pick(["p", "q", "r"], 0.08)
        s = pick(WORDS, 0.08, 0.06)
        r = rng.random()
        x = None if r < 0.08 else ("NaN" if r < 0.14 else rng.randint(-80, 80) / 4)
        v = None if rng.random() < 0.08 else rng.randint(-10, 20)
        r = rng.random()
        b = None if r < 0.10 else r < 0.55
        rows.append([i, k, g, s, x, v, b])
    return {"columns": COLUMNS, "rows": rows}


# id, seed, rows, about, sql, pandas, pyspark, order_by
RANDOM_SPECS = [
    (
        "rand-case-when-count-groupby",
        101,
        3000,
        "Conditional count SUM(CASE WHEN x > 0 THEN 1 ELSE 0 END) per str key with nulls and ''",
        "SELECT k, COUNT(*) AS n, SUM(CASE WHEN x > 0 THEN 1 ELSE 0 END) AS npos FROM t GROUP BY k",
        "t.assign(p=np.where(t['x'] > 0, 1, 0)).groupby('k').agg(n=('p', 'size'), npos=('p', 'sum')).reset_index()",
        "t.groupBy('k').agg(F.count(F.lit(1)).alias('n'), F.sum(F.when(F.col('x') > 0, 1).otherwise(0)).alias('npos'))",
        {"pandas": ["k"], "spark": []},
    ),
    (
        "rand-coalesce-groupby-avg",
        102,
        3000,
        "GROUP BY COALESCE(k, 'none') with AVG(COALESCE(v, 0)) and AVG(v): the null key becomes a group in both",
        "SELECT COALESCE(k, 'none') AS k2, AVG(COALESCE(v, 0)) AS a0, AVG(v) AS a FROM t GROUP BY COALESCE(k, 'none')",
        "t.assign(k2=t['k'].fillna('none'), v0=t['v'].fillna(0)).groupby('k2').agg(a0=('v0', 'mean'), a=('v', 'mean')).reset_index()",
        "t.groupBy(F.coalesce(F.col('k'), F.lit('none')).alias('k2')).agg(F.avg(F.coalesce(F.col('v'), F.lit(0))).alias('a0'), F.avg('v').alias('a'))",
        {"pandas": ["k2"], "spark": []},
    ),
    (
        "rand-median-per-group",
        103,
        3000,
        "MEDIAN of an f64 column with NaN and null and of an i64 column with nulls, per key with nulls",
        "SELECT g, MEDIAN(x) AS mx, MEDIAN(v) AS mv, COUNT(x) AS nx FROM t GROUP BY g",
        "t.groupby('g').agg(mx=('x', 'median'), mv=('v', 'median'), nx=('x', 'count')).reset_index()",
        "t.groupBy('g').agg(F.median('x').alias('mx'), F.median('v').alias('mv'), F.count('x').alias('nx'))",
        {"pandas": ["g"], "spark": []},
    ),
    (
        "rand-corr-per-group-filtered",
        104,
        3000,
        "CORR(x, v) per key after WHERE x < 100 (drops NaN under Spark, where NaN is above every number; pairs with a null skipped)",
        "SELECT k, CORR(x, v) AS r, COUNT(*) AS n FROM t WHERE x < 100 GROUP BY k",
        "(lambda g: pd.DataFrame({'r': g[['x', 'v']].apply(lambda d: d['x'].corr(d['v'])), 'n': g.size()}).reset_index())(t[t['x'] < 100].groupby('k'))",
        "t.filter(F.col('x') < 100).groupBy('k').agg(F.corr('x', 'v').alias('r'), F.count(F.lit(1)).alias('n'))",
        {"pandas": ["k"], "spark": []},
    ),
    (
        "rand-multi-agg-order-limit",
        105,
        3000,
        "WHERE b = true (a null b fails in both), GROUP BY two keys with nulls, COUNT/SUM/MIN of f64 with NaN/MAX of str, ORDER BY n DESC with both keys as tie-break, LIMIT 6",
        "SELECT k, g, COUNT(*) AS n, SUM(v) AS sv, MIN(x) AS lo, MAX(s) AS w FROM t WHERE b = true GROUP BY k, g ORDER BY n DESC, k, g LIMIT 6",
        "t[t['b'] == True].groupby(['k', 'g']).agg(n=('v', 'size'), sv=('v', 'sum'), lo=('x', 'min'), w=('s', 'max')).reset_index().sort_values(['n', 'k', 'g'], ascending=[False, True, True], kind='stable').head(6)",
        "t.filter(F.col('b') == True).groupBy('k', 'g').agg(F.count(F.lit(1)).alias('n'), F.sum('v').alias('sv'), F.min('x').alias('lo'), F.max('s').alias('w')).orderBy(F.col('n').desc(), F.col('k').asc(), F.col('g').asc()).limit(6)",
        {"pandas": ["n", "k", "g"], "spark": ["n", "k", "g"]},
    ),
    (
        "rand-lower-length-groupby",
        106,
        3000,
        "GROUP BY LOWER(s) over mixed-case words with '' and null: COUNT(*), MIN(LENGTH(s)), COUNT(DISTINCT s)",
        "SELECT LOWER(s) AS ls, COUNT(*) AS n, MIN(LENGTH(s)) AS minlen, COUNT(DISTINCT s) AS variants FROM t GROUP BY LOWER(s)",
        "t.assign(ls=t['s'].str.lower(), slen=t['s'].str.len()).groupby('ls').agg(n=('ls', 'size'), minlen=('slen', 'min'), variants=('s', 'nunique')).reset_index()",
        "t.groupBy(F.lower('s').alias('ls')).agg(F.count(F.lit(1)).alias('n'), F.min(F.length('s')).alias('minlen'), F.countDistinct('s').alias('variants'))",
        {"pandas": ["ls"], "spark": []},
    ),
    (
        "rand-filter-order-offset",
        107,
        3000,
        "WHERE v > 5 AND s <> '' (a null s passes under pandas only), ORDER BY v DESC, id, LIMIT 20 OFFSET 10",
        "SELECT id, v, s, x FROM t WHERE v > 5 AND s <> '' ORDER BY v DESC, id LIMIT 20 OFFSET 10",
        "t[(t['v'] > 5) & (t['s'] != '')].sort_values(['v', 'id'], ascending=[False, True], kind='stable').iloc[10:30][['id', 'v', 's', 'x']]",
        "t.filter((F.col('v') > 5) & (F.col('s') != '')).orderBy(F.col('v').desc(), F.col('id').asc()).offset(10).limit(20).select('id', 'v', 's', 'x')",
        {"pandas": ["v", "id"], "spark": ["v", "id"]},
    ),
    (
        "rand-groupby-mod-expr",
        108,
        3000,
        "GROUP BY v % 3 over negative and null v (pandas floors, Spark truncates and keeps a NULL group), COUNT(*), COUNT(x) with NaN, AVG(v)",
        "SELECT v % 3 AS m, COUNT(*) AS n, COUNT(x) AS nx, AVG(v) AS a FROM t GROUP BY v % 3",
        "t.assign(m=t['v'] % 3).groupby('m').agg(n=('x', 'size'), nx=('x', 'count'), a=('v', 'mean')).reset_index()",
        "t.groupBy((F.col('v') % 3).alias('m')).agg(F.count(F.lit(1)).alias('n'), F.count('x').alias('nx'), F.avg('v').alias('a'))",
        {"pandas": ["m"], "spark": []},
    ),
    (
        "rand-subquery-having-order",
        109,
        3000,
        "Subquery in FROM: per-key COUNT(*) and SUM(v), the outer query filters n > 200 (the null-key group passes under Spark) and orders by n DESC, k",
        "SELECT k, n, s FROM (SELECT k, COUNT(*) AS n, SUM(v) AS s FROM t GROUP BY k) q WHERE n > 200 ORDER BY n DESC, k",
        "t.groupby('k').agg(n=('v', 'size'), s=('v', 'sum')).reset_index().loc[lambda d: d['n'] > 200].sort_values(['n', 'k'], ascending=[False, True], kind='stable')",
        "t.groupBy('k').agg(F.count(F.lit(1)).alias('n'), F.sum('v').alias('s')).filter(F.col('n') > 200).orderBy(F.col('n').desc(), F.col('k').asc())",
        {"pandas": ["n", "k"], "spark": ["n", "k"]},
    ),
    (
        "rand-distinct-order-limit",
        110,
        3000,
        "SELECT DISTINCT over a str key and a bool with nulls, ORDER BY both, LIMIT 7",
        "SELECT DISTINCT g, b FROM t ORDER BY g, b LIMIT 7",
        "t[['g', 'b']].drop_duplicates().sort_values(['g', 'b'], kind='stable').head(7)",
        "t.select('g', 'b').distinct().orderBy(F.col('g').asc(), F.col('b').asc()).limit(7)",
        {"pandas": ["g", "b"], "spark": ["g", "b"]},
    ),
    (
        "rand-round-avg-case-groupby",
        111,
        3000,
        "WHERE x < 100 (drops NaN under Spark), GROUP BY a CASE expression by ordinal (a null v takes ELSE in both), ROUND(AVG(v), 2) and ROUND(AVG(x), 1) per group",
        "SELECT CASE WHEN v < 0 THEN 'neg' WHEN v < 10 THEN 'low' ELSE 'high' END AS band, COUNT(*) AS n, ROUND(AVG(v), 2) AS av, ROUND(AVG(x), 1) AS ax FROM t WHERE x < 100 GROUP BY 1",
        "t[t['x'] < 100].assign(band=lambda d: np.select([d['v'] < 0, d['v'] < 10], ['neg', 'low'], default='high')).groupby('band').agg(n=('v', 'size'), av=('v', 'mean'), ax=('x', 'mean')).round({'av': 2, 'ax': 1}).reset_index()",
        "t.filter(F.col('x') < 100).groupBy(F.when(F.col('v') < 0, 'neg').when(F.col('v') < 10, 'low').otherwise('high').alias('band')).agg(F.count(F.lit(1)).alias('n'), F.round(F.avg('v'), 2).alias('av'), F.round(F.avg('x'), 1).alias('ax'))",
        {"pandas": ["band"], "spark": []},
    ),
]


def dump(v):
    return json.dumps(v, ensure_ascii=False, allow_nan=False)


def spec_text(spec):
    """A spec file: the case layout, `order_by` in place of `expected`."""
    out = ["{"]
    out.append(f'  "id": {dump(spec["id"])},')
    out.append(f'  "about": {dump(spec["about"])},')
    out.append('  "tables": {')
    names = list(spec["tables"])
    for i, name in enumerate(names):
        t = spec["tables"][name]
        out.append(f"    {dump(name)}: {{")
        out.append('      "columns": [')
        out.append(",\n".join("        " + dump({"name": c["name"], "type": c["type"]}) for c in t["columns"]))
        out.append("      ],")
        if t["rows"]:
            out.append('      "rows": [')
            out.append(",\n".join("        " + dump(r) for r in t["rows"]))
            out.append("      ]")
        else:
            out.append('      "rows": []')
        out.append("    }" + ("," if i + 1 < len(names) else ""))
    out.append("  },")
    out.append(f'  "sql": {dump(spec["sql"])},')
    out.append(f'  "pandas": {dump(spec["pandas"])},')
    out.append(f'  "pyspark": {dump(spec["pyspark"])},')
    out.append('  "order_by": {')
    out.append(f'    "pandas": {dump(spec["order_by"]["pandas"])},')
    out.append(f'    "spark": {dump(spec["order_by"]["spark"])}')
    out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def write_spec(spec):
    path = os.path.join(SPECS, spec["id"] + ".json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(spec_text(spec))
    return path


def main():
    os.makedirs(SPECS, exist_ok=True)
    for sid, seed, n, about, sql, pandas, pyspark, order_by in RANDOM_SPECS:
        spec = {
            "id": sid,
            "about": f"{about} (random table, seed {seed}, {n} rows)",
            "tables": {"t": random_table(seed, n)},
            "sql": sql,
            "pandas": pandas,
            "pyspark": pyspark,
            "order_by": order_by,
        }
        write_spec(spec)
        print(f"wrote compat/specs/{sid}.json")


if __name__ == "__main__":
    main()
