# One entry point for humans and CI. `make test` is what .ci/run runs.
.PHONY: run test lint build bench

run:
	./scripts/dev.sh

build:
	cargo build --workspace --bins

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

# Lints, then every unit and integration test (the integration tests spawn
# the binaries built by `build`).
test: lint build
	@if cargo nextest --version >/dev/null 2>&1; then \
		cargo nextest run --workspace --no-fail-fast; \
	else \
		cargo test --workspace --no-fail-fast; \
	fi

bench:
	./bench/run-e2e.sh
