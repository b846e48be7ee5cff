#!/usr/bin/env python3
"""Records compatibility cases by running real pandas and real PySpark.

Usage (normally through `make compat-record`, which pins the versions):

    .venv/bin/python compat/record.py --out tests/compat/cases compat/specs/*.json

A spec (compat/specs/<id>.json) holds `id`, `about`, `tables` (the case format of
tests/compat/FORMAT.md), `sql`, `pandas`, `pyspark` and `order_by`
(`{"pandas": [...], "spark": [...]}`: the output columns whose sequence is part of
the result). The recorder

- builds the inputs as shared/SEMANTICS.md describes: a pandas frame per table from
  Python lists (None for missing, float('nan') for NaN, dtypes inferred), and a Spark
  DataFrame per table with an explicit schema (bigint / double / string / boolean,
  NaN and NULL kept apart), also registered as a temp view of the same name;
  columns of the other types get explicit dtypes on both sides (pandas_column,
  spark_type): i8..u64 are numpy int8..uint64 (no nulls allowed: a numpy integer
  has no missing value) and tinyint / smallint / int / smallint (u8) / int (u16) /
  bigint (u32) / decimal(20,0) (u64), as Spark reads Parquet's types; f32 is
  float32 / float; date is an object column of datetime.date (None for null, as
  pd.read_parquet gives a Parquet date32) / date; timestamp is datetime64[us] /
  timestamp; timestamp[ZONE] is datetime64[us, ZONE] / timestamp, the same instant;
- evaluates the `pandas` code with every table bound by name plus `pd` and `np`,
  and the `pyspark` code with every table bound by name plus `F` and `spark`
  (an expression, or statements that assign `result`);
- runs the spec's SQL through Spark too and stops when its result differs from
  the `pyspark` code's, in column names, column types or rows (the PySpark code
  must compute what the SQL says);
- writes tests/compat/cases/<id>.json with `expected.pandas` and `expected.spark`:
  a result (`columns`, `dtypes`, `order_by`, `rows`, in that order), or
  `{"error": ...}` with Spark's error condition (getCondition(), e.g.
  DIVIDE_BY_ZERO or DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE) or the pandas
  exception class name. A Spark error without a condition is named by the simple
  class name of its Java exception, and the recorder prints a `note` line for it.

`dtypes` has one entry per output column, in the reference's own type names:
under pandas `str(series.dtype)` of each result column (`int64`, `float64`,
`str`, `bool`, `object`, ...), under Spark `field.dataType.simpleString()` of
each field of the result schema (`bigint`, `double`, `string`, `boolean`, ...).

Values: under pandas a missing value (None, NaN, NA, NaT) is written null; under
Spark null is null and a float NaN is "NaN". Infinities are "inf" / "-inf" under
both; a float32 is written as float(v), the f64 value of the f32. A timestamp (a
pandas Timestamp or a Python datetime) is written str(v), e.g. "2024-01-31 05:06:07",
"2024-01-31 05:06:07.123456", "2024-01-31 05:00:00+00:00" (a zoned pandas value); a
date "YYYY-MM-DD"; a duration (a pandas Timedelta, or the datetime.timedelta of a
Spark `interval day to second`) its exact number of microseconds, an integer; a
Spark decimal the string str(d) of its exact text, e.g. "18446744073709551615".
Spark rows whose order is not part of the result (order_by empty, or rows within a
run of equal order_by values) are sorted (null first, NaN above numbers) so that
re-recording gives byte-identical files; pandas rows keep the order pandas gave.

Time zone: the recorder runs in UTC whatever the machine's zone. It sets TZ=UTC in
its own process (time.tzset(), before pandas and pyspark are imported, so the Spark
JVM it starts inherits it) and the Spark session time zone
(spark.sql.session.timeZone) to UTC. So a naive `timestamp` cell is the instant of
that wall time in UTC, Spark shows every TIMESTAMP value (and computes HOUR,
DATE_FORMAT, CAST to DATE or STRING, ...) in UTC, and a zoned pandas column shows
local time in its own zone.

The Spark session (local[2], default configuration apart from the session time zone
and the UI settings) and its JVM are stopped when the script ends, also on errors.
"""

