#!/usr/bin/env bash
# Installs the npm packages when they are missing or older than package-lock.json. `npm install` with a lock file
# in sync installs exactly the locked versions. Not `npm ci`: the registry reachable here lacks some other
# platforms' optional binaries (e.g. @swc/core-darwin-arm64@1.16.22), so the lock cannot list them and npm ci
# refuses it as "out of sync" (see infra/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[deps] installing npm packages" >&2
  npm install --no-audit --no-fund --loglevel=error
  touch node_modules/.package-lock.json
fi
