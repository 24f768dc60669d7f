#!/usr/bin/env bash
# Edge memory under many distinct cache misses: a small memory tier (16 MiB)
# and disk tier (64 MiB), PASSES passes over COUNT distinct 1 MiB objects
# fetched through the edge with CONC clients, so nearly every request is a
# miss that fills and evicts. The edge's RSS is sampled every 0.2 s during
# the passes and after IDLE seconds of rest.
# Checks: no growth across passes (RSS after the last pass <= 1.25 x after
# the second; the first warms the allocator up: repeated misses must not
# accumulate anything), and peak RSS <=
# memory budget + 256 MiB (the class of bug that once took this very run to
# 4 GiB). Reported beside them: RSS per concurrent miss, which is what the
# in-flight fills (a 1 MiB slice buffer each) and the allocator's retention
# add on top of the budget.
#
#   bench/run-edge-rss.sh                      # builds release binaries first
#   GUREUM_BIN_DIR=/path/to/release bench/run-edge-rss.sh
#
# MODE picks how viewers read: `full` (the whole body), `range` (the first
# 64 KiB as a Range request), `abort` (the whole body is asked for, the
# viewer hangs up after 64 KiB: a fill must not outlive its memory).
#
# Knobs (env): GUREUM_BIN_DIR, MODE (full), COUNT (300), PASSES (8, at least 2), CONC (8), IDLE (10),
# MEMORY_MIB (16), DISK_MIB (64), BENCH_TMP, BENCH_KEEP=1, OUT.
# Prints a markdown table on stdout; exit 1 when the bound is missed or a
# request failed, 2 on setup errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

COUNT="${COUNT:-300}"
PASSES="${PASSES:-8}"
CONC="${CONC:-8}"
IDLE="${IDLE:-10}"
MODE="${MODE:-full}"
MEMORY_MIB="${MEMORY_MIB:-16}"
DISK_MIB="${DISK_MIB:-64}"
BOUND_MIB=$((MEMORY_MIB + 256))

trap bench_cleanup EXIT
trap 'exit 2' INT TERM

need_pkgs curl:curl jq:jq
bench_bins gureum-origin gureum-edge gureum-load
bench_workdir
bench_creds
start_origin "$(free_port)"

timeout 300 "$BIN/gureum-load" objects --target "origin=s3:$ORIGIN_URL" \
    --bucket media --prefix video/rss/ --count "$COUNT" --size 1MiB --concurrency 8 \
    --urls-out "$WORK/objects.tsv" >/dev/null || die "seeding failed"

start_edge "${MEMORY_MIB}MiB" "${DISK_MIB}MiB"
rss_mib() { awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$EDGE_PID/status"; }
START_RSS="$(rss_mib)"
log "gureum-edge pid $EDGE_PID (memory ${MEMORY_MIB} MiB, disk ${DISK_MIB} MiB), RSS $START_RSS MiB"

awk -F'\t' -v e="$EDGE_URL" '{ print e "/media/" $1 }' "$WORK/objects.tsv" >"$WORK/urls"
( while kill -0 "$EDGE_PID" 2>/dev/null; do rss_mib; sleep 0.2; done ) >"$WORK/rss.samples" &
SAMPLER=$!
BENCH_PIDS+=("$SAMPLER")
T0=$(date +%s.%N)
: >"$WORK/codes"
PASS_RSS=()
[ "$PASSES" -ge 2 ] || die "PASSES must be at least 2"
for p in $(seq "$PASSES"); do
    # CONC clients at a time, one request each; -w prints each status.
    case "$MODE" in
        full) xargs -P "$CONC" -n 1 curl -s -o /dev/null -w '%{http_code}\n' <"$WORK/urls" >>"$WORK/codes" ;;
        range) xargs -P "$CONC" -n 1 curl -s -o /dev/null -r 0-65535 -w '%{http_code}\n' <"$WORK/urls" \
            | sed 's/^206$/200/' >>"$WORK/codes" ;;
        # curl dies of SIGPIPE once head has its 64 KiB: the edge sees the
        # connection close mid-body. Its status is not known, so "200".
        abort) xargs -P "$CONC" -n 1 sh -c 'curl -s "$0" 2>/dev/null | head -c 65536 >/dev/null; echo 200' \
            <"$WORK/urls" >>"$WORK/codes" ;;
        *) die "MODE must be full, range or abort" ;;
    esac
    PASS_RSS+=("$(rss_mib)")
    log "pass $p/$PASSES: RSS ${PASS_RSS[-1]} MiB"
done
T1=$(date +%s.%N)
sleep "$IDLE"
IDLE_RSS="$(rss_mib)"
kill "$SAMPLER" 2>/dev/null || true
PEAK_RSS="$(sort -g "$WORK/rss.samples" | tail -n1)"
REQS="$(wc -l <"$WORK/codes")"
BAD="$(grep -vc '^200$' "$WORK/codes" || true)"
metrics="$(curl -fsS "$EDGE_URL/metrics")"
msum() { awk -v n="$1" -v f="$2" '(index($1, n "{") == 1 || $1 == n) && index($1, f) > 0 { s += $NF } END { printf "%.0f\n", s }' <<<"$metrics"; }
MISSES="$(msum gureum_edge_requests_total 'cache="miss"')"
MEM_BYTES="$(msum gureum_edge_cache_bytes 'tier="memory"')"
FIRST_RSS="${PASS_RSS[1]}"
LAST_RSS="${PASS_RSS[-1]}"
verdict="$(awk -v p="$PEAK_RSS" -v b="$BOUND_MIB" -v f="$FIRST_RSS" -v l="$LAST_RSS" -v bad="$BAD" \
    'BEGIN { print ((p <= b && l <= 1.25 * f && bad == 0) ? "pass" : "FAIL") }')"
PER_MISS="$(awk -v p="$PEAK_RSS" -v s="$START_RSS" -v m="$MEMORY_MIB" -v c="$CONC" 'BEGIN { printf "%.1f", (p - s - m) / c }')"

{
    echo "### Edge RSS under distinct misses (bench/run-edge-rss.sh)"
    echo
    bench_header
    echo "- mode $MODE; $PASSES passes over $COUNT distinct 1 MiB objects, $CONC curl clients, memory tier $MEMORY_MIB MiB, disk tier $DISK_MIB MiB"
    echo "- $REQS requests in $(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.1f", b - a }') s, $BAD not 200; edge counted $MISSES misses; memory tier holds $MEM_BYTES bytes at the end"
    echo
    echo "| RSS at start | after pass 2 | after pass $PASSES | peak | after ${IDLE}s idle | (peak - start - budget) / clients | checks | verdict |"
    echo "|---:|---:|---:|---:|---:|---:|---|---|"
    echo "| $START_RSS MiB | $FIRST_RSS MiB | $LAST_RSS MiB | $PEAK_RSS MiB | $IDLE_RSS MiB | $PER_MISS MiB | last <= 1.25 x pass 2, peak <= $BOUND_MIB MiB | $verdict |"
} | tee "${OUT:-/dev/null}"
[ "$verdict" = pass ]
