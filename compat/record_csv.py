#!/usr/bin/env python3
"""Records how real pandas and real Spark read a CSV file with default options.

Usage, from the repository root, with the venv that `make compat-record` creates
(pandas 3.1.1, numpy 2.4.6, pyarrow 26.0.1, pyspark 4.3.0; Java 17 on the PATH):

    .venv/bin/python compat/record_csv.py --out tests/compat/csv compat/csv_specs/*.json

A spec (compat/csv_specs/<id>.json) holds `id` (equal to the file name without
`.json`), `about` (one line: the behaviour the case pins) and the file, either as
`csv`, its literal text, or as `generate`, a rule for a long file:

    "generate": {"header": "id,x", "rows": 3000, "row": "{i},{i}", "override": {"2500": "2500,"}}

gives the header line, then data rows i = 1..rows, each `row` with `{i}` replaced by
i, except that a row listed in `override` (by its 1-based number, as a string) is
that text instead. Every line ends with "\\n".

The recorder writes the text (UTF-8) to a temporary file `<id>.csv` and reads it
with

- pandas: `pd.read_csv(path)`
- Spark:  `spark.read.csv(path, header=True, inferSchema=True)` (the local[2] session
  of compat/record.py: default configuration apart from the session time zone,
  UTC, and the UI settings)

and writes tests/compat/csv/<id>.json:

    {"id", "about", "csv": <the file text> or "generate": <the rule, when the spec had one>,
     "expected": {"pandas": <result or error>, "spark": <result or error>}}

A result is `{"columns": [...], "dtypes": [...], "rows": [[...], ...]}`: the column
names the reader gave, their types in the reference's own names (pandas
`str(series.dtype)`: `int64`, `float64`, `str`, `bool`, `object`, ...; Spark
`field.dataType.simpleString()`: `int`, `bigint`, `double`, `string`, `boolean`, ...)
and the rows in file order (both readers keep it for one small file, so order is
part of the result). Values are encoded as in compat/record.py: under pandas every
missing value (None, NaN, NA) is null; under Spark null is null and a float NaN is
"NaN"; infinities are "inf" / "-inf" under both. An error is `{"error": <class>}`:
the pandas exception's class name, or Spark's error condition (getCondition()),
else the simple class name of the Java exception (the recorder prints a `note`).

Recording is deterministic: re-recording unchanged specs gives byte-identical files.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from record import (  # noqa: E402
    Recorder,
    SpecError,
    dump,
    expectation_text,
    load_specs,
    pandas_cell,
    spark_cell,
    spark_error_name,
)

SPEC_KEYS = ("id", "about")


def load_spec(path):
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    missing = [k for k in SPEC_KEYS if k not in spec]
    if missing:
        raise SpecError(f"{path}: missing {', '.join(missing)}")
    stem = os.path.splitext(os.path.basename(path))[0]
    if spec["id"] != stem:
        raise SpecError(f"{path}: id {spec['id']!r} differs from the file name")
    if ("csv" in spec) == ("generate" in spec):
        raise SpecError(f"{path}: give exactly one of `csv` and `generate`")
    if "csv" in spec and not isinstance(spec["csv"], str):
        raise SpecError(f"{path}: `csv` must be the file text")
    return spec


def generate(rule, where):
    """The file text of a `generate` rule (see the module docstring)."""
    try:
        header, n, row = rule["header"], rule["rows"], rule["row"]
    except KeyError as e:
        raise SpecError(f"{where}: generate needs header, rows and row (missing {e})")
    override = rule.get("override", {})
    extra = set(rule) - {"header", "rows", "row", "override"}
    if extra:
        raise SpecError(f"{where}: unknown generate keys {sorted(extra)}")
    bad = [k for k in override if not k.isdigit() or not 1 <= int(k) <= n]
    if bad:
        raise SpecError(f"{where}: override rows {bad} are not in 1..{n}")
    lines = [header]
    for i in range(1, n + 1):
        lines.append(override.get(str(i), row.replace("{i}", str(i))))
    return "\n".join(lines) + "\n"


def csv_text(spec):
    return spec["csv"] if "csv" in spec else generate(spec["generate"], spec["id"])


# ---------------------------------------------------------------- reading


class CsvRecorder:
    def __init__(self):
        self.base = Recorder()  # the Spark session, pandas and numpy of compat/record.py
        self.pd, self.np, self.spark = self.base.pd, self.base.np, self.base.spark
        self.notes = []

    def stop(self):
        self.base.stop()

    def record_pandas(self, path):
        pd, np = self.pd, self.np
        try:
            df = pd.read_csv(path)
        except Exception as e:  # the reference raised: that is the expectation
            return {"error": type(e).__name__}
        columns = [str(c) for c in df.columns]
        dtypes = [str(df.iloc[:, i].dtype) for i in range(df.shape[1])]
        rows = [[pandas_cell(v, pd, np) for v in r] for r in df.astype(object).itertuples(index=False, name=None)]
        return {"columns": columns, "dtypes": dtypes, "rows": rows}

    def record_spark(self, path):
        try:
            df = self.spark.read.csv(path, header=True, inferSchema=True)
            dtypes = [f.dataType.simpleString() for f in df.schema.fields]
            rows = [[spark_cell(v) for v in r] for r in df.collect()]
        except SpecError:
            raise
        except Exception as e:
            name, has_condition = spark_error_name(e)
            if not has_condition:
                self.notes.append(f"Spark raised {type(e).__name__} without an error condition: recorded {name!r}")
            return {"error": name}
        return {"columns": list(df.columns), "dtypes": dtypes, "rows": rows}

    def record(self, spec, tmpdir):
        text = csv_text(spec)
        path = os.path.join(tmpdir, spec["id"] + ".csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        # A generated file is kept as its rule only (the test regenerates the text),
        # so long files do not bloat the repository.
        case = {"id": spec["id"], "about": spec["about"]}
        if "generate" in spec:
            case["generate"] = spec["generate"]
        else:
            case["csv"] = text
        case["expected"] = {"pandas": self.record_pandas(path), "spark": self.record_spark(path)}
        os.remove(path)
        return case


# ---------------------------------------------------------------- case files


def case_text(case):
    out = ["{"]
    out.append(f'  "id": {dump(case["id"])},')
    out.append(f'  "about": {dump(case["about"])},')
    if "generate" in case:
        out.append(f'  "generate": {dump(case["generate"])},')
    else:
        out.append(f'  "csv": {dump(case["csv"])},')
    out.append('  "expected": {')
    out.append(f'    "pandas": {expectation_text(case["expected"]["pandas"], 4)},')
    out.append(f'    "spark": {expectation_text(case["expected"]["spark"], 4)}')
    out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def summary(e):
    if "error" in e:
        return e["error"]
    return f"{len(e['rows'])} row(s) {', '.join(f'{c}:{t}' for c, t in zip(e['columns'], e['dtypes']))}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("specs", nargs="+", help="spec files (compat/csv_specs/*.json)")
    ap.add_argument("--out", required=True, help="directory of the case files (tests/compat/csv)")
    args = ap.parse_args(argv)

    specs = load_specs(args.specs, load_spec)
    os.makedirs(args.out, exist_ok=True)

    recorder = CsvRecorder()
    tmpdir = tempfile.mkdtemp(prefix="partita-csv-")
    failures = 0
    try:
        print(f"recording {len(specs)} CSV spec(s) with {recorder.base.versions()}", flush=True)
        for spec in specs:
            recorder.notes = []
            try:
                case = recorder.record(spec, tmpdir)
            except SpecError as e:
                failures += 1
                print(f"FAIL {spec['id']}: {e}", file=sys.stderr, flush=True)
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
            state = "new" if old is None else ("unchanged" if old == text else "changed")
            exp = case["expected"]
            print(f"ok   {spec['id']}: pandas {summary(exp['pandas'])}; spark {summary(exp['spark'])} ({state})", flush=True)
            for note in dict.fromkeys(recorder.notes):
                print(f"note {spec['id']}: {note}", flush=True)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
        recorder.stop()
    print(f"{len(specs) - failures} recorded, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
