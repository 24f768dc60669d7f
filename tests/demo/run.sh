#!/usr/bin/env bash
# End-to-end smoke test of the docker-compose demo (deploy/): starts it with
# deploy/up.sh, stores an object on the origin with aws-cli, reads it through
# both edges (MISS then HIT, same bytes, ranges), checks that non-distributed
# requests are proxied to the origin (BYPASS, client's own signature), that
# the edges sign with an IAM user's key that can read only media/video/
# (refusals checked with that key), that an overwrite reaches both edges, stops one edge and checks the other still
# serves, then runs deploy/down.sh (also
# on failure) and checks nothing of the demo is left. Exit 0 only when every
# step passed.
#
#   bash tests/demo/run.sh
#
# Env: GUREUM_BIN_DIR (prebuilt binaries for up.sh), GUREUM_DEMO_KEEP=1
# (leave the stack running at the end, for debugging), and those of up.sh.
# Needs docker, curl, aws-cli (installed with pip when missing).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=deploy/lib.sh
. "$repo/deploy/lib.sh"
# shellcheck source=deploy/.env
. "$repo/deploy/.env"

ORIGIN=http://127.0.0.1:9000
EDGE1=http://127.0.0.1:8081
EDGE2=http://127.0.0.1:8082
t0=$(date +%s)
step_no=0
work="$(mktemp -d /tmp/gureum-demo-test.XXXXXX)"
started=0

step() { step_no=$((step_no + 1)); printf '\n[%02d] %s\n' "$step_no" "$*"; }
ok() { printf '     ok: %s\n' "$*"; }
fail() { printf '     FAIL: %s\n' "$*" >&2; exit 1; }

finish() {
    local rc=$? failed_step=$step_no
    set +e
    if [[ $started == 1 && "${GUREUM_DEMO_KEEP:-0}" != 1 ]]; then
        if [[ $rc -ne 0 ]]; then
            echo "--- compose ps / last logs (failure) ---" >&2
            compose ps >&2
            compose logs --tail=40 >&2
        fi
        step "deploy/down.sh"
        if ! "$repo/deploy/down.sh"; then
            echo "     FAIL: down.sh" >&2
            rc=1
        fi
        left="$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT")$(
            docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT")$(
            docker network ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT")"
        if [[ -n "$left" ]]; then
            echo "     FAIL: containers/volumes/networks left behind: $left" >&2
            rc=1
        else
            ok "no containers, volumes or networks of $COMPOSE_PROJECT left"
        fi
    fi
    rm -rf "$work"
    if [[ $rc -eq 0 ]]; then
        printf '\nPASS: demo smoke test, %d steps in %ds\n' "$step_no" $(( $(date +%s) - t0 ))
    else
        printf '\nFAIL: demo smoke test (exit %d) at step %d after %ds\n' "$rc" "$failed_step" $(( $(date +%s) - t0 )) >&2
    fi
    exit "$rc"
}
trap finish EXIT

# --- tools ---------------------------------------------------------------
command -v curl >/dev/null 2>&1 || fail "curl is required"
if ! command -v aws >/dev/null 2>&1; then
    echo "aws-cli not found; installing with pip" >&2
    python3 -m pip install -q awscli || fail "cannot install aws-cli"
    export PATH="$HOME/.local/bin:$PATH"
    command -v aws >/dev/null 2>&1 || fail "aws-cli installed but not on PATH"
fi
cat >"$work/aws-config" <<EOF
[default]
region = us-east-1
s3 =
    signature_version = s3v4
    addressing_style = path
    multipart_threshold = 64MB
EOF
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_ACCESS_KEY_ID="$GUREUM_ROOT_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$GUREUM_ROOT_SECRET_KEY"
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
s3() { local ep="$1"; shift; aws --endpoint-url "$ep" s3 "$@"; }

