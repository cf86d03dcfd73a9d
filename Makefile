# The two commands of the README. Each installs what it needs first.
.PHONY: run test build bench

## make run: build the release binary (installing tools if missing) and serve on 127.0.0.1:3000 with SQLite in ./data
run:
	@scripts/run.sh

## make test: fmt, clippy, cargo deny, unit and integration tests on SQLite and PostgreSQL, the Playwright suite
test:
	@scripts/test.sh

## make build: only build dist/keyward
build:
	@scripts/build.sh

## make bench: the release binary, then every benchmark into BENCHMARKS.md (about 30 minutes)
bench:
	@scripts/bench.sh
