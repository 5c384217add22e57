# The commands the README shows. Each installs what it needs (scripts/install-deps.sh).
.PHONY: run test bench build deps clean

deps:
	@scripts/install-deps.sh

build: deps
	swift build

## Start the three services locally on SQLite (ports 8081, 8082, 8083); Ctrl-C stops them.
run: deps
	@scripts/run-local.sh

## Build and run every test.
test: deps
	swift build --build-tests
	swift test

## Benchmarks: the suite arrives with the benchmarks issue; until then this says so.
bench: deps
	@echo "No benchmarks yet: 'make bench' gets its microbenchmarks and HTTP load scenarios with the benchmarks issue."

clean:
	rm -rf .build
