# Partita: the commands of the README. `make test` is what CI runs (.ci/run).
CARGO ?= cargo

.PHONY: all run test lint fmt bench-scaling doc clean compat-record compat-pending venv protoc spark-test spark-check compat-random fuzz

all: test

## Runs the main job: the SQL REPL (partita) over the built-in demo tables df and flights.
run:
	$(CARGO) run --release -p partita-cli --bin partita

# Binaries the workspace build made: `cargo run -p X` alone would resolve the
# features of X's dependencies anew and rebuild polars with a different set.
BUILT = $${CARGO_TARGET_DIR:-target}/debug

# Every crate with its Spark Connect backend (the `spark` features): `make test`
# builds once with them, so the Spark checks need no second build.
SPARK_FEATURES = --features partita/spark,partita-cli/spark,partita-compat/spark

## Builds everything and runs every test tier: unit, doc, semantics cases, property,
## snapshot, and the Spark backend against a local Spark Connect server.
test: protoc venv
	$(CARGO) build --workspace --all-targets $(SPARK_FEATURES)
	$(CARGO) test --workspace --all-targets $(SPARK_FEATURES)
	$(CARGO) test --workspace --doc $(SPARK_FEATURES)
	$(BUILT)/examples/semantics_tour > /dev/null
	$(BUILT)/examples/flights > /dev/null
	$(BUILT)/examples/quickstart > /dev/null
	$(BUILT)/partita-compat --cases tests/compat/cases
	$(BUILT)/partita-compat --cases tests/compat/random
	python3 tests/repl_pty.py $(BUILT)/partita
	$(MAKE) --no-print-directory spark-check

## The project's virtualenv with the pinned pandas, pyarrow and PySpark (whose
## package holds the whole Spark runtime and its Spark Connect server).
venv:
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -c 'import pandas, pyarrow, pyspark' 2>/dev/null || \
	  $(VENV)/bin/python -m pip install --quiet $(COMPAT_PINS)

## protoc, which the Spark Connect protocol crate needs at build time (apt-get).
protoc:
	scripts/ensure-protoc.sh

## The Spark backend against a real Spark Connect server: builds with the spark
## features, then runs spark-check.
spark-test: protoc venv
	$(CARGO) build --workspace --all-targets $(SPARK_FEATURES)
	$(MAKE) --no-print-directory spark-check

# Starts a local server on 127.0.0.1 (scripts/with-spark-server.sh stops it on exit,
# whatever happened), runs every committed case on it under both presets (under
# pandas the ones listed in tests/compat/spark-refused-pandas.txt must be refused),
# and the Rust tests that need it (tests/spark.rs: db-benchmark questions on a G1
# Parquet file Spark reads itself, pandas' transforms, a server that is down or
# killed mid-query), and the REPL on Spark in a pseudo-terminal next to a local one
# (tests/repl_spark_pty.py: the README's queries, EXPLAIN, Ctrl-C).
SPARK_G1 = $(BENCH_DIR)/G1_1e6_1e2_0_0.parquet
spark-check:
	$(VENV)/bin/python benches/db/gen_data.py --n 1e6 --out-dir $(BENCH_DIR) --formats parquet > /dev/null
	VENV=$(VENV) PARTITA_G1_FILE=$(SPARK_G1) scripts/with-spark-server.sh sh -c '\
	  $(BUILT)/partita-compat --cases tests/compat/cases --spark "$$PARTITA_SPARK_URL" --semantics spark && \
	  $(BUILT)/partita-compat --cases tests/compat/cases --spark "$$PARTITA_SPARK_URL" --semantics pandas \
	    --refused tests/compat/spark-refused-pandas.txt && \
	  python3 tests/repl_spark_pty.py $(BUILT)/partita && \
	  $(CARGO) test --workspace $(SPARK_FEATURES) --test spark -- --test-threads 1'
	SPARK_CONNECT_PORT=15003 VENV=$(VENV) scripts/with-spark-server.sh tests/spark_kill.sh $(BUILT)/partita

## rustfmt and clippy, warnings as errors.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --workspace --all-targets $(SPARK_FEATURES) -- -D warnings

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
compat-record: venv
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
	$(BUILT)/partita-compat --cases tests/compat/pending; a=$$?; \
	$(BUILT)/partita-compat --cases tests/compat/random-pending; b=$$?; \
	test $$a = 0 && test $$b = 0

## Random differential cases: compat/gen_random.py writes N specs (default 2000) from SEED
## (default 1) into compat/random-specs, recorded in one call with real pandas and real
## PySpark into tests/compat/random (about 8 minutes per 1,000); a case already waiting in
## tests/compat/random-pending (a Partita defect, compat/RANDOM_TRIAGE.md) goes back there.
## Then run: target/debug/partita-compat --cases tests/compat/random
SEED ?= 1
# N is also benches/db/bench.mk's row count (1e7): 2000 unless given on the command line.
RANDOM_N = $(if $(filter command line environment,$(origin N)),$(N),2000)
compat-random: venv
	rm -rf compat/random-specs
	$(VENV)/bin/python compat/gen_random.py --seed $(SEED) --n $(RANDOM_N) --out compat/random-specs
	mkdir -p tests/compat/random tests/compat/random-pending
	$(VENV)/bin/python compat/record.py --out tests/compat/random compat/random-specs/*.json
	for f in tests/compat/random-pending/*.json; do \
	  test -e "$$f" || continue; \
	  b=$$(basename "$$f"); \
	  if [ -e "tests/compat/random/$$b" ]; then mv "tests/compat/random/$$b" "$$f"; fi; \
	done

## Coverage-guided fuzzing (cargo fuzz: libFuzzer, a nightly toolchain; about 15
## minutes after a 12-minute build): FUZZ_SQL_RUNS SQL inputs (default 1,000,000) over
## the fixture tables, then FUZZ_FILE_RUNS (default 100,000) mutated CSV and as many
## Parquet files, seeded by fuzz/seeds.py. Each prints its inputs and coverage; a crash
## stops it with the input in fuzz/artifacts/ (see scripts/fuzz.sh). Findings are kept
## in fuzz/regressions/, which `make test` replays.
FUZZ_TOOLCHAIN ?= +nightly
FUZZ_SQL_RUNS ?= 1000000
FUZZ_FILE_RUNS ?= 100000
fuzz: venv
	command -v cargo-fuzz > /dev/null || $(CARGO) install cargo-fuzz --locked
	$(VENV)/bin/python fuzz/seeds.py fuzz
	cd fuzz && $(CARGO) $(FUZZ_TOOLCHAIN) fuzz build --sanitizer none --fuzz-dir .
	scripts/fuzz.sh sql $(FUZZ_SQL_RUNS) -dict=sql.dict -max_len=4096
	scripts/fuzz.sh csv $(FUZZ_FILE_RUNS) -max_len=65536
	scripts/fuzz.sh parquet $(FUZZ_FILE_RUNS) -max_len=65536

clean:
	$(CARGO) clean

# db-benchmark (groupby and join) next to Polars, DuckDB and pandas: make bench [N=1e7],
# make bench-data, make bench-join, make bench-join-data, make bench-scale (see
# benches/db/bench.mk).
include benches/db/bench.mk
