#!/usr/bin/env bash
# Edge benchmark: gureum-edge vs nginx proxy_cache, both in front of the same
# gureum-origin on loopback, same machine, same run.
#
#   bench/run-edge.sh                      # builds release binaries first
#   GUREUM_BIN_DIR=/path/to/release bench/run-edge.sh
#
# 1. Seeds bucket `media` on the origin (6 drive dirs, 4+2): 64 x 1 KiB and
#    8 x 16 MiB objects under video/, plus COLD_COUNT x 512 MiB cold objects.
# 2. Starts gureum-edge (distribution media + video/, memory tier 2 GiB) and
#    nginx with proxy_cache (cache key $uri, valid 7 days, proxy_cache_lock).
#    nginx fetches misses with the object's presigned GET query string (a
#    `map` from $uri, made by `gureum-load objects`), so clients send the very
#    same plain `GET /media/video/...` to both caches and neither origin
#    bucket is made public.
# 3. Warms both caches and checks every object answers `X-Cache: HIT`.
# 4. Cache hits with wrk (cycling over the objects): requests/s of 1 KiB
#    objects, MiB/s of 16 MiB objects; ROUNDS rounds, target order alternating,
#    medians. During every run the edge's gureum_edge_requests_total{cache=...}
#    deltas and the origin's gureum_origin_bytes_out_total delta are recorded:
#    a hit run must show only hits and no origin object bytes.
# 5. Cold TTFB: each 512 MiB object once through the (cold) edge and once
#    directly from the origin (presigned URL), order alternating, curl
#    %{time_starttransfer}; medians.
# Targets: hits >= 1.2x nginx's requests/s and >= 1.0x its MiB/s; cold TTFB
# <= 1.2x the origin's. Markdown table on stdout; exit 1 when a target is
# missed or a check failed, 2 on setup errors.
#
# TLS=1 runs the hit comparison over HTTPS: both caches terminate TLS with
# the same certificate (made by `gureum-origin tls-self-signed`; TLS 1.2/1.3,
# wrk speaks HTTP/1.1 over it), the origin stays plain HTTP behind them; the
# cold TTFB part is skipped (it compares against the plain origin).
#
# Knobs (env): GUREUM_BIN_DIR, TLS (0), BENCH_TMP (/tmp), ROUNDS (3), WRK_SECS (8),
# WRK_THREADS (2), CONNS_SMALL (64), CONNS_BIG (8), COLD_COUNT (9),
# COLD_SIZE (512MiB), BENCH_KEEP=1, OUT (also write the table to this file),
# GUREUM_BIN_COMMIT, BENCH_WAIT_QUIET=LOAD, BENCH_WAIT_MAX (see run-e2e.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROUNDS="${ROUNDS:-3}"
WRK_SECS="${WRK_SECS:-8}"
WRK_THREADS="${WRK_THREADS:-2}"
CONNS_SMALL="${CONNS_SMALL:-64}"
CONNS_BIG="${CONNS_BIG:-8}"
SMALL_COUNT="${SMALL_COUNT:-64}"
BIG_COUNT="${BIG_COUNT:-8}"
TLS="${TLS:-0}"
if [ "$TLS" = 1 ]; then COLD_COUNT=0; else COLD_COUNT="${COLD_COUNT:-9}"; fi
COLD_SIZE="${COLD_SIZE:-512MiB}"
STEP_TIMEOUT="${STEP_TIMEOUT:-300}"

trap bench_cleanup EXIT
trap 'exit 2' INT TERM

need_pkgs nginx:nginx wrk:wrk curl:curl jq:jq ss:iproute2
bench_bins gureum-origin gureum-edge gureum-load
wait_quiet
bench_workdir
bench_creds
T0=$(date +%s)
if [ "$TLS" = 1 ]; then
    "$BIN/gureum-origin" tls-self-signed --out "$WORK/tls" --name 127.0.0.1 --name localhost >/dev/null \
        || die "tls-self-signed failed"
    # Every curl below (warming, checks, metrics) trusts the bench CA.
    export CURL_CA_BUNDLE="$WORK/tls/ca.pem"
    EDGE_TLS_DIR="$WORK/tls"
fi

# --- origin and its objects ------------------------------------------------------
start_origin "$(free_port)"
ORIGIN_PORT="${ORIGIN_URL##*:}"