import argparse
import datetime
import decimal
import json
import math
import os
import re
import sys
import time
import zoneinfo

TYPES = ("bool", "i64", "f64", "str")  # pandas infers their dtypes from plain lists
INT_RANGES = {
    "i8": (-(2**7), 2**7 - 1),
    "i16": (-(2**15), 2**15 - 1),
    "i32": (-(2**31), 2**31 - 1),
    "u8": (0, 2**8 - 1),
    "u16": (0, 2**16 - 1),
    "u32": (0, 2**32 - 1),
    "u64": (0, 2**64 - 1),
}
EXPLICIT_TYPES = tuple(INT_RANGES) + ("f32", "date", "timestamp")  # and timestamp[ZONE]: explicit dtypes
ZONED = re.compile(r"timestamp\[([^\[\]]+)\]")
# decimal(10,2): pandas holds decimal.Decimal objects (an object column, what
# pd.read_parquet gives for a Parquet decimal), Spark DECIMAL(p,s).
DECIMAL = re.compile(r"decimal\((\d+),(\d+)\)")  # timestamp[UTC], timestamp[America/New_York]
DATE_TEXT = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
TIMESTAMP_TEXT = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?")
OFFSET_TEXT = re.compile(r"([+-])(\d{2}):(\d{2})")
SPEC_KEYS = ("id", "about", "tables", "sql", "pandas", "pyspark", "order_by")


class SpecError(Exception):
    """A spec that cannot be recorded as written."""


# ---------------------------------------------------------------- input tables


def input_value(v, typ, where):
    """A JSON cell of a case table as the Python value both engines get (an int for
    the integer types, a float for f32/f64, a datetime.date for date, a naive
    datetime.datetime for timestamp, an aware one for timestamp[ZONE])."""
    if v is None:
        return None
    if typ in ("f64", "f32"):
        if isinstance(v, str):
            special = {"NaN": float("nan"), "inf": float("inf"), "-inf": float("-inf")}
            if v not in special:
                raise SpecError(f"{where}: {typ} cell {v!r} is not a number, NaN, inf or -inf")
            return special[v]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise SpecError(f"{where}: {typ} cell {v!r} is not a number")
        return float(v)
    if typ == "i64":
        if isinstance(v, bool) or not isinstance(v, int):
            raise SpecError(f"{where}: i64 cell {v!r} is not an integer")
        return v
    if typ in INT_RANGES:
        lo, hi = INT_RANGES[typ]
        if isinstance(v, bool) or not isinstance(v, int):
            raise SpecError(f"{where}: {typ} cell {v!r} is not an integer")
        if not lo <= v <= hi:
            raise SpecError(f"{where}: {typ} cell {v} is outside {lo}..{hi}")
        return v
    if typ in ("str", "category"):
        if not isinstance(v, str):
            raise SpecError(f"{where}: str cell {v!r} is not a string")
        return v
    d = DECIMAL.fullmatch(typ)
    if d is not None:
        # Written as text ("12.50"), with at most the type's scale and precision.
        try:
            x = decimal.Decimal(v) if isinstance(v, str) else None
        except decimal.InvalidOperation:
            x = None
        p, sc = int(d.group(1)), int(d.group(2))
        if x is None or not x.is_finite():
            raise SpecError(f"{where}: {typ} cell {v!r} is not a decimal written as a string")
        with decimal.localcontext(prec=100):
            q = x.quantize(decimal.Decimal(1).scaleb(-sc))
        if q != x or len(q.as_tuple().digits) > p and q != 0:
            raise SpecError(f"{where}: {typ} cell {v!r} does not fit {typ}")
        return q
    if typ == "bool":
        if not isinstance(v, bool):
            raise SpecError(f"{where}: bool cell {v!r} is not a boolean")
        return v
    if typ == "date":
        m = DATE_TEXT.fullmatch(v) if isinstance(v, str) else None
        if m is None:
            raise SpecError(f"{where}: date cell {v!r} is not a string YYYY-MM-DD")
        try:
            return datetime.date(*(int(g) for g in m.groups()))
        except ValueError as e:
            raise SpecError(f"{where}: date cell {v!r} is not a valid date ({e})")
    if typ == "timestamp" or ZONED.fullmatch(typ):
        zoned = typ != "timestamp"
        text = v if isinstance(v, str) else None
        offset = None
        if text is not None and zoned:
            offset = OFFSET_TEXT.fullmatch(text[-6:])
            text = text[:-6] if offset else None
        m = TIMESTAMP_TEXT.fullmatch(text) if text is not None else None
        if m is None:
            shape = "YYYY-MM-DD HH:MM:SS[.ffffff]" + (
                "+HH:MM (an explicit UTC offset)" if zoned else " (a naive wall time: no UTC offset)"
            )
            raise SpecError(f"{where}: {typ} cell {v!r} is not a string {shape}")
        y, mo, d, h, mi, sec, frac = m.groups()
        tz = None
        if zoned:
            sign, oh, om = offset.groups()
            delta = datetime.timedelta(hours=int(oh), minutes=int(om))
            tz = datetime.timezone(-delta if sign == "-" else delta)
        try:
            return datetime.datetime(
                int(y), int(mo), int(d), int(h), int(mi), int(sec), int((frac or "").ljust(6, "0")), tzinfo=tz
            )
        except ValueError as e:
            raise SpecError(f"{where}: {typ} cell {v!r} is not a valid time ({e})")
    raise SpecError(f"{where}: unknown type {typ!r}")


