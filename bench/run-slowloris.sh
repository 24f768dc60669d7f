#!/usr/bin/env bash
# Slowloris: SLOW connections (200) sending a request head one byte a
# second, reconnecting whenever they are cut off, from another loopback
# address (127.0.0.2), while 50 normal clients run 4 KiB GETs
# (gureum-load get-4k-c50) against the same gureum-origin. Measures the
# normal clients' ops/s without the attack, during it, and without it
# again (interleaved, REPEATS times), and what the attackers got: how many
# of their connections were cut, after how long, and whether any slow head
# was answered (never). The origin runs with its default [limits] except
# header_read_timeout_secs = HEADER_TIMEOUT.
# Target: ops/s during the attack >= 0.9 x without it (median ratio).
#
#   bench/run-slowloris.sh                      # builds release binaries first
#   GUREUM_BIN_DIR=/path/to/release bench/run-slowloris.sh
#
# Knobs (env): GUREUM_BIN_DIR, SLOW (200), REPEATS (3), MAX_SECS (10),
# HEADER_TIMEOUT (5), BENCH_TMP, BENCH_KEEP=1, OUT.
# Prints a markdown table on stdout; exit 1 when the target is missed or a
# slow head was answered, 2 on setup errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SLOW="${SLOW:-200}"
REPEATS="${REPEATS:-3}"
MAX_SECS="${MAX_SECS:-10}"
HEADER_TIMEOUT="${HEADER_TIMEOUT:-5}"

trap bench_cleanup EXIT
trap 'exit 2' INT TERM

need_pkgs curl:curl jq:jq python3:python3
bench_bins gureum-origin gureum-load
wait_quiet
bench_workdir
bench_creds
printf '[limits]\nheader_read_timeout_secs = %s\n' "$HEADER_TIMEOUT" >"$WORK/origin.toml"
ORIGIN_EXTRA="--config $WORK/origin.toml" start_origin "$(free_port)"
PORT="${ORIGIN_URL##*:}"
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.2", 0))' 2>/dev/null \
    || die "cannot bind 127.0.0.2 (the attackers' address)"

# One normal run: prints its ops/s.
normal() {
    timeout 300 "$BIN/gureum-load" run --target "origin=s3:$ORIGIN_URL" \
        --scenarios get-4k-c50 --repeats 1 --max-secs "$MAX_SECS" --requests 100000000 \
        --json "$WORK/n.jsonl" >/dev/null 2>&1 || die "gureum-load run failed"
    jq -rs '[.[] | select(.kind == "summary")] | last | .median' "$WORK/n.jsonl"
}

log "warm-up (discarded)"
normal >/dev/null
BASE=() ATTACK=() STATS=()
for r in $(seq "$REPEATS"); do
    BASE+=("$(normal)")
    # The attackers start first and keep going through the whole run.
    python3 "$(dirname "$0")/slowloris.py" 127.0.0.1 "$PORT" 127.0.0.2 "$SLOW" $((MAX_SECS + HEADER_TIMEOUT + 4)) \
        >"$WORK/slow.$r.json" &
    SLOW_PID=$!
    sleep "$((HEADER_TIMEOUT / 2 + 1))"
    ATTACK+=("$(normal)")
    wait "$SLOW_PID" || die "slowloris.py failed"
    STATS+=("$(cat "$WORK/slow.$r.json")")
    log "run $r: without ${BASE[-1]} ops/s, under attack ${ATTACK[-1]} ops/s; attackers $(cat "$WORK/slow.$r.json")"
done
BASE+=("$(normal)")

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { printf "%.0f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
MB="$(median "${BASE[@]}")"
MA="$(median "${ATTACK[@]}")"
RATIO="$(awk -v a="$MA" -v b="$MB" 'BEGIN { printf "%.2f", a / b }')"
ANSWERED="$(printf '%s\n' "${STATS[@]}" | jq -s 'map(.answered) | add')"
CUT="$(printf '%s\n' "${STATS[@]}" | jq -s 'map(.cut) | add')"
OPENED="$(printf '%s\n' "${STATS[@]}" | jq -s 'map(.opened) | add')"
LIVED="$(printf '%s\n' "${STATS[@]}" | jq -s 'map(.median_lived_s) | max')"
HITS="$(curl -fsS "$ORIGIN_URL/metrics" | awk '$1 == "gureum_origin_limit_hits_total{limit=\"header_read_timeout\"}" { print $2 }')"
verdict="$(awk -v r="$RATIO" -v a="$ANSWERED" 'BEGIN { print (r >= 0.9 && a == 0) ? "pass" : "FAIL" }')"
{
    echo "### Slowloris (bench/run-slowloris.sh)"
    echo
    bench_header
    echo "- one gureum-origin (6 drive dirs, 4+2), header_read_timeout_secs = $HEADER_TIMEOUT; $SLOW slow connections from 127.0.0.2 (one byte a second, reconnecting when cut); normal load gureum-load get-4k-c50 ($MAX_SECS s runs, medians of $REPEATS attacked and $((REPEATS + 1)) unattacked runs, interleaved)"
    echo
    echo "| normal ops/s without | under attack | ratio | slow connections opened / cut | median life before the cut | slow heads answered | header_read_timeout hits | goal | verdict |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---|---|"
    echo "| $MB | $MA | ${RATIO}x | $OPENED / $CUT | ${LIVED} s | $ANSWERED | $HITS | >= 0.9x, none answered | $verdict |"
} | tee "${OUT:-/dev/null}"
[ "$verdict" = pass ]
