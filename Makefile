# Partita: the commands of the README. `make test` is what CI runs (.ci/run).
CARGO ?= cargo

.PHONY: all run test lint fmt bench-scaling doc clean compat-record compat-pending

all: test

## Runs the main job: the SQL REPL (partita) over the built-in demo tables df and flights.
run:
	$(CARGO) run --release -p partita-cli --bin partita

# Binaries the workspace build made: `cargo run -p X` alone would resolve the
# features of X's dependencies anew and rebuild polars with a different set.
BUILT = $${CARGO_TARGET_DIR:-target}/debug

## Builds everything and runs every test tier: unit, doc, semantics cases, property, snapshot.
test:
	$(CARGO) build --workspace --all-targets
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc
	$(BUILT)/examples/semantics_tour > /dev/null
	$(BUILT)/examples/flights > /dev/null
	$(BUILT)/examples/quickstart > /dev/null
	$(BUILT)/partita-compat --cases tests/compat/cases
	python3 tests/repl_pty.py $(BUILT)/partita

## rustfmt and clippy, warnings as errors.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## Partition-scaling benchmark of the engine alone (SCALING_N rows): release build.
SCALING_N ?= 1000000
bench-scaling:
	$(CARGO) bench --bench scaling -- $(SCALING_N)

doc:
	$(CARGO) doc --workspace --no-deps

## Records compat/specs/*.json with real pandas and real PySpark into tests/compat/cases,
## and compat/csv_specs/*.json (CSV files as each reader reads them) into tests/compat/csv
## (creates .venv with the pinned versions on first use; needs Java 17 for Spark).
PYTHON ?= python3
VENV ?= .venv
COMPAT_PINS = pandas==3.1.1 numpy==2.4.6 pyarrow==26.0.1 pyspark==4.3.0
compat-record:
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet $(COMPAT_PINS)
	$(VENV)/bin/python compat/record.py --out tests/compat/cases compat/specs/*.json
	$(VENV)/bin/python compat/record_csv.py --out tests/compat/csv compat/csv_specs/*.json

## Recorded cases Partita does not pass yet (tests/compat/pending/README.md): fails
## until they pass. PENDING_RECORD=1 re-records them from compat/pending-specs first.
compat-pending:
	$(CARGO) build -p partita-compat
	if [ -n "$(PENDING_RECORD)" ]; then \
	  test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV); \
	  $(VENV)/bin/python -m pip install --quiet $(COMPAT_PINS); \
	  $(VENV)/bin/python compat/record.py --out tests/compat/pending compat/pending-specs/*.json; \
	fi
	$(BUILT)/partita-compat --cases tests/compat/pending

clean:
	$(CARGO) clean

# db-benchmark (groupby and join) next to Polars, DuckDB and pandas: make bench [N=1e7],
# make bench-data, make bench-join, make bench-join-data, make bench-scale (see
# benches/db/bench.mk).
include benches/db/bench.mk
