#!/usr/bin/env bash
# Quick start: build and run a local Gureum origin with 6 drives (4 data + 2
# parity) under ./work (override with GUREUM_WORK), print the endpoint and
# credentials, and serve until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${GUREUM_WORK:-$PWD/work}
LISTEN=${GUREUM_LISTEN:-127.0.0.1:9000}
cargo build --release -p gureum-origin
mkdir -p "$WORK"
CREDS="$WORK/credentials"
if [ ! -f "$CREDS" ]; then
  # One key pair per working folder, reused on the next start.
  ak="GK$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
  sk="$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)"
  printf 'GUREUM_ROOT_ACCESS_KEY=%s\nGUREUM_ROOT_SECRET_KEY=%s\n' "$ak" "$sk" > "$CREDS"
  chmod 600 "$CREDS"
fi
set -a; . "$CREDS"; set +a
drives=()
for i in 0 1 2 3 4 5; do drives+=(--drive "$WORK/drives/d$i"); done
cat <<MSG
Gureum origin
  endpoint:    http://$LISTEN
  access key:  $GUREUM_ROOT_ACCESS_KEY
  secret key:  $GUREUM_ROOT_SECRET_KEY
  data:        $WORK (6 drives, 4 data + 2 parity)
Try:
  export AWS_ACCESS_KEY_ID=$GUREUM_ROOT_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$GUREUM_ROOT_SECRET_KEY AWS_DEFAULT_REGION=us-east-1
  aws --endpoint-url http://$LISTEN s3 mb s3://media
MSG
exec ./target/release/gureum-origin serve --listen "$LISTEN" "${drives[@]}" --meta-dir "$WORK/meta"