def check_type(name, typ):
    """Refuses a column type the case format does not have (and an unknown zone)."""
    if typ in TYPES or typ in EXPLICIT_TYPES or typ == "category":
        return
    d = DECIMAL.fullmatch(typ)
    if d is not None:
        p, sc = int(d.group(1)), int(d.group(2))
        if not (1 <= p <= 38 and sc <= p):
            raise SpecError(f"table {name}: {typ} needs precision 1..38 and scale <= precision")
        return
    m = ZONED.fullmatch(typ)
    if m is None:
        raise SpecError(f"table {name}: unknown column type {typ!r}")
    try:
        zoneinfo.ZoneInfo(m.group(1))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SpecError(f"table {name}: column type {typ!r} names no IANA time zone")


def table_columns(name, table):
    """(column names, column types, column-major Python values) of a spec table."""
    cols = table["columns"]
    names = [c["name"] for c in cols]
    types = [c["type"] for c in cols]
    for c in cols:
        check_type(name, c["type"])
        if c["type"] == "category":
            cats = c.get("categories")
            if not isinstance(cats, list) or not all(isinstance(x, str) for x in cats) or len(set(cats)) != len(cats):
                raise SpecError(f"table {name}, column {c['name']}: a category column lists its distinct categories (strings)")
        elif "categories" in c or "ordered" in c:
            raise SpecError(f"table {name}, column {c['name']}: only a category column has categories")
    values = [[] for _ in cols]
    for i, row in enumerate(table["rows"]):
        if len(row) != len(cols):
            raise SpecError(f"table {name}, row {i}: {len(row)} cells for {len(cols)} columns")
        for j, v in enumerate(row):
            where = f"table {name}, row {i}, column {names[j]}"
            values[j].append(input_value(v, types[j], where))
            if types[j] == "category" and v is not None and v not in cols[j]["categories"]:
                raise SpecError(f"{where}: {v!r} is not one of the column's categories")
    return names, types, values


