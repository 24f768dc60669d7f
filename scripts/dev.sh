#!/usr/bin/env bash
# Quick start: build and run a local Gureum origin with 6 drives (4 data + 2
# parity) and one edge caching media/video/ (everything else proxied to the
# origin), all under ./work (override with GUREUM_WORK); print endpoints and
# credentials, and serve until Ctrl-C (which stops both).
#   GUREUM_LISTEN       origin address (default 127.0.0.1:9000)
#   GUREUM_EDGE_LISTEN  edge address   (default 127.0.0.1:8080)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${GUREUM_WORK:-$PWD/work}
LISTEN=${GUREUM_LISTEN:-127.0.0.1:9000}
EDGE_LISTEN=${GUREUM_EDGE_LISTEN:-127.0.0.1:8080}
cargo build --release -p gureum-origin -p gureum-edge
BIN="${CARGO_TARGET_DIR:-./target}/release"
mkdir -p "$WORK"
CREDS="$WORK/credentials"
if [ ! -f "$CREDS" ]; then
  # One key pair per working folder, reused on the next start.
  ak="GK$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
  sk="$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)"
  tok="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  printf 'GUREUM_ROOT_ACCESS_KEY=%s\nGUREUM_ROOT_SECRET_KEY=%s\nGUREUM_EDGE_ADMIN_TOKEN=%s\n' \
    "$ak" "$sk" "$tok" > "$CREDS"
  chmod 600 "$CREDS"
fi
set -a; . "$CREDS"; set +a
: "${GUREUM_EDGE_ADMIN_TOKEN:=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')}"
drives=()
for i in 0 1 2 3 4 5; do drives+=(--drive "$WORK/drives/d$i"); done

"$BIN/gureum-origin" serve --listen "$LISTEN" "${drives[@]}" --meta-dir "$WORK/meta" &
ORIGIN_PID=$!
EDGE_PID=
cleanup() {
  [ -n "$EDGE_PID" ] && kill "$EDGE_PID" 2>/dev/null || true
  kill "$ORIGIN_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fsS "http://$LISTEN/health/live" >/dev/null 2>&1 && break
  kill -0 "$ORIGIN_PID" 2>/dev/null || { echo "gureum-origin failed to start" >&2; exit 1; }
  sleep 0.1
done
# The edge signs its cache fills with a key of its own: IAM user
# gureum-edge may read media/video/ and list media (deploy/edge-policy.json),
# nothing else. Made through the origin's IAM API; a fresh key each start.
read -r EDGE_AK EDGE_SK < <(scripts/iam-user.sh "http://$LISTEN" gureum-edge edge-read deploy/edge-policy.json) ||
  { echo "could not create the edge's IAM user" >&2; exit 1; }
[ -n "${EDGE_SK:-}" ] || { echo "could not create the edge's IAM user" >&2; exit 1; }
EDGE_CFG="$WORK/edge.toml"
umask 077
cat > "$EDGE_CFG" <<TOML
listen = "$EDGE_LISTEN"
[origin]
url = "http://$LISTEN"
access_key = "$EDGE_AK"
secret_key = "$EDGE_SK"
region = "us-east-1"
[cache]
memory_bytes = "256MiB"
disk_dir = "$WORK/edge-cache"
disk_bytes = "4GiB"
[admin]
token = "$GUREUM_EDGE_ADMIN_TOKEN"
[fallback]
mode = "proxy"
[[distribution]]
bucket = "media"
prefix = "video/"
ttl_secs = 3600
TOML

"$BIN/gureum-edge" serve --config "$EDGE_CFG" &
EDGE_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://$EDGE_LISTEN/health/live" >/dev/null 2>&1 && break
  kill -0 "$EDGE_PID" 2>/dev/null || { echo "gureum-edge failed to start" >&2; exit 1; }
  sleep 0.1
done
cat <<MSG

Gureum is running
  origin (S3):  http://$LISTEN       data in $WORK (6 drives, 4 data + 2 parity)
  edge (CDN):   http://$EDGE_LISTEN       caches media/video/, proxies the rest
  access key:   $GUREUM_ROOT_ACCESS_KEY
  secret key:   $GUREUM_ROOT_SECRET_KEY
  edge admin:   Authorization: Bearer $GUREUM_EDGE_ADMIN_TOKEN   (POST /_edge/purge)
  edge's key:   $EDGE_AK (IAM user gureum-edge, policy deploy/edge-policy.json)
Try:
  export AWS_ACCESS_KEY_ID=$GUREUM_ROOT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$GUREUM_ROOT_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
  aws --endpoint-url http://$LISTEN s3 mb s3://media
  aws --endpoint-url http://$LISTEN s3 cp ./clip.mp4 s3://media/video/clip.mp4
  curl -sI http://$EDGE_LISTEN/media/video/clip.mp4 | grep -i x-cache    # MISS, then HIT
Ctrl-C stops both.
MSG
wait -n "$ORIGIN_PID" "$EDGE_PID"
