#!/usr/bin/env bash
# Real-client compatibility suite: installs aws-cli and boto3 (PyPI, newest)
# and rclone and s3cmd (Debian) when missing, starts a real gureum-origin
# (6 drives, 4+2) on a free loopback port, and runs every client's script
# against it with default client settings. Any failed step fails the run.
#   usage: tests/clients/run.sh [awscli|boto3|rclone|s3cmd ...]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${GUREUM_ORIGIN_BIN:-$ROOT/target/debug/gureum-origin}
clients=("$@")
[ ${#clients[@]} -gt 0 ] || clients=(awscli boto3 rclone s3cmd iam_user cloudfront)

need_apt=()
command -v rclone >/dev/null || need_apt+=(rclone)
command -v s3cmd >/dev/null || need_apt+=(s3cmd)
command -v curl >/dev/null || need_apt+=(curl)
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! command -v aws >/dev/null || ! python3 -c 'import boto3, rsa' 2>/dev/null; then
  python3 -m pip install -q --upgrade awscli boto3 rsa
fi
[ -x "$BIN" ] || (cd "$ROOT" && cargo build -p gureum-origin)

WORK=$(mktemp -d)
ORIGIN_PID=
cleanup() {
  [ -n "$ORIGIN_PID" ] && kill "$ORIGIN_PID" 2>/dev/null || true
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

export GUREUM_ROOT_ACCESS_KEY="GKCLIENT$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export GUREUM_ROOT_SECRET_KEY="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
drives=()
for i in 0 1 2 3 4 5; do drives+=(--drive "$WORK/d$i"); done
"$BIN" serve --listen 127.0.0.1:0 "${drives[@]}" --meta-dir "$WORK/meta" \
  >"$WORK/origin.out" 2>"$WORK/origin.err" &
ORIGIN_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/origin.out" 2>/dev/null && break
  sleep 0.1
done
ENDPOINT=$(grep -o 'http://[0-9.:]*' "$WORK/origin.out" | head -1)
[ -n "$ENDPOINT" ] || { echo "origin did not start:"; cat "$WORK/origin.err"; exit 1; }
export ENDPOINT WORK
export AWS_ACCESS_KEY_ID=$GUREUM_ROOT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$GUREUM_ROOT_SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

# Shared fixtures: a 1 KiB file, a 50 MiB file, a tree of 200 mixed files.
mkdir -p "$WORK/fx/tree"
head -c 1024 /dev/urandom >"$WORK/fx/small.bin"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$WORK/fx/big.bin"
for i in $(seq 1 200); do
  d="$WORK/fx/tree/dir$((i % 7))/sub$((i % 3))"
  mkdir -p "$d"
  case $((i % 10)) in
    0) size=$((6 * 1024 * 1024 + i)) ;;   # a few multi-block files
    1|2) size=$((200 * 1024 + i)) ;;
    3) size=0 ;;
    *) size=$((i * 37)) ;;
  esac
  head -c "$size" /dev/urandom >"$d/file $i.dat"
done

passed=0 failed=0
for c in "${clients[@]}"; do
  echo "=== $c ==="
  start=$(date +%s)
  # A stuck client (a stalled connection) must fail the run, not hang it.
  if timeout "${CLIENT_TIMEOUT:-600}" bash "$HERE/$c.sh" >"$WORK/$c.log" 2>&1; then
    echo "PASS $c ($(( $(date +%s) - start ))s)"
    passed=$((passed + 1))
  else
    echo "FAIL $c: last lines of its log:"
    tail -n 30 "$WORK/$c.log"
    failed=$((failed + 1))
  fi
done
echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
