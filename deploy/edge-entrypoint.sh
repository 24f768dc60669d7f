#!/bin/bash
# Entrypoint of the edge images. Runs `gureum-edge "$@"` (no arguments:
# serve --config /etc/gureum/edge.toml), except when GUREUM_EDGE_TEMPLATE
# names a config template (the docker-compose demo does): then each ${NAME}
# in it is replaced by the environment variable NAME (escaped for a TOML
# "..." string; an unset NAME is an error), the result is written to
# GUREUM_EDGE_CONFIG (default /tmp/edge.toml, mode 600) and the edge runs
# `gureum-edge serve --config <that file> "$@"`. Keeps secrets out of the
# config file on the host.
set -euo pipefail

template="${GUREUM_EDGE_TEMPLATE:-}"
if [[ -z "$template" ]]; then
    [[ $# -gt 0 ]] || set -- serve --config /etc/gureum/edge.toml
    exec gureum-edge "$@"
fi

out="${GUREUM_EDGE_CONFIG:-/tmp/edge.toml}"
text="$(<"$template")"
rendered=""
# Scan left to right, so a value that itself contains ${...} is not expanded again.
while [[ "$text" =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
    name="${BASH_REMATCH[1]}"
    if [[ -z "${!name+set}" ]]; then
        echo "gureum-edge-entrypoint: $template uses \${$name}, which is not set" >&2
        exit 2
    fi
    value="${!name}"
    value="${value//\\/\\\\}"
    value="${value//\"/\\\"}"
    rendered+="${text%%"${BASH_REMATCH[0]}"*}$value"
    text="${text#*"${BASH_REMATCH[0]}"}"
done
rendered+="$text"

umask 077
printf '%s\n' "$rendered" >"$out"
exec gureum-edge serve --config "$out" "$@"
