#!/usr/bin/env bash
# Builds the runner image from runner/Dockerfile. Idempotent: the image carries a hash of everything it is
# built from, and a build whose inputs have not changed is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${RUNNER_IMAGE:-$(node -e 'process.stdout.write(require(process.argv[1]).runner?.image ?? "codeexec-runner:latest")' "$(realpath "${POOL_CONFIG:-pool.config.json}")")}"
log() { echo "[runner-image] $*"; }

bash scripts/base-image.sh

# The agent is compiled on the host: the image needs no TypeScript.
npx tsc -p runner/tsconfig.json

# TypeScript comes from npm, which `docker build` cannot reach here (the registry's TLS is trusted on the
# host only): its packages are fetched on the host, pinned in runner/typescript-packages.txt.
mkdir -p runner/vendor
while read -r spec; do
  [ -z "$spec" ] && continue
  tarball="runner/vendor/$(echo "$spec" | sed 's/^@//; s/\//-/; s/@/-/').tgz"
  if [ ! -s "$tarball" ]; then
    log "fetching $spec from npm"
    (cd runner/vendor && npm pack --silent "$spec" >/dev/null)
  fi
done < runner/typescript-packages.txt

hash="$( (cat runner/Dockerfile runner/.dockerignore runner/src/sandbox-exec.c runner/typescript-packages.txt; find runner/dist -type f -name '*.js' | LC_ALL=C sort | xargs cat) | sha256sum | cut -c1-16)"
current="$(docker image inspect --format '{{ index .Config.Labels "codeexec.inputs" }}' "$IMAGE" 2>/dev/null || true)"
if [ "$current" = "$hash" ] && [ "${FORCE_BUILD:-0}" != 1 ]; then
  log "$IMAGE is up to date (inputs $hash): skipping the build"
  exit 0
fi

log "building $IMAGE (inputs $hash)"
DOCKER_BUILDKIT=0 docker build --network host --label "codeexec.inputs=$hash" -t "$IMAGE" runner/ >/tmp/runner-image-build.log 2>&1 || {
  tail -n 40 /tmp/runner-image-build.log >&2
  exit 1
}
log "built $IMAGE"
