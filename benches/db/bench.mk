# db-benchmark groupby and join (h2oai / DuckDB Labs): Partita next to Polars,
# DuckDB and pandas on the same data, same machine, one engine process at a time.
# Included by the main Makefile; every variable below can be overridden
# (make bench N=1e6).
#
#   make bench-venv        the Python engines, pinned, into $(VENV)
#   make bench-data        G1_$(N)_1e2_0_0 .parquet and .csv into $(BENCH_DIR)
#   make bench-join-data   the join tables J1_$(N)_NA_0_0 (x), J1_$(N)_<N/1e6>_0_0
#                          (small), _<N/1e3>_ (medium), _$(N)_ (big), .parquet
#   make bench             groupby in memory mode (all engines), then scan mode,
#                          then the join comparison, then bench-e2e
#   make bench-join        the join questions j1..j5 (memory mode, all engines)
#   make bench-e2e         end to end, as users run each engine from a shell: every
#                          groupby question (and SELECT * FROM x) read from the
#                          Parquet file and written to a CSV file by `partita sql
#                          ... -o out.csv` (and once `> out.csv`), a Polars and a
#                          DuckDB one-liner (DuckDB's CLI if on PATH); one process
#                          per run, best of $(BENCH_E2E_REPEAT), process start
#                          subtracted; answers compared; $(BENCH_RESULTS)/latest-e2e.md
#   make bench-scale       N=1e8 Parquet: Partita scanning it vs Polars loading it;
#                          fails if Partita's peak RSS is above 3 GiB

N ?= 1e7
BENCH_DIR ?= target/bench-data
BENCH_RESULTS ?= target/bench-results
BENCH_REPEAT ?= 2
BENCH_E2E_REPEAT ?= 3
BENCH_ENGINES ?= partita,partita-sql,polars,duckdb,pandas
BENCH_SCAN_ENGINES ?= partita,partita-sql,polars,duckdb
BENCH_JOIN_ENGINES ?= partita,partita-sql,polars,duckdb,pandas
VENV ?= .venv
PYTHON ?= python3
CARGO ?= cargo

# pandas/numpy/pyarrow as compat-record pins them (same venv); polars and
# duckdb: the newest releases when the benchmark was set up.
BENCH_PINS = pandas==3.1.1 numpy==2.4.6 pyarrow==26.0.1 polars==2.1.0 duckdb==2.0.0
BENCH_PY = $(VENV)/bin/python
BENCH_PARTITA = $(CARGO) bench -q --bench db --
# The data file of $(N) rows (gen_data.py names it: 1e7 and 10000000 give G1_1e7_1e2_0_0).
BENCH_FILE = $$($(BENCH_PY) benches/db/gen_data.py --n $(N) --out-dir $(BENCH_DIR) --print-path parquet)
BENCH_SCALE_FILE = $(BENCH_DIR)/G1_1e8_1e2_0_0.parquet
# The join task's x table (compare.py finds the right tables next to it).
BENCH_JOIN_FILE = $$($(BENCH_PY) benches/db/gen_join_data.py --n $(N) --out-dir $(BENCH_DIR) --print-path x)
# The join comparison (bench and bench-join run it); Partita's runner built first.
BENCH_JOIN_COMPARE = $(BENCH_PY) benches/db/compare.py --task join --data "$(BENCH_JOIN_FILE)" \
	--mode memory --engines $(BENCH_JOIN_ENGINES) --partita-cmd "$(BENCH_PARTITA)" \
	--python $(BENCH_PY) --repeat $(BENCH_REPEAT) --out-dir $(BENCH_RESULTS)
# The end-to-end comparison (bench and bench-e2e run it) with the release `partita`.
BENCH_PARTITA_BIN = $${CARGO_TARGET_DIR:-target}/release/partita
BENCH_E2E = $(BENCH_PY) benches/db/e2e.py --data "$(BENCH_FILE)" \
	--partita $(BENCH_PARTITA_BIN) --python $(BENCH_PY) \
	--repeat $(BENCH_E2E_REPEAT) --out-dir $(BENCH_RESULTS)

.PHONY: bench-venv bench-data bench-join-data bench bench-join bench-e2e bench-scale

## Creates $(VENV) if missing and installs the pinned Python engines into it.
bench-venv:
	test -x $(BENCH_PY) || $(PYTHON) -m venv $(VENV)
	$(BENCH_PY) -m pip install --quiet --disable-pip-version-check $(BENCH_PINS)

## Generates the N-row table (Parquet and CSV); an existing file is kept.
bench-data: bench-venv
	$(BENCH_PY) benches/db/gen_data.py --n $(N) --k 100 --na 0 --formats csv,parquet --out-dir $(BENCH_DIR)

## Generates the join task's four tables of $(N) rows (Parquet); existing files are kept.
bench-join-data: bench-venv
	$(BENCH_PY) benches/db/gen_join_data.py --n $(N) --out-dir $(BENCH_DIR)

## Builds Partita's runner (release), then compares all engines: groupby in memory,
## then scanning, then the join questions, then end to end (the partita command).
bench: bench-data bench-join-data
	$(CARGO) bench --bench db --no-run
	$(BENCH_PY) benches/db/compare.py --data "$(BENCH_FILE)" --mode memory \
		--engines $(BENCH_ENGINES) --partita-cmd "$(BENCH_PARTITA)" \
		--python $(BENCH_PY) --repeat $(BENCH_REPEAT) --out-dir $(BENCH_RESULTS)
	$(BENCH_PY) benches/db/compare.py --data "$(BENCH_FILE)" --mode scan \
		--engines $(BENCH_SCAN_ENGINES) --partita-cmd "$(BENCH_PARTITA)" \
		--python $(BENCH_PY) --repeat $(BENCH_REPEAT) --out-dir $(BENCH_RESULTS)
	$(BENCH_JOIN_COMPARE)
	$(CARGO) build --release -p partita-cli
	$(BENCH_E2E)

## Builds Partita's runner (release), then compares all engines on the join questions.
bench-join: bench-join-data
	$(CARGO) bench --bench db --no-run
	$(BENCH_JOIN_COMPARE)

## Builds the partita command (release), then runs every engine end to end from a
## shell, each question's result written to a CSV file (benches/db/e2e.py).
bench-e2e: bench-data
	$(CARGO) build --release -p partita-cli
	$(BENCH_E2E)

## 1e8 rows (Parquet only, 2.4 GB): Partita scans the file, Polars loads the whole
## table first; both answer q1, q4, q5 once. Fails if Partita's peak RSS > 3 GiB.
bench-scale: bench-venv
	$(BENCH_PY) benches/db/gen_data.py --n 1e8 --k 100 --na 0 --formats parquet --out-dir $(BENCH_DIR)
	$(CARGO) bench --bench db --no-run
	$(BENCH_PY) benches/db/compare.py --data $(BENCH_SCALE_FILE) --mode scan \
		--engines partita,polars:memory --questions q1,q4,q5 --repeat 1 \
		--partita-cmd "$(BENCH_PARTITA)" --python $(BENCH_PY) \
		--out-dir $(BENCH_RESULTS)/scale-1e8 --max-rss partita=3072
