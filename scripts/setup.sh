#!/usr/bin/env bash
# Everything the proxy needs, idempotent: a Docker engine, npm dependencies, the build, the runner image.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/docker-engine.sh

echo "[setup] npm dependencies"
npm install --no-audit --no-fund --loglevel=error

echo "[setup] building"
npm run --silent build

bash scripts/build-image.sh
echo "[setup] done: 'npm start' starts the proxy"
