#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io if no engine is installed and starts
# dockerd without a bridge (runners have no network; DESIGN.md). Idempotent.
set -euo pipefail

log() { echo "[docker-engine] $*"; }

if docker info >/dev/null 2>&1; then
  log "engine already answering"
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

log "starting dockerd (--bridge=none --iptables=false --ip-masq=false)"
mkdir -p /var/log
setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false >/var/log/dockerd.log 2>&1 < /dev/null &

for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    log "engine answering"
    exit 0
  fi
  sleep 0.5
done
log "dockerd did not answer within 60 s; last lines of /var/log/dockerd.log:"
tail -n 30 /var/log/dockerd.log >&2 || true
exit 1