# fetch URL OUT [curl args...]: GET into OUT, headers into OUT.h; prints the status.
fetch() {
    local url="$1" out="$2" code; shift 2
    : >"$out.h"
    code="$(curl -sS --max-time 60 -o "$out" -D "$out.h" -w '%{http_code}' "$@" "$url")" || true
    echo "${code:-000}"
}
# header OUT NAME: value of header NAME in OUT.h (last response), empty if none.
header() {
    tr -d '\r' <"$1.h" | awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$2")" \
        'BEGIN{FS=": *"} tolower($1)==n {v=substr($0, index($0, ":")+1); sub(/^ +/, "", v)} END{print v}'
}
# expect_get URL OUT WANT_STATUS WANT_XCACHE [REFERENCE_FILE] [curl args...]
expect_get() {
    local url="$1" out="$2" want="$3" xc="$4" ref="${5:-}"; shift 5 || shift $#
    local code got
    code="$(fetch "$url" "$out" "$@")"
    [[ "$code" == "$want" ]] || { sed 's/^/       /' "$out.h" >&2 || true; head -c 300 "$out" >&2 || true; fail "GET $url: status $code, want $want"; }
    got="$(header "$out" X-Cache)"
    [[ "$got" == "$xc" ]] || fail "GET $url: X-Cache '$got', want '$xc'"
    if [[ -n "$ref" ]]; then
        cmp -s "$ref" "$out" || fail "GET $url: body differs from $(basename "$ref") ($(stat -c %s "$out") vs $(stat -c %s "$ref") bytes)"
    fi
    local shown="${url#http://}"
    [[ "$shown" == *\?* ]] && shown="${shown%%\?*}?<presigned>"
    ok "GET $shown -> $code, X-Cache: $got${ref:+, $(stat -c %s "$out") bytes equal}"
}

# --- the test ------------------------------------------------------------
step "clean slate: deploy/down.sh"
"$repo/deploy/down.sh" >/dev/null 2>&1 || true
ok "no previous demo running"

step "deploy/up.sh"
started=1
up_t0=$(date +%s)
if ! "$repo/deploy/up.sh" 2>&1 | sed 's/^/     | /'; then
    fail "up.sh failed"
fi
ok "up.sh returned in $(( $(date +%s) - up_t0 ))s"

step "health: GET /health/ready on origin and both edges"
for ep in "$ORIGIN" "$EDGE1" "$EDGE2"; do
    code="$(fetch "$ep/health/ready" "$work/ready")"
    [[ "$code" == 200 ]] || fail "$ep/health/ready: $code"
    ok "${ep#http://}/health/ready -> 200 ($(head -n1 "$work/ready"))"
done
for s in origin edge1 edge2; do
    [[ "$(service_health "$s")" == healthy ]] || fail "compose health of $s: $(service_health "$s")"
done
ok "compose reports origin, edge1, edge2 healthy"

step "create bucket media and upload objects to the origin (:9000)"
head -c $((5 * 1024 * 1024 + 12345)) /dev/urandom >"$work/clip.bin"
printf 'Gureum demo: a key outside the distribution\n' >"$work/readme.txt"
s3 "$ORIGIN" mb s3://media >/dev/null || fail "mb s3://media"
s3 "$ORIGIN" cp --only-show-errors "$work/clip.bin" s3://media/video/clip.bin || fail "upload video/clip.bin"
s3 "$ORIGIN" cp --only-show-errors "$work/readme.txt" s3://media/docs/readme.txt || fail "upload docs/readme.txt"
listing="$(s3 "$ORIGIN" ls --recursive s3://media)" || fail "ls s3://media"
if ! grep -q "video/clip.bin" <<<"$listing" || ! grep -q "docs/readme.txt" <<<"$listing"; then
    fail "listing lacks the objects: $listing"
fi
ok "s3://media/video/clip.bin ($(stat -c %s "$work/clip.bin") bytes) and s3://media/docs/readme.txt stored"
s3 "$ORIGIN" cp --only-show-errors s3://media/video/clip.bin "$work/back.bin" || fail "download from origin"
cmp -s "$work/clip.bin" "$work/back.bin" || fail "origin returned different bytes"
ok "origin round trip: bytes equal"