def pandas_column(pd, typ, vals, where):
    """A pandas column of one of the types after the first four (those are built from
    plain lists with inferred dtypes, as they always were): numpy int8..uint64 and
    float32; an object column of datetime.date (None for null), what pd.read_parquet
    gives for a Parquet date32 column; datetime64[us] (NaT for null); and for
    timestamp[ZONE] datetime64[us, ZONE], each instant converted to ZONE."""
    if typ in INT_RANGES:
        if any(v is None for v in vals):
            raise SpecError(
                f"{where}: a {typ} column cannot hold null in pandas (a numpy "
                f"{np_int_name(typ)} has no missing value; pandas would make the column float64): "
                "leave nulls out of small-integer columns"
            )
        return pd.Series(vals, dtype=np_int_name(typ))
    if typ == "f32":
        return pd.Series(vals, dtype="float32")
    if typ == "date":
        return pd.Series(vals, dtype=object)
    if typ == "timestamp":
        return pd.Series(vals, dtype="datetime64[us]")
    if DECIMAL.fullmatch(typ):
        return pd.Series(vals, dtype=object)
    zone = ZONED.fullmatch(typ).group(1)
    instants = pd.to_datetime(pd.Series(vals, dtype=object), utc=True)
    return instants.dt.tz_convert(zone).dt.as_unit("us")


def np_int_name(typ):
    return {"i": "int", "u": "uint"}[typ[0]] + typ[1:]


def pandas_table(pd, name, table):
    names, types, values = table_columns(name, table)
    cols = {}
    for c, n, t, vals in zip(table["columns"], names, types, values):
        if t == "category":
            # pandas' category dtype (what pd.read_parquet gives for a dictionary
            # column pandas wrote); Spark sees the strings.
            cols[n] = pd.Series(pd.Categorical(vals, categories=c["categories"], ordered=c.get("ordered", False)))
        elif t == "f64":
            # A double column is float64 even when every value is missing (from a
            # plain list of None pandas would build an object column).
            cols[n] = pd.Series(vals, dtype="float64")
        elif t in TYPES:
            cols[n] = vals
        else:
            cols[n] = pandas_column(pd, t, vals, f"table {name}, column {n}")
    return pd.DataFrame(cols)


def spark_type(T, typ):
    """The Spark type of a column type: the unsigned ones as Spark reads Parquet
    uint8/16/32/64 (smallint, int, bigint, decimal(20,0)); every timestamp type as
    TIMESTAMP (with local time zone), which holds an instant."""
    simple = {
        "bool": T.BooleanType(),
        "i64": T.LongType(),
        "f64": T.DoubleType(),
        "str": T.StringType(),
        "category": T.StringType(),
        "i8": T.ByteType(),
        "i16": T.ShortType(),
        "i32": T.IntegerType(),
        "u8": T.ShortType(),
        "u16": T.IntegerType(),
        "u32": T.LongType(),
        "u64": T.DecimalType(20, 0),
        "f32": T.FloatType(),
        "date": T.DateType(),
        "timestamp": T.TimestampType(),
    }
    d = DECIMAL.fullmatch(typ)
    if d is not None:
        return T.DecimalType(int(d.group(1)), int(d.group(2)))
    return simple[typ] if typ in simple else T.TimestampType()


def spark_table(spark, T, name, table):
    names, types, values = table_columns(name, table)
    schema = T.StructType([T.StructField(n, spark_type(T, t), True) for n, t in zip(names, types)])
    values = [
        [None if v is None else decimal.Decimal(v) for v in col] if t == "u64" else col
        for t, col in zip(types, values)
    ]
    rows = [tuple(col[i] for col in values) for i in range(len(table["rows"]))]
    df = spark.createDataFrame(rows, schema=schema)
    df.createOrReplaceTempView(name)
    return df


# ---------------------------------------------------------------- running code


def run_code(code, namespace):
    """Evaluates an expression, or runs statements and returns their `result`."""
    try:
        compiled = compile(code, "<spec>", "eval")
    except SyntaxError:
        exec(compile(code, "<spec>", "exec"), namespace)
        if "result" not in namespace:
            raise SpecError("statements must assign the result to `result`")
        return namespace["result"]
    return eval(compiled, namespace)


