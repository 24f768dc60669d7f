# shellcheck shell=bash
# Shared helpers of bench/run-e2e.sh and bench/run-edge.sh (sourced, not run).
#
# Everything a script starts is recorded in BENCH_PIDS and stopped by PID in
# `bench_cleanup` (EXIT trap); the temp dir goes too unless BENCH_KEEP=1.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
BENCH_PIDS=()
WORK=""

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Binaries: $GUREUM_BIN_DIR (gureum-origin, gureum-edge, gureum-load), or a
# release build of this repo.
bench_bins() {
    if [ -n "${GUREUM_BIN_DIR:-}" ]; then
        BIN="$(cd "$GUREUM_BIN_DIR" && pwd)"
    else
        log "GUREUM_BIN_DIR not set: building release binaries in $REPO_DIR"
        (cd "$REPO_DIR" && cargo build --release -p gureum-origin -p gureum-edge -p gureum-bench) >&2 \
            || die "cargo build failed"
        BIN="${CARGO_TARGET_DIR:-$REPO_DIR/target}/release"
    fi
    for b in "$@"; do
        [ -x "$BIN/$b" ] || die "$BIN/$b missing (set GUREUM_BIN_DIR to a dir holding it)"
    done
}

# Installs Debian packages providing the given commands (cmd:package pairs)
# when the command is missing.
need_pkgs() {
    local missing=() pair cmd pkg
    for pair in "$@"; do
        cmd="${pair%%:*}"; pkg="${pair#*:}"
        command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]} (apt-get)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2 || die "apt-get update failed"
    # policy-rc.d (where present) keeps the packaged service from starting;
    # either way the scripts run their own nginx on a private port.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get install ${missing[*]} failed"
}

NGINX="$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)"

bench_workdir() {
    WORK="$(mktemp -d "${BENCH_TMP:-/tmp}/gureum-bench.XXXXXX")"
    log "work dir $WORK"
}

bench_cleanup() {
    local pid i
    for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
        pid="${BENCH_PIDS[$i]}"
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "${BENCH_KEEP:-0}" = 1 ]; then
            log "kept $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
}

