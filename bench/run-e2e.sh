#!/usr/bin/env bash
# Origin benchmark: gureum-origin (6 drive dirs, 4+2) and nginx (static files,
# WebDAV PUT) side by side on loopback, same machine, same run.
#
#   bench/run-e2e.sh                       # builds release binaries first
#   GUREUM_BIN_DIR=/path/to/release bench/run-e2e.sh
#
# Measures, with `gureum-load run` (targets interleaved, 3 repeats, medians):
# PUT/GET MiB/s of 1 MiB and 64 MiB objects at concurrency 1 and 8, 4 KiB
# PUT/GET ops/s at concurrency 8; then `gureum-load big-put`: 16 concurrent
# 256 MiB uploads to the origin with the origin's peak RSS.
# Targets: 64 MiB GET >= 70% of nginx, 64 MiB PUT >= 50%, peak RSS < 300 MiB.
# Prints a markdown table on stdout (progress on stderr); exit 1 when a
# target is missed or requests failed, 2 on setup errors.
#
# Knobs (env): GUREUM_BIN_DIR, BENCH_TMP (where drives and nginx's root go,
# default /tmp: keep both on one file system), REPEATS (3), MAX_SECS (5, cap
# of one run), SCENARIOS (all), BIGPUT_COUNT (16), BIGPUT_SIZE (256MiB),
# BENCH_KEEP=1 (keep the work dir), OUT (also write the table to this file),
# GUREUM_BIN_COMMIT (commit the binaries were built from, for the header),
# BENCH_WAIT_QUIET=LOAD (first wait up to BENCH_WAIT_MAX=600 s for the 1-min
# load average to drop below LOAD), ORIGIN_WRAP (command prefix for the
# origin, diagnosis only: `ORIGIN_WRAP=eatmydata` shows what fsync costs).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

REPEATS="${REPEATS:-3}"
MAX_SECS="${MAX_SECS:-5}"
SCENARIOS="${SCENARIOS:-all}"
BIGPUT_COUNT="${BIGPUT_COUNT:-16}"
BIGPUT_SIZE="${BIGPUT_SIZE:-256MiB}"
# Hard caps per step (seconds), so the whole script stays well under 15 min.
RUN_TIMEOUT="${RUN_TIMEOUT:-600}"
BIGPUT_TIMEOUT="${BIGPUT_TIMEOUT:-240}"

trap bench_cleanup EXIT
trap 'exit 2' INT TERM

need_pkgs nginx:nginx curl:curl jq:jq ss:iproute2
bench_bins gureum-origin gureum-load
wait_quiet
bench_workdir
bench_creds

# --- gureum-origin -----------------------------------------------------------
start_origin "$(free_port)"

# --- nginx: static files + WebDAV PUT/DELETE, same file system -----------------
NGINX_PORT="$(free_port)"
mkdir -p "$WORK/nginx/www" "$WORK/nginx/body-tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
$(nginx_user_line)
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    default_type application/octet-stream;
    client_max_body_size 0;
    # PUT bodies land here first, then are renamed into place: same FS.
    client_body_temp_path $WORK/nginx/body-tmp;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WORK/nginx/www;
        location / {
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
        }
    }
}
EOF
start_nginx "$WORK/nginx/nginx.conf"
wait_any_http "http://127.0.0.1:$NGINX_PORT/" 10
sleep 0.3
NGINX_PIDS="$(nginx_pids)"
log "nginx pids $NGINX_PIDS on 127.0.0.1:$NGINX_PORT (root $WORK/nginx/www)"
LOAD_START="$(loadavg)"

# --- throughput scenarios ------------------------------------------------------
RUN_JSON="$WORK/run.jsonl"
RUN_OUT="$WORK/run.out"
log "gureum-load run (scenarios $SCENARIOS, $REPEATS repeats, <= ${MAX_SECS}s per run)"
set +e
timeout "$RUN_TIMEOUT" "$BIN/gureum-load" run \
    --target "gureum=s3:$ORIGIN_URL" \
    --target "nginx=plain:http://127.0.0.1:$NGINX_PORT" \
    --scenarios "$SCENARIOS" --repeats "$REPEATS" --max-secs "$MAX_SECS" \
    --cpu-pid "gureum=$ORIGIN_PID" --cpu-pid "nginx=$NGINX_PIDS" \
    --json "$RUN_JSON" >"$RUN_OUT"
run_rc=$?
set -e
[ "$run_rc" -le 1 ] || die "gureum-load run failed (rc $run_rc); see above"

# --- big-put: 16 x 256 MiB concurrent uploads, origin RSS ----------------------
BIG_JSON="$WORK/bigput.jsonl"
log "gureum-load big-put ($BIGPUT_COUNT x $BIGPUT_SIZE) watching pid $ORIGIN_PID"
set +e
timeout "$BIGPUT_TIMEOUT" "$BIN/gureum-load" big-put \
    --target "gureum=s3:$ORIGIN_URL" \
    --count "$BIGPUT_COUNT" --size "$BIGPUT_SIZE" \
    --watch-pid "$ORIGIN_PID" --rss-goal-mib 300 \
    --json "$BIG_JSON" >"$WORK/bigput.out"
big_rc=$?
set -e
cat "$WORK/bigput.out" >&2
[ "$big_rc" -le 1 ] || die "gureum-load big-put failed (rc $big_rc)"

# --- report --------------------------------------------------------------------
{
    echo "### Origin benchmark (bench/run-e2e.sh)"
    echo
    bench_header
    echo "- gureum-origin: 6 drive dirs (4+2) under $(fs_note "$WORK"); nginx: sendfile static files + WebDAV PUT on the same FS"
    echo "- medians of $REPEATS interleaved runs (each <= ${MAX_SECS}s or its request cap);" \
         "server CPU = user + system CPU of the server processes per MiB (per request for 4 KiB), median of the runs"
    echo "- load average at start $LOAD_START, at end $(loadavg)${ORIGIN_WRAP:+; origin run under \`$ORIGIN_WRAP\` (diagnosis only)}"
    echo
    grep '^|' "$RUN_OUT"
    jq -r 'select(.kind == "big-put") |
        "| PUT \(.size / 1048576 | floor) MiB x\(.count) (big-put) | \(.mib_s * 10 | round / 10) MiB/s, peak RSS \(.peak_rss_mib * 10 | round / 10) MiB | - | - | RSS < 300 MiB \(if (.peak_rss_mib < 300 and .errors == 0) then "pass" else "FAIL" end) | \(if .server_cpu_ms_per_mib then (.server_cpu_ms_per_mib * 100 | round / 100 | tostring) + " ms/MiB" else "-" end) |"' \
        "$BIG_JSON"
} | tee "${OUT:-/dev/null}"

fail=0
grep -q 'FAIL' "$RUN_OUT" && fail=1
jq -e 'select(.kind == "big-put") | (.peak_rss_mib < 300 and .errors == 0)' "$BIG_JSON" >/dev/null || fail=1
[ "$run_rc" -eq 0 ] && [ "$big_rc" -eq 0 ] || fail=1
exit "$fail"