for edge in "$EDGE1" "$EDGE2"; do
    step "GET media/video/clip.bin through ${edge#http://} twice"
    expect_get "$edge/media/video/clip.bin" "$work/e.bin" 200 MISS "$work/clip.bin"
    expect_get "$edge/media/video/clip.bin" "$work/e.bin" 200 HIT "$work/clip.bin"
    age="$(header "$work/e.bin" Age)"
    [[ "$age" =~ ^[0-9]+$ ]] || fail "cached response has no Age header (got '$age')"
    ok "HIT carries Age: $age"
done

step "range GET through edge1 is served from the cache"
head -c $((3 * 1024 * 1024 + 100)) "$work/clip.bin" | tail -c $((2 * 1024 * 1024 + 101)) >"$work/range.ref"
expect_get "$EDGE1/media/video/clip.bin" "$work/r.bin" 206 HIT "$work/range.ref" \
    -H "Range: bytes=$((1024 * 1024 - 1))-$((3 * 1024 * 1024 + 99))"

step "non-distributed requests fall back to the origin (BYPASS)"
url="$(s3 "$EDGE1" presign s3://media/docs/readme.txt --expires-in 300)" || fail "presign"
expect_get "$url" "$work/p.txt" 200 BYPASS "$work/readme.txt"
s3 "$EDGE2" cp --only-show-errors s3://media/docs/readme.txt "$work/via-edge2.txt" ||
    fail "aws s3 cp through edge2 (header-signed for 127.0.0.1:8082) failed"
cmp -s "$work/readme.txt" "$work/via-edge2.txt" || fail "edge2 proxied different bytes"
ok "aws-cli GET signed for 127.0.0.1:8082 proxied through edge2: bytes equal (Host kept)"
s3 "$EDGE1" ls s3://media/video/ | grep -q clip.bin || fail "listing through edge1"
ok "aws-cli listing through edge1 (query -> proxied)"
expect_get "$EDGE1/media/docs/readme.txt" "$work/anon.txt" 403 BYPASS
ok "unsigned GET of a non-distributed key is refused by the origin (edge lends no credentials)"

step "the edges hold a least-privileged IAM user's key, not the root key"
edge_key="$(compose exec -T edge1 printenv GUREUM_EDGE_ACCESS_KEY)" || fail "read edge1's access key"
edge_secret="$(compose exec -T edge1 printenv GUREUM_EDGE_SECRET_KEY)" || fail "read edge1's secret key"
[[ -n "$edge_key" && "$edge_key" != "$GUREUM_ROOT_ACCESS_KEY" ]] || fail "edge1 signs with '$edge_key' (root or none)"
owner="$(aws --endpoint-url "$ORIGIN" iam list-access-keys --user-name "$EDGE_USER" \
    --query 'AccessKeyMetadata[0].AccessKeyId' --output text)" || fail "aws iam list-access-keys"
[[ "$owner" == "$edge_key" ]] || fail "edge1's key $edge_key is not IAM user $EDGE_USER's ($owner)"
ok "edge1 signs fills with $edge_key, a key of IAM user $EDGE_USER"
as_edge() { AWS_ACCESS_KEY_ID="$edge_key" AWS_SECRET_ACCESS_KEY="$edge_secret" "$@"; }
as_edge aws --endpoint-url "$ORIGIN" s3 cp --only-show-errors s3://media/video/clip.bin "$work/edge-own.bin" ||
    fail "the edge's key cannot read its own distribution"
cmp -s "$work/clip.bin" "$work/edge-own.bin" || fail "edge key read different bytes"
ok "the edge's key reads media/video/clip.bin from the origin"
# refused KIND CMD...: the command must fail with AccessDenied.
refused() {
    local what="$1" out; shift
    if out="$(as_edge "$@" 2>&1)"; then fail "the edge's key may $what (it should not)"; fi
    grep -q AccessDenied <<<"$out" || fail "the edge's key, $what: want AccessDenied, got: $out"
    ok "the edge's key may not $what: AccessDenied"
}
refused "read media/docs/readme.txt (outside video/)" \
    aws --endpoint-url "$ORIGIN" s3api get-object --bucket media --key docs/readme.txt "$work/no.txt"
