#!/bin/sh
# Runs one fuzz target of fuzz/ (built by `make fuzz`) for RUNS inputs from its
# seed corpus, and prints a summary line: inputs run, coverage reached (edges of
# the instrumented binary, and libFuzzer's finer "features"), the corpus size.
# A crash, a timeout or an out-of-memory stops the run with libFuzzer's report
# and the input in fuzz/artifacts/TARGET/ (minimize it with
# `fuzz/target/x86_64-unknown-linux-gnu/release/TARGET -minimize_crash=1 -runs=10000 FILE`
# and add it to fuzz/regressions/TARGET/).
#
#   scripts/fuzz.sh TARGET RUNS [libFuzzer options...]
set -eu
target=$1
runs=$2
shift 2
cd "$(dirname "$0")/../fuzz"
bin=target/x86_64-unknown-linux-gnu/release/$target
mkdir -p "artifacts/$target" logs
log=logs/$target.log
status=0
"$bin" "corpus/$target" -runs="$runs" -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="artifacts/$target/" "$@" > "$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    echo "fuzz $target: stopped (exit $status); the input is in fuzz/artifacts/$target/, the log in fuzz/$log" >&2
    exit "$status"
fi
edges=$(sed -n 's/.*Loaded 1 modules *(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -n 1)
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p')
echo "fuzz $target: $units inputs ($speed/s), no crash; coverage $cov of $edges edges, $ft features; corpus $corp inputs"
