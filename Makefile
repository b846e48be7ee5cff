# Partita: the commands of the README. `make test` is what CI runs (.ci/run).
CARGO ?= cargo
N ?= 1000000

.PHONY: all run test lint fmt bench doc clean

all: test

## Runs the main job: the tour over the built-in demo table (the SQL REPL arrives with issue 3).
run:
	$(CARGO) run --release --example quickstart

## Builds everything and runs every test tier: unit, doc, semantics cases, property, snapshot.
test:
	$(CARGO) build --workspace --all-targets
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc
	$(CARGO) run -q --example semantics_tour > /dev/null

## rustfmt and clippy, warnings as errors.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## Partition-scaling benchmark of the engine (N rows, default 1e6): release build.
bench:
	$(CARGO) bench --bench scaling -- $(N)

doc:
	$(CARGO) doc --workspace --no-deps

clean:
	$(CARGO) clean