refused "write media/video/x.bin" \
    aws --endpoint-url "$ORIGIN" s3api put-object --bucket media --key video/x.bin --body "$work/readme.txt"
refused "delete media/video/clip.bin" \
    aws --endpoint-url "$ORIGIN" s3api delete-object --bucket media --key video/clip.bin
refused "create a bucket" aws --endpoint-url "$ORIGIN" s3api create-bucket --bucket edge-made
refused "call IAM" aws --endpoint-url "$ORIGIN" iam list-users

step "edge metrics count the hits and misses"
code="$(fetch "$EDGE1/metrics" "$work/metrics")"
[[ "$code" == 200 ]] || fail "edge1 /metrics: $code"
for c in hit miss bypass; do
    line="$(grep -E "^gureum_edge_requests_total\{[^}]*cache=\"$c\"" "$work/metrics" | head -n1)"
    [[ -n "$line" && ! "$line" =~ \ 0$ ]] || fail "edge1 metrics: no $c count (${line:-missing})"
    ok "$line"
done

step "overwrite video/clip.bin on the origin: both edges drop the old version (change feed)"
head -c $((3 * 1024 * 1024 + 777)) /dev/urandom >"$work/clip2.bin"
s3 "$ORIGIN" cp --only-show-errors "$work/clip2.bin" s3://media/video/clip.bin || fail "overwrite video/clip.bin"
for edge in "$EDGE1" "$EDGE2"; do
    fresh=0
    for _ in $(seq 30); do
        code="$(fetch "$edge/media/video/clip.bin" "$work/o.bin")"
        [[ "$code" == 200 ]] || fail "GET through ${edge#http://}: $code"
        if cmp -s "$work/clip2.bin" "$work/o.bin"; then fresh=1; break; fi
        cmp -s "$work/clip.bin" "$work/o.bin" || fail "${edge#http://} served bytes of neither version"
        sleep 0.5
    done
    [[ $fresh == 1 ]] || fail "${edge#http://} still serves the old version 15 s after the overwrite"
    ok "${edge#http://} serves the new version (X-Cache: $(header "$work/o.bin" X-Cache), $(stat -c %s "$work/o.bin") bytes equal)"
done
expect_get "$EDGE2/media/video/clip.bin" "$work/e.bin" 200 HIT "$work/clip2.bin"

step "kill edge1: edge2 and the origin keep serving"
compose kill edge1 >/dev/null 2>&1 || fail "compose kill edge1"
sleep 1
h="$(service_health edge1)"
[[ "$h" != healthy && "$h" != starting && "$h" != running ]] || fail "edge1 still $h after kill"
code="$(fetch "$EDGE1/health/ready" "$work/dead" 2>/dev/null)"
[[ "$code" == 000 ]] || fail "edge1 still answers ($code) after kill"
ok "edge1 is down ($h, connection refused)"
expect_get "$EDGE2/media/video/clip.bin" "$work/e2.bin" 200 HIT "$work/clip2.bin"
s3 "$ORIGIN" cp --only-show-errors s3://media/video/clip.bin "$work/back2.bin" || fail "origin GET after edge1 kill"
cmp -s "$work/clip2.bin" "$work/back2.bin" || fail "origin bytes differ"
ok "origin still serves: bytes equal"

step "restart edge1: it comes back and serves the same bytes"
compose start edge1 >/dev/null 2>&1 || fail "compose start edge1"
for _ in $(seq 60); do
    [[ "$(service_health edge1)" == healthy ]] && break
    sleep 1
done
[[ "$(service_health edge1)" == healthy ]] || fail "edge1 not healthy after restart: $(service_health edge1)"
code="$(fetch "$EDGE1/media/video/clip.bin" "$work/e3.bin")"
if [[ "$code" != 200 ]] || ! cmp -s "$work/clip2.bin" "$work/e3.bin"; then
    fail "edge1 after restart: $code / bytes differ"
fi
ok "edge1 healthy again; GET -> 200, X-Cache: $(header "$work/e3.bin" X-Cache) (disk cache in its volume), bytes equal"
