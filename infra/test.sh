#!/usr/bin/env bash
# `npm test`: installs what is missing, starts the local stack if it is not up, then type-checks, lints and runs
# every test (unit + integration against the real servers). Servers this script started are stopped at the end;
# servers that were already running are left running.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
run_dir="${FHIR_BULK_DATA_DIR:-$repo/.data}/run"

infra/ensure-deps.sh
# Everything below (type-check, lint, jest and the services the tests start) runs on Node NODE_VERSION
# (infra/versions.env), fetched once from the npm registry, or on the machine's node when that cannot be had.
node_bin=$(infra/ensure-node.sh)
[[ -z "$node_bin" ]] || export PATH="$node_bin:$PATH"
echo "[test] node $(node --version)" >&2
mkdir -p "$run_dir"
before=$(ls "$run_dir")
stop_what_we_started() {
  for pid_file in "$run_dir"/*.pid; do
    [[ -e "$pid_file" ]] || continue
    name=$(basename "$pid_file" .pid)
    grep -qx "$name.pid" <<<"$before" || infra/stack.sh stop "$name"
  done
}
trap stop_what_we_started EXIT
infra/stack.sh start

echo "[test] type-check and lint" >&2
npx tsc -p tsconfig.json
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "[test] formatting differs: npm run format" >&2; exit 1; }

echo "[test] jest" >&2
results="${FHIR_BULK_DATA_DIR:-$repo/.data}/jest-results.json"
status=0
npx jest --json --outputFile="$results" "$@" || status=$?
# One plain summary line that any CI reads, whatever the runner.
node -e 'const r=require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results" || true
exit $status
