#!/usr/bin/env bash
# Make the local base image `gureum-base:bookworm` without any container
# registry: debootstrap a minimal Debian 12 root filesystem from the Debian
# package mirror and `docker import` it. Cached: does nothing when the image
# already exists (GUREUM_REBUILD_BASE=1 forces a rebuild).
#
# Env: GUREUM_BASE_IMAGE (default gureum-base:bookworm),
#      GUREUM_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

image="${GUREUM_BASE_IMAGE:-gureum-base:bookworm}"
mirror="${GUREUM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

say() { printf '[base-image] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

if [[ "${GUREUM_REBUILD_BASE:-0}" != 1 ]] && docker image inspect "$image" >/dev/null 2>&1; then
    say "$image exists, skipping (GUREUM_REBUILD_BASE=1 to rebuild)"
    exit 0
fi

[[ $(id -u) -eq 0 ]] || die "debootstrap needs root; run as root (or sudo) once to create $image"

if ! command -v debootstrap >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "debootstrap not found and no apt-get to install it"
    say "installing debootstrap"
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2
fi

old_id="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
rootfs="$(mktemp -d /tmp/gureum-base.XXXXXX)"
cleanup() { rm -rf --one-file-system "$rootfs"; }
trap cleanup EXIT

say "debootstrap --variant=minbase bookworm from $mirror (a few minutes)"
start=$(date +%s)
if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
    tail -20 "$rootfs.log" >&2
    rm -f "$rootfs.log"
    die "debootstrap failed"
fi
rm -f "$rootfs.log"

# Trim what a runtime image never needs: package caches and lists, docs,
# man pages, and locales other than the C one.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
       "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
       "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} + 2>/dev/null || true

say "importing as $image"
tar --numeric-owner -C "$rootfs" -c . |
    docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' \
        --message "debootstrap --variant=minbase bookworm $mirror" \
        - "$image" >/dev/null
if [[ -n "$old_id" ]]; then
    docker rmi "$old_id" >/dev/null 2>&1 || say "previous $image ($old_id) still in use by other images; kept"
fi
say "$image ready in $(( $(date +%s) - start ))s ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
