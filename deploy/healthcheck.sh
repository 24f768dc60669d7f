#!/bin/bash
# gureum-healthcheck [PORT] [PATH]: exits 0 when GET http://127.0.0.1:PORT/PATH
# (default 9000, /health/ready) answers 200. Plain bash (/dev/tcp), so the
# images need no curl.
port="${1:-9000}"
path="${2:-/health/ready}"
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$path" "$port" >&3
IFS= read -r -t 5 status <&3 || exit 1
exec 3<&-
case "$status" in
    "HTTP/1."?" 200"*) exit 0 ;;
    *) echo "GET $path: ${status%$'\r'}" >&2; exit 1 ;;
esac
