#!/usr/bin/env bash
# What TLS costs on the origin: GET of one 64 MiB object from a plain-HTTP
# origin and from an HTTPS one (certificate from `gureum-origin
# tls-self-signed`), over HTTP/2 and HTTP/1.1, alternating in the same run
# (medians of REPEATS curl GETs each). Both origins have their own 6 drive
# dirs (4+2). curl runs on the same machine and decrypts on the same cores,
# so the ratio includes the client's share.
#
#   bench/run-tls.sh                      # builds release binaries first
#   GUREUM_BIN_DIR=/path/to/release bench/run-tls.sh
#
# Knobs (env): GUREUM_BIN_DIR, REPEATS (7), SIZE_MIB (64), BENCH_TMP,
# BENCH_KEEP=1, OUT (also write the table there). Needs curl and aws-cli.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

REPEATS="${REPEATS:-7}"
SIZE_MIB="${SIZE_MIB:-64}"

trap bench_cleanup EXIT
trap 'exit 2' INT TERM

need_pkgs curl:curl
command -v aws >/dev/null 2>&1 || die "aws-cli is needed (python3 -m pip install awscli)"
bench_bins gureum-origin
wait_quiet
bench_workdir
bench_creds
"$BIN/gureum-origin" tls-self-signed --out "$WORK/tls" --name 127.0.0.1 >/dev/null \
    || die "tls-self-signed failed"

# start NAME PORT [extra serve flags...]: sets URL_<NAME>.
start() {
    local name="$1" port="$2" drives=()
    shift 2
    mkdir -p "$WORK/$name/meta"
    for i in 0 1 2 3 4 5; do
        mkdir -p "$WORK/$name/d$i"
        drives+=(--drive "$WORK/$name/d$i")
    done
    RUST_LOG=warn "$BIN/gureum-origin" serve --listen "127.0.0.1:$port" "${drives[@]}" \
        --meta-dir "$WORK/$name/meta" "$@" >"$WORK/$name.log" 2>&1 &
    BENCH_PIDS+=("$!")
}
PLAIN_PORT="$(free_port)"
start plain "$PLAIN_PORT"
TLS_PORT="$(free_port)"
start tls "$TLS_PORT" --tls-cert "$WORK/tls/cert.pem" --tls-key "$WORK/tls/key.pem"
PLAIN="http://127.0.0.1:$PLAIN_PORT"
TLS="https://127.0.0.1:$TLS_PORT"
CA=(--cacert "$WORK/tls/ca.pem")
wait_http "$PLAIN/health/ready" 30
for _ in $(seq 300); do
    curl -fsS "${CA[@]}" -o /dev/null "$TLS/health/ready" 2>/dev/null && break
    sleep 0.1
done
curl -fsS "${CA[@]}" -o /dev/null "$TLS/health/ready" || die "$TLS did not come up"

s3() {
    AWS_ACCESS_KEY_ID="$GUREUM_ROOT_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$GUREUM_ROOT_SECRET_KEY" \
        AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null \
        AWS_SHARED_CREDENTIALS_FILE=/dev/null aws "$@"
}
head -c "$((SIZE_MIB << 20))" /dev/urandom >"$WORK/object"
for url in "$PLAIN" "$TLS"; do
    s3 --endpoint-url "$url" --ca-bundle "$WORK/tls/ca.pem" s3 mb s3://tls-bench >/dev/null
    s3 --endpoint-url "$url" --ca-bundle "$WORK/tls/ca.pem" s3 cp "$WORK/object" s3://tls-bench/object >/dev/null
done
log "two origins ($PLAIN, $TLS) hold a ${SIZE_MIB} MiB object"

# get ARGS... URL: MB/s of one GET (the body is checked against the original).
get() {
    local out speed code
    out="$(curl -sS "$@" -o "$WORK/got" -w '%{speed_download} %{http_code}' \
        --aws-sigv4 aws:amz:us-east-1:s3 --user "$GUREUM_ROOT_ACCESS_KEY:$GUREUM_ROOT_SECRET_KEY" \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")"
    read -r speed code <<<"$out"
    [ "$code" = 200 ] || die "GET $* answered $code"
    cmp -s "$WORK/got" "$WORK/object" || die "GET $*: body differs"
    awk -v s="$speed" 'BEGIN { printf "%.0f\n", s / 1e6 }'
}
: >"$WORK/plain.txt"; : >"$WORK/h2.txt"; : >"$WORK/h1.txt"
for i in $(seq "$REPEATS"); do
    get "$PLAIN/tls-bench/object" >>"$WORK/plain.txt"
    get "${CA[@]}" --http2 "$TLS/tls-bench/object" >>"$WORK/h2.txt"
    get "${CA[@]}" --http1.1 "$TLS/tls-bench/object" >>"$WORK/h1.txt"
    log "run $i: plain $(tail -1 "$WORK/plain.txt"), https h2 $(tail -1 "$WORK/h2.txt"), https http/1.1 $(tail -1 "$WORK/h1.txt") MB/s"
done
plain="$(median <"$WORK/plain.txt")"
h2="$(median <"$WORK/h2.txt")"
h1="$(median <"$WORK/h1.txt")"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
{
    echo "### TLS cost on the origin (bench/run-tls.sh)"
    echo
    bench_header
    echo "- GET of one ${SIZE_MIB} MiB object with curl, medians of $REPEATS alternating runs; curl decrypts on the same cores"
    echo
    echo "| transport | MB/s | vs plain |"
    echo "|---|---:|---:|"
    echo "| plain HTTP/1.1 | $plain | 1.00x |"
    echo "| HTTPS, HTTP/2 | $h2 | $(ratio "$h2" "$plain") |"
    echo "| HTTPS, HTTP/1.1 | $h1 | $(ratio "$h1" "$plain") |"
} | tee "${OUT:-/dev/null}"