# A free TCP port on loopback.
free_port() {
    local p
    for _ in $(seq 200); do
        p=$((20000 + RANDOM % 30000))
        if [ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; then
            echo "$p"
            return 0
        fi
    done
    die "no free port found"
}

# wait_http URL [SECS]: until URL answers 2xx.
wait_http() {
    local url="$1" secs="${2:-30}"
    for _ in $(seq $((secs * 10))); do
        curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
        sleep 0.1
    done
    die "$url did not come up in ${secs}s"
}

# wait_any_http URL [SECS]: until URL answers at all (any status).
wait_any_http() {
    local url="$1" secs="${2:-30}"
    for _ in $(seq $((secs * 10))); do
        curl -s -o /dev/null "$url" 2>/dev/null && return 0
        sleep 0.1
    done
    die "$url did not come up in ${secs}s"
}

# Root credentials for this run (exported for gureum-origin and gureum-load).
bench_creds() {
    export GUREUM_ROOT_ACCESS_KEY="benchroot$RANDOM$RANDOM"
    export GUREUM_ROOT_SECRET_KEY="bench-secret-$RANDOM$RANDOM$RANDOM$RANDOM"
}

# start_origin PORT: 6 drive dirs (4+2) and a meta dir under $WORK/origin;
# sets ORIGIN_PID and ORIGIN_URL.
start_origin() {
    local port="$1" d drives=()
    mkdir -p "$WORK/origin/meta"
    for i in 0 1 2 3 4 5; do
        d="$WORK/origin/d$i"
        mkdir -p "$d"
        drives+=(--drive "$d")
    done
    # ORIGIN_EXTRA: more serve flags (word-split), e.g. "--config FILE".
    # ORIGIN_WRAP: a command prefix for diagnosis, e.g. `eatmydata` (fsync
    # becomes a no-op: shows what durability costs; never for published figures).
    RUST_LOG="${ORIGIN_LOG:-warn}" ${ORIGIN_WRAP:-} "$BIN/gureum-origin" serve --listen "127.0.0.1:$port" \
        "${drives[@]}" --meta-dir "$WORK/origin/meta" ${ORIGIN_EXTRA:-} >"$WORK/origin.log" 2>&1 &
    ORIGIN_PID=$!
    BENCH_PIDS+=("$ORIGIN_PID")
    ORIGIN_URL="http://127.0.0.1:$port"
    wait_http "$ORIGIN_URL/health/ready" 30
    log "gureum-origin pid $ORIGIN_PID on $ORIGIN_URL (6 drives, 4+2)${ORIGIN_WRAP:+ under $ORIGIN_WRAP}"
}

# start_edge MEMORY DISK: gureum-edge in front of $ORIGIN_URL (root
# credentials) distributing media + video/ with the given budgets (e.g.
# "2GiB" "20GiB"), on a free port; sets EDGE_PID, EDGE_PORT and EDGE_URL.
# With EDGE_TLS_DIR (cert.pem, key.pem) the edge listens on HTTPS.
start_edge() {
    EDGE_PORT="$(free_port)"
    if [ -n "${EDGE_TLS_DIR:-}" ]; then
        EDGE_URL="https://127.0.0.1:$EDGE_PORT"
    else
        EDGE_URL="http://127.0.0.1:$EDGE_PORT"
    fi
    cat >"$WORK/edge.toml" <<TOML
listen = "127.0.0.1:$EDGE_PORT"
[origin]
url = "$ORIGIN_URL"
access_key = "$GUREUM_ROOT_ACCESS_KEY"
secret_key = "$GUREUM_ROOT_SECRET_KEY"
region = "us-east-1"
[cache]
memory_bytes = "$1"
disk_dir = "$WORK/edge-cache"
disk_bytes = "$2"
[admin]
token = "bench-$RANDOM$RANDOM"
[fallback]
mode = "proxy"
$( [ -n "${EDGE_TLS_DIR:-}" ] && printf '[tls]\ncert_file = "%s/cert.pem"\nkey_file = "%s/key.pem"\n' "$EDGE_TLS_DIR" "$EDGE_TLS_DIR" )
[[distribution]]
bucket = "media"
prefix = "video/"
ttl_secs = 86400
TOML
    RUST_LOG="${EDGE_LOG:-warn}" "$BIN/gureum-edge" serve --config "$WORK/edge.toml" >"$WORK/edge.log" 2>&1 &
    EDGE_PID=$!
    BENCH_PIDS+=("$EDGE_PID")
    wait_http "$EDGE_URL/health/ready" 30
}

# start_nginx CONF: runs nginx in the foreground (daemon off) under
# $WORK/nginx; sets NGINX_PID.
start_nginx() {
    local conf="$1"
    "$NGINX" -t -q -p "$WORK/nginx" -c "$conf" -e "$WORK/nginx/error.log" >&2 \
        || die "nginx config test failed: $conf"
    "$NGINX" -p "$WORK/nginx" -c "$conf" -e "$WORK/nginx/error.log" -g 'daemon off;' \
        >"$WORK/nginx/stdout.log" 2>&1 &
    NGINX_PID=$!
    BENCH_PIDS+=("$NGINX_PID")
}

# nginx_pids: master and workers, comma-separated (for --cpu-pid).
nginx_pids() {
    local kids
    kids="$(pgrep -P "$NGINX_PID" | paste -sd, -)"
    echo "$NGINX_PID${kids:+,$kids}"
}

# cpu_ticks PID...: user + system clock ticks (1/100 s) of processes.
cpu_ticks() {
    local s=0 p t
    for p in "$@"; do
        # A process gone meanwhile (nginx's cache loader) counts as nothing.
        t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')
        s=$((s + ${t:-0}))
    done
    echo "$s"
}

# nginx's `user` directive only applies (and is only allowed to matter) as root.
nginx_user_line() {
    if [ "$(id -u)" -eq 0 ]; then echo "user root;"; fi
}

# metric_sum URL NAME [LABEL_FILTER]: sum of a Prometheus counter's samples.
metric_sum() {
    curl -fsS "$1/metrics" | awk -v name="$2" -v filt="${3:-}" '
        ($1 == name || index($1, name "{") == 1) && (filt == "" || index($1, filt) > 0) { s += $NF }
        END { printf "%.0f\n", s }'
}

median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

bench_header() {
    local commit
    if [ -n "${GUREUM_BIN_COMMIT:-}" ]; then
        # The commit the binaries in GUREUM_BIN_DIR were built from.
        commit="$GUREUM_BIN_COMMIT"
    else
        commit="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
        if [ -n "$(git -C "$REPO_DIR" status --porcelain 2>/dev/null | head -1)" ]; then
            commit="$commit (+ uncommitted changes)"
        fi
    fi
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- commit: $commit; binaries: $BIN"
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))," \
         "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)"
    if [ -n "${NGINX:-}" ] && [ -x "$NGINX" ]; then echo "- $("$NGINX" -v 2>&1)"; fi
}

# wait_quiet: with BENCH_WAIT_QUIET=LOAD, wait (at most BENCH_WAIT_MAX
# seconds, default 600) until the 1-minute load average is below LOAD: the
# figures are only as good as the machine was idle.
wait_quiet() {
    [ -n "${BENCH_WAIT_QUIET:-}" ] || return 0
    local waited=0
    while awk -v max="$BENCH_WAIT_QUIET" '{ exit !($1 >= max) }' /proc/loadavg; do
        [ "$waited" -ge "${BENCH_WAIT_MAX:-600}" ] && { log "machine still busy (load $(loadavg)); going on"; return 0; }
        [ "$waited" -eq 0 ] && log "waiting for load average < $BENCH_WAIT_QUIET (now $(loadavg))"
        sleep 10
        waited=$((waited + 10))
    done
}

# fs_note DIR: "dev (fstype[, no journal])" of the file system holding DIR.
fs_note() {
    local src fstype extra=""
    read -r src fstype < <(df --output=source,fstype "$1" | tail -1)
    if [ "$fstype" = ext4 ] && [ "$(cat "/sys/fs/ext4/$(basename "$src")/journal_task" 2>/dev/null)" = "<none>" ]; then
        extra=", no journal"
    fi
    echo "$src ($fstype$extra)"
}

# The machine's load average (the figures are only as good as the machine was quiet).
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