# ---------------------------------------------------------------- output values


def float_out(x, nan):
    if math.isnan(x):
        return nan
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def pandas_cell(v, pd, np):
    """A pandas result cell as JSON: every missing value is null."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float_out(float(v), None)
    if isinstance(v, str):
        return v
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else str(pd.Timestamp(v))
    if isinstance(v, np.timedelta64):
        return None if np.isnat(v) else duration_micros(pd.Timedelta(v))
    if isinstance(v, (datetime.date, datetime.timedelta)):
        return time_cell(v)
    if isinstance(v, decimal.Decimal):
        # An object column of Decimal: the exact text Python gives it ("13.50").
        return None if v.is_nan() else str(v)
    raise SpecError(f"pandas result cell {v!r} of type {type(v).__name__} has no JSON form")


def time_cell(v):
    """A date, time or duration cell as JSON: a datetime (a pandas Timestamp is one)
    as str(v), e.g. "2024-01-31 05:06:07.123456" or "2024-01-31 05:00:00+00:00"; a
    date as "YYYY-MM-DD"; a duration as its exact number of microseconds."""
    if isinstance(v, datetime.datetime):
        return str(v)
    if isinstance(v, datetime.date):
        return v.isoformat()
    return duration_micros(v)


def duration_micros(v):
    """The exact number of microseconds of a datetime.timedelta or a pandas Timedelta
    (a timedelta that may also hold nanoseconds: refused unless they are zero)."""
    if getattr(v, "nanoseconds", 0):
        raise SpecError(f"the duration {v!r} is not a whole number of microseconds")
    return (v.days * 86400 + v.seconds) * 1_000_000 + v.microseconds


def spark_cell(v):
    """A Spark result cell as JSON: null is null, NaN is "NaN"; a date, timestamp or
    interval as time_cell writes it; a decimal as the string of its exact text."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return float_out(v, "NaN")
    if isinstance(v, (datetime.date, datetime.timedelta)):
        return time_cell(v)
    if isinstance(v, decimal.Decimal):
        return str(v)
    raise SpecError(f"Spark result cell {v!r} of type {type(v).__name__} has no JSON form")


def sort_key(row):
    """A total order on JSON cells of one column type: null < values < NaN."""
    key = []
    for v in row:
        if v is None:
            key.append((0,))
        elif isinstance(v, bool):
            key.append((1, int(v)))
        elif v == "NaN":
            key.append((3,))
        elif v == "inf":
            key.append((2, math.inf))
        elif v == "-inf":
            key.append((2, -math.inf))
        elif isinstance(v, (int, float)):
            key.append((2, v))
        else:
            key.append((4, v))
    return key


def settle_order(columns, order_by, rows):
    """Sorts rows whose order is not part of the result (whole result, or ties)."""
    idx = [columns.index(c) for c in order_by]
    if not idx:
        return sorted(rows, key=sort_key)
    out, i = [], 0
    while i < len(rows):
        k = [rows[i][x] for x in idx]
        j = i + 1
        while j < len(rows) and [rows[j][x] for x in idx] == k:
            j += 1
        out.extend(sorted(rows[i:j], key=sort_key))
        i = j
    return out


def pandas_expectation(obj, order_by, pd, np):
    if isinstance(obj, pd.Series):
        named_index = any(n is not None for n in obj.index.names)
        obj = obj.reset_index() if named_index else obj.to_frame()
    if not isinstance(obj, pd.DataFrame):
        raise SpecError(f"the pandas code returned a {type(obj).__name__}, not a DataFrame or Series")
    columns = [c if isinstance(c, str) else None for c in obj.columns]
    if None in columns:
        raise SpecError(f"pandas result columns must be strings: {list(obj.columns)!r}")
    dtypes = [str(obj.iloc[:, i].dtype) for i in range(obj.shape[1])]
    rows = [[pandas_cell(v, pd, np) for v in r] for r in obj.astype(object).itertuples(index=False, name=None)]
    check_order_by(columns, order_by, "pandas")
    return {"columns": columns, "dtypes": dtypes, "order_by": list(order_by), "rows": rows}