# seed PREFIX COUNT SIZE CONCURRENCY OUT: uploads, writes KEY<TAB>presigned GET URL.
seed() {
    timeout "$STEP_TIMEOUT" "$BIN/gureum-load" objects --target "origin=s3:$ORIGIN_URL" \
        --bucket media --prefix "$1" --count "$2" --size "$3" --concurrency "$4" \
        --urls-out "$5" || die "seeding $1 failed"
}
seed video/bench-1k/ "$SMALL_COUNT" 1KiB 16 "$WORK/small.tsv"
seed video/bench-16m/ "$BIG_COUNT" 16MiB 4 "$WORK/big.tsv"
if [ "$COLD_COUNT" -gt 0 ]; then
    seed video/cold/ "$COLD_COUNT" "$COLD_SIZE" 2 "$WORK/cold.tsv"
else
    : >"$WORK/cold.tsv"
fi
sync
# Client paths (what wrk and curl ask both caches for).
paths_of() { awk -F'\t' '{ u = $2; sub(/\?.*/, "", u); sub(/^https?:\/\/[^\/]*/, "", u); print u }' "$1"; }
paths_of "$WORK/small.tsv" >"$WORK/small.paths"
paths_of "$WORK/big.tsv" >"$WORK/big.paths"
paths_of "$WORK/cold.tsv" >"$WORK/cold.paths"

# --- gureum-edge ------------------------------------------------------------------
start_edge "2GiB" "20GiB"
log "gureum-edge pid $EDGE_PID on $EDGE_URL (media/video/, memory tier 2 GiB)"

# --- nginx proxy_cache in front of the same origin -----------------------------------
NGINX_PORT="$(free_port)"
if [ "$TLS" = 1 ]; then
    NGINX_URL="https://127.0.0.1:$NGINX_PORT"
    NGINX_LISTEN="listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $WORK/tls/cert.pem;
        ssl_certificate_key $WORK/tls/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:tls:10m;"
else
    NGINX_URL="http://127.0.0.1:$NGINX_PORT"
    NGINX_LISTEN="listen 127.0.0.1:$NGINX_PORT;"
fi
mkdir -p "$WORK/nginx/cache"
# $uri -> presigned query string of that object.
cat "$WORK/small.tsv" "$WORK/big.tsv" "$WORK/cold.tsv" | awk -F'\t' '{
    u = $2; q = u; sub(/^[^?]*\?/, "", q); sub(/\?.*/, "", u); sub(/^https?:\/\/[^\/]*/, "", u)
    printf "    \"%s\" \"%s\";\n", u, q }' >"$WORK/nginx/sig.map"
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
    map_hash_bucket_size 1024;
    map \$uri \$gureum_sig {
        default "";
        include $WORK/nginx/sig.map;
    }
    proxy_cache_path $WORK/nginx/cache levels=1:2 keys_zone=gureum:16m
                     max_size=20g inactive=7d use_temp_path=off;
    upstream gureum_origin {
        server 127.0.0.1:$ORIGIN_PORT;
        keepalive 32;
    }
    server {
        $NGINX_LISTEN
        location /media/video/ {
            proxy_pass http://gureum_origin\$uri?\$gureum_sig;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # The presigned URL is signed for the origin's host.
            proxy_set_header Host 127.0.0.1:$ORIGIN_PORT;
            proxy_cache gureum;
            proxy_cache_key \$uri;
            proxy_cache_valid 200 7d;
            proxy_cache_lock on;
            proxy_ignore_headers Cache-Control Expires Set-Cookie Vary X-Accel-Expires;
            add_header X-Cache \$upstream_cache_status always;
        }
    }
}
EOF
start_nginx "$WORK/nginx/nginx.conf"
wait_any_http "$NGINX_URL/" 10
sleep 0.3
NGINX_PIDS="$(nginx_pids)"
log "nginx pids $NGINX_PIDS on $NGINX_URL (proxy_cache in front of $ORIGIN_URL)"

# --- warm both caches and check hits -------------------------------------------------
# x_cache BASE PATH: the X-Cache value of one GET (body discarded).
x_cache() {
    curl -sS -o /dev/null -D - "$1$2" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" { print $2 }'
}
for base in "$EDGE_URL" "$NGINX_URL"; do
    while read -r p; do
        curl -fsS -o /dev/null "$base$p" || die "warming $base$p failed"
    done < <(cat "$WORK/small.paths" "$WORK/big.paths")
