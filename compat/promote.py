#!/usr/bin/env python3
"""Sorts recorded cases into passing and pending by a harness report.

Usage:
    target/debug/partita-compat --cases DIR --report report.json
    python3 compat/promote.py report.json DIR

Every case of DIR that passed moves to tests/compat/cases (its spec to
compat/specs); every case that failed moves to tests/compat/pending (its spec to
compat/pending-specs), so that `make test` runs exactly the cases Partita passes
and `make compat-pending` the others. Specs are looked up in both spec folders.
"""

import json
import os
import shutil
import sys


def move(src, dst_dir):
    os.makedirs(dst_dir, exist_ok=True)
    dst = os.path.join(dst_dir, os.path.basename(src))
    if os.path.abspath(src) != os.path.abspath(dst):
        shutil.move(src, dst)


def main():
    report_path, case_dir = sys.argv[1], sys.argv[2]
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    moved = {"passed": 0, "pending": 0}
    for case in report["cases"]:
        name = case["id"] + ".json"
        src = os.path.join(case_dir, name)
        if not os.path.exists(src):
            continue
        ok = case["passed"]
        move(src, "tests/compat/cases" if ok else "tests/compat/pending")
        for spec_dir in ("compat/specs", "compat/pending-specs"):
            spec = os.path.join(spec_dir, name)
            if os.path.exists(spec):
                move(spec, "compat/specs" if ok else "compat/pending-specs")
        moved["passed" if ok else "pending"] += 1
    print(f"{moved['passed']} case(s) to tests/compat/cases, {moved['pending']} to tests/compat/pending")


if __name__ == "__main__":
    main()
