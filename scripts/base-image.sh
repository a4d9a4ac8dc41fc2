#!/usr/bin/env bash
# Makes sure debian:bookworm-slim exists locally. Tries a pull first; on a machine that can pull nothing it
# builds the same base with debootstrap from the Debian mirror apt already uses and imports it.
set -euo pipefail

BASE_IMAGE="${BASE_IMAGE:-debian:bookworm-slim}"
log() { echo "[base-image] $*"; }

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "$BASE_IMAGE present"
  exit 0
fi

if timeout 60 docker pull "$BASE_IMAGE" >/dev/null 2>&1; then
  log "pulled $BASE_IMAGE"
  exit 0
fi

log "$BASE_IMAGE cannot be pulled; building it with debootstrap"
if ! command -v debootstrap >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq debootstrap >/dev/null
fi

mirror="${DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror="$(grep -hoE '^URIs:[[:space:]]*\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
fi
if [ -z "$mirror" ]; then
  mirror="$(grep -hoE '^deb[[:space:]]+\S+' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
fi
if [ -z "$mirror" ]; then
  echo "[base-image] no Debian mirror found in apt's sources; set DEBIAN_MIRROR" >&2
  exit 1
fi

rootfs="$(mktemp -d /tmp/bookworm-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
log "debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/tmp/debootstrap.log 2>&1 || {
  tail -n 30 /tmp/debootstrap.log >&2
  exit 1
}
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import - "$BASE_IMAGE" >/dev/null
log "imported $BASE_IMAGE"
