#!/usr/bin/env bash
# Installs the npm packages when they are missing or older than package-lock.json (npm ci is exact and offline-
# friendly: it installs what the lock file names, nothing newer).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[deps] installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
