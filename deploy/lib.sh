# shellcheck shell=bash
# Shared by deploy/up.sh, deploy/down.sh and tests/demo/run.sh (sourced, not run).
# Sets DEPLOY_DIR, COMPOSE_PROJECT and the `compose` function, which runs
# whichever Compose exists here: the `docker compose` plugin (v2) or the
# standalone `docker-compose` (v1). GUREUM_COMPOSE overrides the choice,
# e.g. GUREUM_COMPOSE=docker-compose.

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMPOSE_PROJECT="${GUREUM_DEMO_PROJECT:-gureum-demo}"

if [[ -n "${GUREUM_COMPOSE:-}" ]]; then
    read -r -a _gureum_compose <<<"$GUREUM_COMPOSE"
elif docker compose version >/dev/null 2>&1; then
    _gureum_compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
    _gureum_compose=(docker-compose)
else
    echo "error: neither 'docker compose' nor 'docker-compose' is installed" >&2
    exit 1
fi

# The demo's compose command: fixed project name and directory, so it works
# from any working directory and down.sh finds what up.sh started.
compose() {
    "${_gureum_compose[@]}" --project-name "$COMPOSE_PROJECT" \
        --project-directory "$DEPLOY_DIR" \
        --file "$DEPLOY_DIR/docker-compose.yml" \
        --env-file "$DEPLOY_DIR/.env" "$@"
}

# Health of one service's container: starting | healthy | unhealthy |
# exited | missing.
service_health() {
    local id
    id="$(compose ps --all -q "$1" 2>/dev/null | head -n1)"
    [[ -n "$id" ]] || { echo missing; return; }
    docker inspect -f '{{if eq .State.Status "running"}}{{if .State.Health}}{{.State.Health.Status}}{{else}}running{{end}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null || echo missing
}