def spark_rows(df):
    """Column names, Spark SQL type names (simpleString) and JSON rows of a DataFrame."""
    dtypes = [f.dataType.simpleString() for f in df.schema.fields]
    return df.columns, dtypes, [[spark_cell(v) for v in r] for r in df.collect()]


def check_order_by(columns, order_by, engine):
    for c in order_by:
        if c not in columns:
            raise SpecError(f"order_by.{engine} names {c!r}, which is not an output column {columns!r}")


def spark_error_name(e):
    """(name, has_condition): Spark's error condition (getCondition(), e.g.
    DIVIDE_BY_ZERO or DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE); for an error
    without one, the simple class name of the Java exception (the Python class
    name when no Java exception is behind it)."""
    get = getattr(e, "getCondition", None)
    cond = None
    try:
        cond = get() if callable(get) else None
    except Exception:
        cond = None
    if cond:
        return cond, True
    java = getattr(e, "_origin", None) or getattr(e, "java_exception", None)
    if java is not None:
        try:
            cond = java.getCondition()  # a SparkThrowable that PySpark did not convert
        except Exception:
            cond = None
        if cond:
            return cond, True
        try:
            return java.getClass().getSimpleName(), False
        except Exception:
            pass
    return type(e).__name__, False


# ---------------------------------------------------------------- case files


def dump(v):
    return json.dumps(v, ensure_ascii=False, allow_nan=False)


def rows_block(rows, indent):
    if not rows:
        return "[]"
    pad = " " * (indent + 2)
    body = ",\n".join(pad + dump(r) for r in rows)
    return "[\n" + body + "\n" + " " * indent + "]"


def expectation_text(e, indent):
    """An expectation as case-file text: an error on one line, a result with one row
    a line (`order_by` only where the expectation has one: CSV cases have none)."""
    if "error" in e:
        return dump({"error": e["error"]})
    keys = [k for k in ("columns", "dtypes", "order_by") if k in e]
    if not e["rows"]:
        return dump({**{k: e[k] for k in keys}, "rows": []})
    pad = " " * (indent + 2)
    head = "".join(f'{pad}"{k}": {dump(e[k])},\n' for k in keys)
    return "{\n" + head + f'{pad}"rows": {rows_block(e["rows"], indent + 2)}\n' + " " * indent + "}"


def case_text(case):
    """A case file in the layout of tests/compat/cases (two-space indent, a row a line)."""
    out = ["{"]
    out.append(f'  "id": {dump(case["id"])},')
    out.append(f'  "about": {dump(case["about"])},')
    out.append('  "tables": {')
    names = list(case["tables"])
    for i, name in enumerate(names):
        t = case["tables"][name]
        out.append(f"    {dump(name)}: {{")
        out.append('      "columns": [')
        cols = [
            {k: c[k] for k in ("name", "type", "categories", "ordered") if k in c}
            for c in t["columns"]
        ]
        out.append(",\n".join("        " + dump(c) for c in cols))
        out.append("      ],")
        out.append(f'      "rows": {rows_block(t["rows"], 6)}')
        out.append("    }" + ("," if i + 1 < len(names) else ""))
    out.append("  },")
    out.append(f'  "sql": {dump(case["sql"])},')
    out.append(f'  "pandas": {dump(case["pandas"])},')
    out.append(f'  "pyspark": {dump(case["pyspark"])},')
    out.append('  "expected": {')
    out.append(f'    "pandas": {expectation_text(case["expected"]["pandas"], 4)},')
    out.append(f'    "spark": {expectation_text(case["expected"]["spark"], 4)}')
    out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def load_spec(path):
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    missing = [k for k in SPEC_KEYS if k not in spec]
    if missing:
        raise SpecError(f"{path}: missing {', '.join(missing)}")
    stem = os.path.splitext(os.path.basename(path))[0]
    if spec["id"] != stem:
        raise SpecError(f"{path}: id {spec['id']!r} differs from the file name")
    ob = spec["order_by"]
    if not isinstance(ob, dict) or set(ob) != {"pandas", "spark"}:
        raise SpecError(f"{path}: order_by must be {{\"pandas\": [...], \"spark\": [...]}}")
    return spec


