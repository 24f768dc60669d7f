#!/usr/bin/env bash
# `make conformance`: the public ceph/s3-tests suite (snapshot and runner in
# ../shared/s3-tests, or S3TESTS_DIR) against a fresh origin started here on
# a free loopback port (6 drive dirs, 4+2, under a temp dir removed at the
# end). Prints the runner's summary and a per-area table (areas from the
# test names); exit status is the runner's.
#
#   scripts/conformance.sh [OUTFILE]       # default: conformance.txt
#
# Env: GUREUM_ORIGIN_BIN (default target/debug/gureum-origin, or under
# CARGO_TARGET_DIR), S3TESTS_DIR, S3TESTS_K (a subset, e.g. 'acl or policy'),
# and the runner's own (see its header).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-conformance.txt}"
suite="${S3TESTS_DIR:-$(cd .. && pwd)/shared/s3-tests}"
[[ -x "$suite/run.sh" ]] || { echo "conformance: no s3-tests runner at $suite/run.sh (set S3TESTS_DIR)" >&2; exit 2; }
bin="${GUREUM_ORIGIN_BIN:-${CARGO_TARGET_DIR:-target}/debug/gureum-origin}"
[[ -x "$bin" ]] || { echo "conformance: $bin is not built (cargo build -p gureum-origin)" >&2; exit 2; }

work="$(mktemp -d /tmp/gureum-conformance.XXXXXX)"
pid=
cleanup() {
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export GUREUM_ROOT_ACCESS_KEY="CONF$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
export GUREUM_ROOT_SECRET_KEY="$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)"
drives=()
for i in 0 1 2 3 4 5; do drives+=(--drive "$work/d$i"); done
RUST_LOG="${ORIGIN_LOG:-warn}" "$bin" serve --listen "127.0.0.1:$port" "${drives[@]}" --parity 2 \
    --meta-dir "$work/meta" >"$work/origin.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/origin.log" >&2; echo "conformance: origin did not start" >&2; exit 2; }
    sleep 0.1
done
set +e
"$suite/run.sh" "127.0.0.1:$port" "$GUREUM_ROOT_ACCESS_KEY" "$GUREUM_ROOT_SECRET_KEY" "$out"
rc=$?
set -e
if [[ -s "$out" ]]; then
    echo
    echo "| area | passed | of | % |"
    echo "|---|---:|---:|---:|"
    # Area: what the test name is about (first matching word), else "other".
    awk '{
        t = $1; sub(/.*::/, "", t); o = $2
        a = "other"
        n = split("sse_kms sse_c sse_s3 encryption object_lock lock acl policy cors lifecycle multipart checksum versioning version tagging copy post get_object put_object list head delete bucket_create bucket headers logging ownership public_access", A, " ")
        for (i = 1; i <= n; i++) if (index(t, A[i])) { a = A[i]; break }
        if (a == "lock") a = "object_lock"; if (a == "version") a = "versioning"
        tot[a]++; if (o == "passed") ok[a]++; T++; if (o == "passed") P++
      } END {
        for (a in tot) printf "| %s | %d | %d | %.0f%% |\n", a, ok[a], tot[a], 100 * ok[a] / tot[a]
        printf "~| **all** | %d | %d | %.0f%% |\n", P, T, 100 * P / T
      }' "$out" | sort | sed 's/^~//'
fi
exit "$rc"
