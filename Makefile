# One entry point for humans and CI. `make test` is what .ci/run runs.
.PHONY: run test lint build unit clients demo bench conformance

# Where cargo puts binaries: CARGO_TARGET_DIR when set (CI keeps its build
# cache outside the clone), else ./target.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)

run:
	./scripts/dev.sh

build:
	cargo build --workspace --bins

# fmt, clippy and the layering check (tests/tests/layering.rs: fails when a
# module imports against the one-way layers).
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo test -q -p gureum-tests --test layering

# Every unit and integration test (the integration tests spawn the binaries
# built by `build`).
unit: build
	@if cargo nextest --version >/dev/null 2>&1; then \
		cargo nextest run --workspace --no-fail-fast; \
	else \
		cargo test --workspace --no-fail-fast; \
	fi

# aws-cli, boto3, rclone and s3cmd against a real origin (installs them),
# and CloudFront signers against an edge.
clients: build
	GUREUM_ORIGIN_BIN=$(TARGET_DIR)/debug/gureum-origin GUREUM_EDGE_BIN=$(TARGET_DIR)/debug/gureum-edge \
		bash tests/clients/run.sh

# The docker-compose demo end to end, with the binaries just built. Needs a
# Docker daemon; where there is none it says so and is skipped.
demo: build
	@if docker info >/dev/null 2>&1; then \
		GUREUM_BIN_DIR=$(TARGET_DIR)/debug bash tests/demo/run.sh; \
	else \
		echo "demo: SKIPPED (no Docker daemon reachable)"; \
	fi

# The whole suite: lints, unit + integration tests, real clients, demo.
test: lint unit clients demo

bench:
	./bench/run-e2e.sh
	./bench/run-edge.sh

# The public ceph/s3-tests suite (../shared/s3-tests) against a fresh origin;
# per-test outcomes in conformance.txt, a per-area table on stdout. ~10 min,
# so not part of `make test`.
conformance: build
	GUREUM_ORIGIN_BIN=$(TARGET_DIR)/debug/gureum-origin bash scripts/conformance.sh