# ---------------------------------------------------------------- recording


def load_specs(paths, load):
    """The specs of `paths` (sorted), read by `load`; ids must be unique."""
    specs = [load(p) for p in sorted(paths)]
    ids = [s["id"] for s in specs]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SpecError(f"duplicate spec ids: {', '.join(dup)}")
    return specs


def pin_time_zone():
    """Runs this process in UTC, so that nothing recorded depends on the machine's
    zone: PySpark turns a naive datetime into an instant, and an instant back into a
    naive datetime, in the process's local zone, and the Spark JVM (started later
    from this process) inherits TZ as its default zone."""
    os.environ["TZ"] = "UTC"
    time.tzset()


class Recorder:
    def __init__(self):
        pin_time_zone()  # before pandas, pyspark and the JVM start
        import numpy as np
        import pandas as pd
        from pyspark.sql import SparkSession
        from pyspark.sql import functions as F
        from pyspark.sql import types as T

        self.pd, self.np, self.F, self.T = pd, np, F, T
        self.spark = (
            SparkSession.builder.master("local[2]")
            .appName("partita-compat-record")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")
        self.notes = []  # Spark errors recorded without a condition, per spec

    def versions(self):
        import pyarrow
        import pyspark

        return (
            f"pandas {self.pd.__version__}, numpy {self.np.__version__}, pyarrow {pyarrow.__version__}, "
            f"pyspark {pyspark.__version__} (Spark {self.spark.version})"
        )

    def stop(self):
        from pyspark import SparkContext

        gateway = SparkContext._gateway
        try:
            self.spark.stop()
        finally:
            if gateway is not None:
                gateway.shutdown()
                proc = getattr(gateway, "proc", None)
                if proc is not None:
                    try:
                        proc.stdin.close()
                    except Exception:
                        pass
                    try:
                        proc.wait(timeout=30)
                    except Exception:
                        proc.kill()
                        proc.wait()
                SparkContext._gateway = None
                SparkContext._jvm = None

    def record_pandas(self, spec):
        pd, np = self.pd, self.np
        ns = {"pd": pd, "np": np}
        for name, t in spec["tables"].items():
            ns[name] = pandas_table(pd, name, t)
        try:
            result = run_code(spec["pandas"], ns)
            if isinstance(result, (pd.DataFrame, pd.Series)):
                result = result.copy()
        except (SpecError, NameError, SyntaxError):
            raise  # a mistake in the spec, not a behaviour of pandas
        except Exception as e:  # the reference raised: that is the expectation
            return {"error": type(e).__name__}
        return pandas_expectation(result, spec["order_by"]["pandas"], pd, np)

    def spark_outcome(self, make_df):
        try:
            df = make_df()
            if df.__class__.__name__ != "DataFrame":
                raise SpecError(f"the PySpark code returned a {type(df).__name__}, not a DataFrame")
            columns, dtypes, rows = spark_rows(df)
        except (SpecError, NameError, SyntaxError):
            raise  # a mistake in the spec, not a behaviour of Spark
        except Exception as e:
            name, has_condition = spark_error_name(e)
            if not has_condition:
                self.notes.append(f"Spark raised {type(e).__name__} without an error condition: recorded {name!r}")
            return {"error": name}
        return {"columns": list(columns), "dtypes": dtypes, "rows": rows}

    def record_spark(self, spec):
        ns = {"F": self.F, "spark": self.spark}
        for name in list(spec["tables"]):
            self.spark.catalog.dropTempView(name)
        for name, t in spec["tables"].items():
            ns[name] = spark_table(self.spark, self.T, name, t)
        order_by = spec["order_by"]["spark"]
        got = self.spark_outcome(lambda: run_code(spec["pyspark"], ns))
        via_sql = self.spark_outcome(lambda: self.spark.sql(spec["sql"]))
        for name in spec["tables"]:
            self.spark.catalog.dropTempView(name)
        if "error" in got:
            if via_sql != got:
                raise SpecError(f"the PySpark code raised {got['error']}, Spark SQL gave {describe(via_sql)}")
            return got
        check_order_by(got["columns"], order_by, "spark")
        rows = settle_order(got["columns"], order_by, got["rows"])
        if "error" in via_sql or via_sql["columns"] != got["columns"]:
            raise SpecError(f"Spark SQL gave {describe(via_sql)}, the PySpark code columns {got['columns']}")
        if via_sql["dtypes"] != got["dtypes"]:
            raise SpecError(f"Spark SQL gave the types {via_sql['dtypes']}, the PySpark code {got['dtypes']}")
        sql_rows = settle_order(via_sql["columns"], order_by, via_sql["rows"])
        if not same_rows(sql_rows, rows, bool(order_by)):
            raise SpecError(
                "Spark SQL and the PySpark code disagree:\n  sql:     "
                + dump(sql_rows[:20])
                + "\n  pyspark: "
                + dump(rows[:20])
            )
        return {"columns": got["columns"], "dtypes": got["dtypes"], "order_by": list(order_by), "rows": rows}

    def record(self, spec):
        case = {k: spec[k] for k in ("id", "about", "tables", "sql", "pandas", "pyspark")}
        case["expected"] = {"pandas": self.record_pandas(spec), "spark": self.record_spark(spec)}
        return case


def describe(outcome):
    if "error" in outcome:
        return f"the error {outcome['error']}"
    return f"columns {outcome['columns']}"


def cells_close(a, b):
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            return a == b or abs(a - b) <= 1e-12 or abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    return a == b


def same_rows(a, b, ordered):
    """Spark SQL vs PySpark rows; ordered runs must agree position by position."""
    if len(a) != len(b):
        return False
    if not ordered:
        a, b = sorted(a, key=sort_key), sorted(b, key=sort_key)
    return all(len(x) == len(y) and all(cells_close(p, q) for p, q in zip(x, y)) for x, y in zip(a, b))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("specs", nargs="+", help="spec files (compat/specs/*.json)")
    ap.add_argument("--out", required=True, help="directory of the case files (tests/compat/cases)")
    args = ap.parse_args(argv)

    specs = load_specs(args.specs, load_spec)

    recorder = Recorder()
    failures = 0
    try:
        print(f"recording {len(specs)} spec(s) with {recorder.versions()}", flush=True)
        for spec in specs:
            recorder.notes = []
            try:
                case = recorder.record(spec)
            except (SpecError, NameError, SyntaxError) as e:
                failures += 1
                reason = str(e) if isinstance(e, SpecError) else f"{type(e).__name__}: {e}"
                print(f"FAIL {spec['id']}: {reason}", file=sys.stderr, flush=True)
                continue
            path = os.path.join(args.out, spec["id"] + ".json")
            text = case_text(case)
            old = None
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    old = f.read()
            if old != text:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
            exp = case["expected"]
            summary = ", ".join(
                f"{eng} " + (exp[eng]["error"] if "error" in exp[eng] else f"{len(exp[eng]['rows'])} row(s)")
                for eng in ("pandas", "spark")
            )
            state = "new" if old is None else ("unchanged" if old == text else "changed")
            print(f"ok   {spec['id']}: {summary} ({state})", flush=True)
            for note in dict.fromkeys(recorder.notes):
                print(f"note {spec['id']}: {note}", flush=True)
    finally:
        recorder.stop()
    print(f"{len(specs) - failures} recorded, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
