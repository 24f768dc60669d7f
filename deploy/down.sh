#!/usr/bin/env bash
# Stops the docker-compose demo and removes its containers, network and
# volumes (all stored objects and edge caches are gone afterwards).
#   --images   also remove the gureum-origin:demo / gureum-edge:demo images
#              (the base image gureum-base:bookworm is kept; remove it with
#              `docker rmi gureum-base:bookworm`)
set -euo pipefail

# shellcheck source=deploy/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

images=0
for arg in "$@"; do
    case "$arg" in
        --images) images=1 ;;
        -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "down.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

compose down --volumes --remove-orphans --timeout 20 >&2
if [[ $images == 1 ]]; then
    docker rmi gureum-origin:demo gureum-edge:demo >/dev/null 2>&1 || true
    docker image prune --force --filter label=io.gureum.demo=1 >/dev/null 2>&1 || true
fi

left="$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT")
$(docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT")
$(docker network ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT")"
if [[ -n "${left//[[:space:]]/}" ]]; then
    echo "down.sh: left behind: $left" >&2
    exit 1
fi
echo "[down] demo stopped; containers, network and volumes removed" >&2
