#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io if no engine is installed and starts
# dockerd without a bridge (runners have no network; DESIGN.md). Idempotent.
set -euo pipefail

log() { echo "[docker-engine] $*"; }

# gVisor, where it is installed (apt-get install runsc), is registered as the runtime "runsc":
# runner.runtime "runsc" in pool.config.json runs the runners under it (DESIGN.md).
register_runsc() {
  command -v runsc >/dev/null 2>&1 || return 1
  mkdir -p /etc/docker
  node -e '
    const fs = require("fs"), path = "/etc/docker/daemon.json"
    let config = {}
    try { config = JSON.parse(fs.readFileSync(path, "utf8")) } catch {}
    const runsc = { path: process.argv[1], runtimeArgs: ["--network=none", "--host-uds=all"] }
    if (JSON.stringify((config.runtimes || {}).runsc) === JSON.stringify(runsc)) process.exit(3)
    config.runtimes = { ...(config.runtimes || {}), runsc }
    fs.writeFileSync(path, JSON.stringify(config, null, 2) + "\n")
  ' "$(command -v runsc)"
}

if docker info >/dev/null 2>&1; then
  if register_runsc; then
    log "registered runsc; reloading dockerd"
    pkill -HUP -x dockerd || true
    sleep 1
  fi
  log "engine already answering"
  exit 0
fi
register_runsc || true

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
