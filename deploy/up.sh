#!/usr/bin/env bash
# Builds the demo images and starts the docker-compose demo: one origin
# (127.0.0.1:9000, 6 drives, 4 data + 2 parity) and two edges (127.0.0.1:8081,
# 127.0.0.1:8082) caching media/video/. Returns once all three answer
# GET /health/ready; prints endpoints and credentials. No registry needed.
#
# Steps:
#   1. base image gureum-base:bookworm (deploy/base-image.sh; cached)
#   2. binaries: `cargo build --release -p gureum-origin -p gureum-edge`,
#      or the ones in GUREUM_BIN_DIR if it has both
#   3. images gureum-origin:demo and gureum-edge:demo (deploy/Dockerfile.local)
#   4. compose up the origin; create the edges' IAM user and key through
#      the IAM API (scripts/iam-user.sh, policy deploy/edge-policy.json);
#      compose up the edges;
#      wait for the health checks
#
# Env: GUREUM_BIN_DIR (prebuilt binaries), GUREUM_UP_TIMEOUT (seconds to wait
# for readiness, default 180), GUREUM_COMPOSE (compose command), and those of
# base-image.sh. Needs docker and curl.
set -euo pipefail

# shellcheck source=deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo="$(cd "$DEPLOY_DIR/.." && pwd)"
timeout="${GUREUM_UP_TIMEOUT:-180}"
start=$(date +%s)

say() { printf '[up] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v docker >/dev/null 2>&1 || die "docker is not installed"
docker info >/dev/null 2>&1 || die "cannot talk to the Docker daemon (is it running? permissions?)"
[[ -f "$DEPLOY_DIR/.env" ]] || die "$DEPLOY_DIR/.env is missing"

# 1. Base image.
"$DEPLOY_DIR/base-image.sh"

# 2. Binaries.
if [[ -n "${GUREUM_BIN_DIR:-}" ]]; then
    bin_dir="$GUREUM_BIN_DIR"
    for b in gureum-origin gureum-edge; do
        [[ -x "$bin_dir/$b" ]] || die "GUREUM_BIN_DIR=$bin_dir has no executable $b"
    done
    say "using prebuilt binaries from $bin_dir"
else
    command -v cargo >/dev/null 2>&1 || die "cargo not found (install Rust, or set GUREUM_BIN_DIR)"
    say "cargo build --release -p gureum-origin -p gureum-edge"
    (cd "$repo" && cargo build --release -p gureum-origin -p gureum-edge) ||
        die "cargo build failed"
    target_dir="$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    bin_dir="${target_dir:-$repo/target}/release"
fi

# 3. Images. Legacy builder when buildx is absent (it reads local images;
# BuildKit with the docker driver does too).
if ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0
fi
tmp="$(mktemp -d /tmp/gureum-demo-build.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
ctx="$tmp/context"
mkdir -p "$ctx/bin"
# -p keeps mtimes, so unchanged files hit the build cache.
cp -p "$bin_dir/gureum-origin" "$bin_dir/gureum-edge" "$ctx/bin/"
cp -p "$DEPLOY_DIR/healthcheck.sh" "$DEPLOY_DIR/edge-entrypoint.sh" "$ctx/"
for target in origin edge; do
    say "building image gureum-$target:demo"
    if ! docker build --file "$DEPLOY_DIR/Dockerfile.local" --target "$target" \
        --tag "gureum-$target:demo" "$ctx" >"$tmp/build-$target.log" 2>&1; then
        tail -n 30 "$tmp/build-$target.log" >&2
        die "docker build of gureum-$target:demo failed"
    fi
done
# Previous builds of the demo images, now untagged (running containers keep theirs).
docker image prune --force --filter label=io.gureum.demo=1 >/dev/null 2>&1 || true

# 4. Start the origin, give the edges their own least-privileged IAM user,
# then start the edges; wait for readiness.
# wait_healthy SERVICE...: returns once every one is healthy (dies on a
# container that exited or after the timeout).
deadline=$(( $(date +%s) + timeout ))
wait_healthy() {
    local pending s h
    while :; do
        pending=()
        for s in "$@"; do
            h="$(service_health "$s")"
            case "$h" in
                healthy) ;;
                starting|running) pending+=("$s") ;;
                *)
                    compose logs --tail=50 "$s" >&2 || true
                    die "$s is $h"
                    ;;
            esac
        done
        [[ ${#pending[@]} -eq 0 ]] && return 0
        if (( $(date +%s) >= deadline )); then
            for s in "${pending[@]}"; do compose logs --tail=50 "$s" >&2 || true; done
            die "not ready after ${timeout}s: ${pending[*]}"
        fi
        sleep 1
    done
}

say "starting the origin (project $COMPOSE_PROJECT)"
compose up -d --no-build --remove-orphans origin >&2 || {
    compose ps >&2 || true
    compose logs --tail=50 >&2 || true
    die "compose up origin failed"
}
wait_healthy origin

# The edges sign their cache fills with a key of their own that can read
# media/video/ and list media (the change feed, pre-warm), nothing else:
# the edge holds no root key. Idempotent: a second up.sh replaces the key.
# shellcheck disable=SC1091
. "$DEPLOY_DIR/.env"
say "creating IAM user $EDGE_USER with policy deploy/edge-policy.json (scripts/iam-user.sh)"
keys="$(GUREUM_ROOT_ACCESS_KEY="$GUREUM_ROOT_ACCESS_KEY" GUREUM_ROOT_SECRET_KEY="$GUREUM_ROOT_SECRET_KEY" \
    "$repo/scripts/iam-user.sh" http://127.0.0.1:9000 "$EDGE_USER" edge-read "$DEPLOY_DIR/edge-policy.json")" ||
    die "could not create the edges' IAM user"
read -r GUREUM_EDGE_ACCESS_KEY GUREUM_EDGE_SECRET_KEY <<<"$keys"
export GUREUM_EDGE_ACCESS_KEY GUREUM_EDGE_SECRET_KEY

say "starting the edges"
compose up -d --no-build edge1 edge2 >&2 || {
    compose ps >&2 || true
    compose logs --tail=50 >&2 || true
    die "compose up edges failed"
}
wait_healthy origin edge1 edge2

cat <<EOF

Gureum demo is up ($(( $(date +%s) - start ))s):
  origin  http://127.0.0.1:9000   S3 API (path-style), 6 drives, 4 data + 2 parity
  edge1   http://127.0.0.1:8081   caches media/video/, proxies the rest to the origin
  edge2   http://127.0.0.1:8082   same
  health  GET /health/ready on each, metrics GET /metrics

Credentials (deploy/.env):
  export AWS_ACCESS_KEY_ID=$GUREUM_ROOT_ACCESS_KEY
  export AWS_SECRET_ACCESS_KEY=$GUREUM_ROOT_SECRET_KEY
  export AWS_DEFAULT_REGION=us-east-1
  edge admin token (POST /_edge/purge): $GUREUM_EDGE_ADMIN_TOKEN
  edges' origin key: IAM user $EDGE_USER ($GUREUM_EDGE_ACCESS_KEY), policy deploy/edge-policy.json

Try:
  aws --endpoint-url http://127.0.0.1:9000 s3 mb s3://media
  aws --endpoint-url http://127.0.0.1:9000 s3 cp ./clip.mp4 s3://media/video/clip.mp4
  curl -sI http://127.0.0.1:8081/media/video/clip.mp4 | grep -i x-cache   # MISS, then HIT
Stop and remove everything (volumes too): deploy/down.sh
EOF
