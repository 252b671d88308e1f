#!/usr/bin/env bash
# `npm start`: everything a newcomer needs, from a fresh clone. Installs npm packages, builds and starts the local
# stack, starts the API and the worker in the background, loads a sample population into tenant `sample`, runs
# one export through the HTTP API as a client would, imports its Patient file back with $import into tenant
# `sample-import` and checks the count there, and prints the manifest, the import result and Temporal UI links.
# The services keep running afterwards; `npm stop` stops them all.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
data_dir=${FHIR_BULK_DATA_DIR:-$repo/.data}
run_dir="$data_dir/run" log_dir="$data_dir/logs"
patients=${SAMPLE_PATIENTS:-100}
api_url=${PUBLIC_BASE_URL:-http://127.0.0.1:8080}

log() { printf '[start] %s\n' "$*" >&2; }

infra/ensure-deps.sh
infra/stack.sh start
mkdir -p "$run_dir" "$log_dir"

start_service() { # name entry-file
  local pid_file="$run_dir/$1.pid"
  if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then log "$1: already running"; return; fi
  setsid node_modules/.bin/tsx "$2" >>"$log_dir/$1.log" 2>&1 </dev/null &
  echo $! >"$pid_file"
  log "$1: started (log: $log_dir/$1.log)"
}
start_service worker apps/worker/src/main.ts
start_service api apps/api/src/main.ts

for ((i = 0; i < 120; i++)); do
  curl -fsS "$api_url/readyz" >/dev/null 2>&1 && break
  kill -0 "$(cat "$run_dir/api.pid")" 2>/dev/null || { log "the API exited; last lines of its log:"; tail -n 20 "$log_dir/api.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "$api_url/readyz" >/dev/null || { log "the API is not ready after 60 s; see $log_dir/api.log"; exit 1; }

log "loading $patients sample patients (with their encounters, observations, conditions, medications) into tenant sample"
node_modules/.bin/tsx packages/sample-data/src/cli.ts --tenant sample --patients "$patients" --replace
# The export's output is also kept in a log, where the import round trip finds the export's status URL.
node_modules/.bin/tsx infra/sample-export.ts --tenant sample --patients "$patients" --api "$api_url" |
  tee "$log_dir/sample-export.log"
export_status=$(sed -n 's/^export started: //p' "$log_dir/sample-export.log")
node_modules/.bin/tsx infra/sample-import.ts --export "$export_status" --tenant sample-import --api "$api_url"
node_modules/.bin/tsx infra/sample-parquet.ts --tenant sample --patients "$patients" --api "$api_url"
log "services keep running: API $api_url, Temporal UI ${TEMPORAL_UI_URL:-http://127.0.0.1:8233}; stop them with: npm stop"