done
sleep 2  # let the edge's background disk writes of the fills settle
sync
bad=0
for base in "$EDGE_URL" "$NGINX_URL"; do
    while read -r p; do
        xc="$(x_cache "$base" "$p")"
        [ "$xc" = HIT ] || { log "not a hit after warming: $base$p (X-Cache: ${xc:-none})"; bad=1; }
    done < <(cat "$WORK/small.paths" "$WORK/big.paths")
done
[ "$bad" -eq 0 ] || die "caches did not warm"
log "both caches warm: every object answers X-Cache: HIT"

# --- cache hits with wrk --------------------------------------------------------------
# wrk_run TARGET BASE PATHS CONNS -> appends one line to hits.tsv
HITS="$WORK/hits.tsv"
: >"$HITS"
wrk_run() {
    local target="$1" base="$2" paths="$3" conns="$4" size="$5" round="$6"
    local h0 m0 o0 h1 m1 o1 out c0 c1 pids
    if [ "$target" = edge ]; then pids="$EDGE_PID"; else pids="$(nginx_pids)"; pids="${pids//,/ }"; fi
    h0=$(metric_sum "$EDGE_URL" gureum_edge_requests_total 'cache="hit"')
    m0=$(metric_sum "$EDGE_URL" gureum_edge_requests_total 'cache="miss"')
    o0=$(metric_sum "$ORIGIN_URL" gureum_origin_bytes_out_total)
    # shellcheck disable=SC2086
    c0=$(cpu_ticks $pids)
    out=$(WRK_PATHS="$paths" timeout $((WRK_SECS + 60)) wrk -t "$WRK_THREADS" -c "$conns" \
        -d "${WRK_SECS}s" --timeout 30s -s "$BENCH_DIR/wrk-paths.lua" "$base" 2>&1) \
        || die "wrk failed: $out"
    # shellcheck disable=SC2086
    c1=$(cpu_ticks $pids)
    h1=$(metric_sum "$EDGE_URL" gureum_edge_requests_total 'cache="hit"')
    m1=$(metric_sum "$EDGE_URL" gureum_edge_requests_total 'cache="miss"')
    o1=$(metric_sum "$ORIGIN_URL" gureum_origin_bytes_out_total)
    echo "$out" | grep '^WRKSUMMARY' | sed 's/^WRKSUMMARY //' | tr ' ' '\n' | awk -F= \
        -v t="$target" -v s="$size" -v r="$round" -v c="$conns" \
        -v dh=$((h1 - h0)) -v dm=$((m1 - m0)) -v dob=$((o1 - o0)) -v cpu=$((c1 - c0)) '
        { v[$1] = $2 }
        END {
            secs = v["duration_us"] / 1e6
            errs = v["connect"] + v["read"] + v["write"] + v["status"] + v["timeout"]
            printf "%s\t%s\t%d\t%d\t%.1f\t%.1f\t%d\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.1f\t%.3f\n", s, t, r, c,
                v["requests"] / secs, v["bytes"] / secs / 1048576, v["requests"], errs,
                dh, dm, dob, v["p50_us"] / 1000, v["p99_us"] / 1000,
                cpu / 100, cpu / 100 * 1e6 / v["requests"], cpu / 100 * 1000 / (v["bytes"] / 1048576)
        }' | tee -a "$HITS" | awk -F'\t' '{ printf "[hit] %-6s %-6s round %s c%s: %s req/s, %s MiB/s, %s req, %s errors; edge hit+%s miss+%s; origin bytes out +%s; p50 %s ms p99 %s ms; server CPU %ss = %s us/req, %s ms/MiB\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 }' >&2
}
LOAD_START="$(loadavg)"
log "cache-hit runs: $ROUNDS rounds x (1 KiB c$CONNS_SMALL, 16 MiB c$CONNS_BIG) x (edge, nginx), ${WRK_SECS}s each, wrk -t$WRK_THREADS"
for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then order="edge nginx"; else order="nginx edge"; fi
    for size in 1KiB 16MiB; do
        if [ "$size" = 1KiB ]; then paths="$WORK/small.paths" conns="$CONNS_SMALL"
        else paths="$WORK/big.paths" conns="$CONNS_BIG"; fi
        for t in $order; do
            if [ "$t" = edge ]; then base="$EDGE_URL"; else base="$NGINX_URL"; fi
            wrk_run "$t" "$base" "$paths" "$conns" "$size" "$r"
        done
    done
done

# --- cold TTFB: 512 MiB objects, edge (cold) vs origin direct ------------------------
COLD="$WORK/cold.tsv.out"
: >"$COLD"
# ttfb NAME URL -> "ttfb_s total_s bytes x_cache"
ttfb() {
    local hdr="$WORK/cold.hdr" line xc
    line=$(curl -sS -o /dev/null -D "$hdr" -w '%{http_code} %{time_starttransfer} %{time_total} %{size_download}' "$2") \
        || die "cold GET $2 failed"
    xc=$(tr -d '\r' <"$hdr" | awk -F': ' 'tolower($1) == "x-cache" { print $2 }')
    # shellcheck disable=SC2086  # split "code ttfb total size" on purpose
    set -- $line
    [ "$1" = 200 ] || die "cold GET answered $1"
    echo "$2 $3 $4 ${xc:--}"
}
[ "$COLD_COUNT" -gt 0 ] && log "cold TTFB: $COLD_COUNT x $COLD_SIZE, each through the cold edge and direct from the origin"
i=0
while IFS=$'\t' read -r key url; do
    p="$(sed -n "$((i + 1))p" "$WORK/cold.paths")"
    if [ $((i % 2)) -eq 0 ]; then order="origin edge"; else order="edge origin"; fi
    for t in $order; do
        if [ "$t" = edge ]; then res=$(ttfb edge "$EDGE_URL$p"); else res=$(ttfb origin "$url"); fi
        [ -n "$res" ] || die "cold GET of $key ($t) failed"
        echo "$t $i $res" | tee -a "$COLD" | awk '{ printf "[cold] %-6s object %s: TTFB %.2f ms, total %.2f s (%.0f MiB/s), X-Cache %s\n", $1, $2, $3 * 1000, $4, $5 / 1048576 / $4, $6 }' >&2
        sleep 1   # the edge keeps filling its disk tier after the response
        sync
    done
    i=$((i + 1))
done <"$WORK/cold.tsv"
# The edge's copies must have been misses (cold).
awk '$1 == "edge" && $6 != "MISS" { bad = 1 } END { exit bad }' "$COLD" \
    || { log "an edge cold GET was not a MISS"; cold_bad=1; }

# --- report -----------------------------------------------------------------------------
med() { awk -F'\t' -v s="$1" -v t="$2" -v c="$3" '$1 == s && $2 == t { print $c }' "$HITS" | median; }
sum_col() { awk -F'\t' -v t="$1" -v c="$2" '$2 == t { s += $c } END { printf "%.0f\n", s }' "$HITS"; }
e_rps=$(med 1KiB edge 5); n_rps=$(med 1KiB nginx 5)
e_mib=$(med 16MiB edge 6); n_mib=$(med 16MiB nginx 6)
e_cpu_rq=$(med 1KiB edge 15); n_cpu_rq=$(med 1KiB nginx 15)
e_cpu_mib=$(med 16MiB edge 16); n_cpu_mib=$(med 16MiB nginx 16)
e_ttfb=$(awk '$1 == "edge" { print $3 * 1000 }' "$COLD" | median)
o_ttfb=$(awk '$1 == "origin" { print $3 * 1000 }' "$COLD" | median)
e_tot=$(awk '$1 == "edge" { print $5 / 1048576 / $4 }' "$COLD" | median)
o_tot=$(awk '$1 == "origin" { print $5 / 1048576 / $4 }' "$COLD" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
verdict() { awk -v r="$1" -v g="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? (r >= g) : (r <= g); print (ok ? "pass" : "FAIL") }'; }
r_rps=$(ratio "$e_rps" "$n_rps"); r_mib=$(ratio "$e_mib" "$n_mib"); r_ttfb=$(ratio "$e_ttfb" "$o_ttfb")
v_rps=$(verdict "$r_rps" 1.2 ">="); v_mib=$(verdict "$r_mib" 1.0 ">="); v_ttfb=$(verdict "$r_ttfb" 1.2 "<=")
[ "$COLD_COUNT" -gt 0 ] || v_ttfb="skipped"
edge_req=$(sum_col edge 7); edge_hits=$(sum_col edge 9); edge_miss=$(sum_col edge 10)
errs=$(awk -F'\t' '{ s += $8 } END { print s + 0 }' "$HITS")
ob_edge=$(sum_col edge 11); ob_nginx=$(sum_col nginx 11)
hits_ok=pass
if [ "$edge_miss" -ne 0 ] || [ "$ob_edge" -ne 0 ] || [ "$ob_nginx" -ne 0 ] || [ "$errs" -ne 0 ] \
    || [ "$edge_hits" -lt "$edge_req" ]; then hits_ok=FAIL; fi
{
    echo "### Edge benchmark (bench/run-edge.sh)"
    echo
    bench_header
    [ "$TLS" = 1 ] && echo "- over HTTPS: edge and nginx terminate TLS with the same certificate (tls-self-signed CA), wrk over TLS (HTTP/1.1); origin plain behind both"
    echo "- gureum-origin 6 drive dirs (4+2); gureum-edge memory tier 2 GiB; nginx proxy_cache (key \$uri, presigned upstream URLs);" \
         "wrk -t$WRK_THREADS, ${WRK_SECS}s per run, $ROUNDS rounds interleaved, medians; the load generator shares the $(nproc) cores;" \
         "server CPU = user + system CPU of the server processes per request / per MiB (median of the runs)"
    echo "- load average at the hit runs' start $LOAD_START, at the end $(loadavg)"
    echo
    echo "| measurement | gureum-edge | baseline | edge/baseline | goal | server CPU (edge / nginx) |"
    echo "|---|---:|---:|---:|---|---:|"
    echo "| cache hit, 1 KiB objects ($SMALL_COUNT objects, $CONNS_SMALL conns) | $(printf '%.0f' "$e_rps") req/s | $(printf '%.0f' "$n_rps") req/s (nginx proxy_cache) | ${r_rps}x | >= 1.20x $v_rps | $(printf '%.1f' "$e_cpu_rq") / $(printf '%.1f' "$n_cpu_rq") us/req |"
    echo "| cache hit, 16 MiB objects ($BIG_COUNT objects, $CONNS_BIG conns) | $(printf '%.1f' "$e_mib") MiB/s | $(printf '%.1f' "$n_mib") MiB/s (nginx proxy_cache) | ${r_mib}x | >= 1.00x $v_mib | $(printf '%.3f' "$e_cpu_mib") / $(printf '%.3f' "$n_cpu_mib") ms/MiB |"
    if [ "$COLD_COUNT" -gt 0 ]; then
        echo "| cold TTFB, $COLD_SIZE object ($COLD_COUNT objects) | $(printf '%.2f' "$e_ttfb") ms | $(printf '%.2f' "$o_ttfb") ms (origin direct) | ${r_ttfb}x | <= 1.20x $v_ttfb | |"
        echo "| cold full GET, $COLD_SIZE (info) | $(printf '%.0f' "$e_tot") MiB/s | $(printf '%.0f' "$o_tot") MiB/s (origin direct) | $(ratio "$e_tot" "$o_tot")x | | |"
    else
        echo "| cold TTFB | skipped (TLS run: the origin behind is plain HTTP) | | | | |"
    fi
    echo
    echo "Hit check ($hits_ok): during the edge's hit runs wrk completed $edge_req requests and the edge counted" \
         "gureum_edge_requests_total{cache=\"hit\"} +$edge_hits, {cache=\"miss\"} +$edge_miss;" \
         "origin object bytes sent (gureum_origin_bytes_out_total) during edge runs +$ob_edge, during nginx runs +$ob_nginx; wrk errors $errs."
    echo
    echo "Per run:"
    echo
    awk -F'\t' '{ printf "- %s %s #%s c%s: %s req/s, %s MiB/s, p50 %s ms, p99 %s ms, server CPU %s us/req %s ms/MiB\n", $1, $2, $3, $4, $5, $6, $12, $13, $15, $16 }' "$HITS"
    echo "- cold TTFB ms: edge $(awk '$1 == "edge" { printf "%.2f ", $3 * 1000 }' "$COLD"); origin $(awk '$1 == "origin" { printf "%.2f ", $3 * 1000 }' "$COLD")"
    echo
    echo "Whole script: $(( $(date +%s) - T0 ))s"
} | tee "${OUT:-/dev/null}"

fail=0
for v in "$v_rps" "$v_mib" "$v_ttfb" "$hits_ok"; do [ "$v" = pass ] || [ "$v" = skipped ] || fail=1; done
[ -z "${cold_bad:-}" ] || fail=1
exit "$fail"
