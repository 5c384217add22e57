# The commands the README shows. Each installs what it needs (scripts/install-deps.sh).
.PHONY: run test verify cluster cluster-stop api-check deploy-check compose-smoke bench build deps clean generate-client client-check

deps:
	@scripts/install-deps.sh

build: deps
	swift build

## Start the three services locally on SQLite (ports 8081, 8082, 8083); Ctrl-C stops them.
run: deps
	@scripts/run-local.sh

## Fault scenarios on the real binaries (auth down, a service stopped under load, …); VERIFY_QUICK=1 shortens outages (CI).
verify: deps
	swift build --build-tests
	VERIFY=1 scripts/with-scratch-tmpdir.sh scripts/with-test-postgres.sh swift test --skip-build --filter FaultTests

## The services scaled out on loopback: one PostgreSQL, REPLICAS (2) replicas of each, nginx in front on 8081–8083; Ctrl-C stops it.
cluster: deps
	@scripts/cluster.sh

## Stops a cluster that `make cluster` started in another shell.
cluster-stop:
	@scripts/cluster.sh stop

## Build and run every test, the PostgreSQL ones on a throwaway server started for the run; then the end-to-end test through a cluster whose replicas are killed between rounds.
test: deps
	swift build --build-tests
	scripts/with-scratch-tmpdir.sh scripts/with-test-postgres.sh scripts/test-watchdog.py swift test
	scripts/cluster-e2e.sh

## schemathesis against each service's /openapi.json (installs it from PyPI): no server error, no response the document does not describe.
api-check: deps
	@scripts/api-check.sh

## The typed Swift client (Clients/) generated again from the services' OpenAPI documents with swift-openapi-generator.
generate-client: deps
	@scripts/generate-client.sh

## Fails when the committed client is not what the documents generate (swift-openapi-generator is built apart, about a minute).
client-check: deps
	@scripts/generate-client.sh --check

## The deployment files checked offline: Prometheus config, alert rules and their tests, Alertmanager config.
deploy-check:
	@scripts/deploy-check.sh

## The compose stack for real (Docker engine, images made from Debian's packages), checked as a user would; about 10 minutes the first time.
compose-smoke: deps
	@deploy/local/compose-smoke.sh

## Microbenchmarks and HTTP load scenarios against release builds; prints one table (see the README).
bench: deps
	@BENCH=1 scripts/install-deps.sh
	@Benchmarks/run.sh

clean:
	rm -rf .build
