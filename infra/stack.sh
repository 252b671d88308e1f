#!/usr/bin/env bash
# The local stack without Docker: Temporal dev server (+ Web UI), FerretDB (MongoDB wire) and versitygw (S3),
# all on loopback, all data under one folder. `start` is idempotent: a server already answering is left alone,
# and a server replaced through its environment variable (TEMPORAL_ADDRESS, MONGODB_URL, S3_ENDPOINT) is only
# checked, never started. See infra/README.md.
#
#   infra/stack.sh start | stop [name...] | status | stop-all   (stop-all also stops the API and worker of `npm start`)
#   infra/stack.sh retention   sets TEMPORAL_NAMESPACE_RETENTION_DAYS on TEMPORAL_NAMESPACE at TEMPORAL_ADDRESS (any server)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/infra/versions.env"
bin_dir=${FHIR_BULK_BIN_DIR:-$HOME/.cache/fhir-bulk/bin}
data_dir=${FHIR_BULK_DATA_DIR:-$repo/.data}
run_dir="$data_dir/run" log_dir="$data_dir/logs"
mkdir -p "$run_dir" "$log_dir"

TEMPORAL_BIN="$bin_dir/temporal-$TEMPORAL_CLI_VERSION"
FERRETDB_BIN="$bin_dir/ferretdb-$FERRETDB_VERSION-$FERRETDB_PATCH"
VERSITYGW_BIN="$bin_dir/versitygw-$VERSITYGW_VERSION"
# Credentials of the local S3 root user; the same defaults as packages/config.
S3_KEY=${S3_ACCESS_KEY_ID:-fhirbulk} S3_SECRET=${S3_SECRET_ACCESS_KEY:-fhirbulk-secret}

log() { printf '[stack] %s\n' "$*" >&2; }

# --- readiness probes --------------------------------------------------------------------------------------
temporal_ready() { "$TEMPORAL_BIN" operator cluster health --address "${TEMPORAL_ADDRESS:-127.0.0.1:7233}" >/dev/null 2>&1; }
# FerretDB's debug handler answers /debug/readyz only once its backend answers a ping.
ferretdb_ready() {
  if [[ -n "${MONGODB_URL:-}" ]]; then mongo_ping "$MONGODB_URL"; else curl -fsS http://127.0.0.1:8089/debug/readyz >/dev/null 2>&1; fi
}
mongo_ping() { (cd "$repo" && node -e 'new (require("mongodb").MongoClient)(process.argv[1],{serverSelectionTimeoutMS:2000}).db("admin").command({ping:1}).then(()=>process.exit(0),()=>process.exit(1))' "$1") >/dev/null 2>&1; }
s3_ready() { curl -fsS "${S3_ENDPOINT:-http://127.0.0.1:7070}/health" >/dev/null 2>&1 || curl -sS -o /dev/null "${S3_ENDPOINT:-http://127.0.0.1:7070}/" 2>/dev/null; }

wait_for() { # name probe seconds
  local name=$1 probe=$2 seconds=$3 i
  for ((i = 0; i < seconds * 4; i++)); do
    if $probe; then return 0; fi
    if [[ -f "$run_dir/$name.pid" ]] && ! kill -0 "$(cat "$run_dir/$name.pid")" 2>/dev/null; then
      log "$name exited while starting; last lines of $log_dir/$name.log:"; tail -n 20 "$log_dir/$name.log" >&2; return 1
    fi
    sleep 0.25
  done
  log "$name not ready after ${seconds}s; see $log_dir/$name.log"; return 1
}

# Starts a server in its own session (so stop can kill the whole process group) and records its pid.
launch() { # name command...
  local name=$1; shift
  setsid "$@" >>"$log_dir/$name.log" 2>&1 </dev/null &
  echo $! >"$run_dir/$name.pid"
}

search_attribute_flags() {
  grep -Ev '^\s*(#|$)' "$repo/temporal/search-attributes.txt" | while read -r attr; do printf -- '--search-attribute %s ' "$attr"; done
}

# How long the namespace keeps closed workflows (their histories hold job inputs); the same default as packages/config.
# A live update: nothing restarts, and the dev server keeps it in its database across restarts.
set_temporal_retention() {
  local days=${TEMPORAL_NAMESPACE_RETENTION_DAYS:-3} namespace=${TEMPORAL_NAMESPACE:-default}
  "$TEMPORAL_BIN" operator namespace update --address "${TEMPORAL_ADDRESS:-127.0.0.1:7233}" --namespace "$namespace" \
    --retention "${days}d" >/dev/null
  log "temporal: namespace $namespace keeps closed workflows $days days"
}

start_temporal() {
  # Only the local server's retention is set here; a server of TEMPORAL_ADDRESS is its operator's (`retention`).
  if temporal_ready; then
    log "temporal: already answering at ${TEMPORAL_ADDRESS:-127.0.0.1:7233}"
    [[ -n "${TEMPORAL_ADDRESS:-}" ]] || set_temporal_retention
    return
  fi
  if [[ -n "${TEMPORAL_ADDRESS:-}" ]]; then log "temporal: TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS does not answer"; return 1; fi
  mkdir -p "$data_dir/temporal"
  # shellcheck disable=SC2046 # the flags are words on purpose
  launch temporal "$TEMPORAL_BIN" server start-dev --ip 127.0.0.1 --port 7233 --ui-port 8233 --http-port 7243 \
    --metrics-port 7244 --db-filename "$data_dir/temporal/temporal.db" --log-level warn $(search_attribute_flags)
  wait_for temporal temporal_ready 60
  log "temporal: 127.0.0.1:7233, Web UI http://127.0.0.1:8233"
  set_temporal_retention
}

start_ferretdb() {
  if ferretdb_ready; then log "mongodb: already answering"; return; fi
  if [[ -n "${MONGODB_URL:-}" ]]; then log "mongodb: MONGODB_URL does not answer"; return 1; fi
  mkdir -p "$data_dir/ferretdb/sqlite" "$data_dir/ferretdb/state"
  local backend=(--handler=sqlite "--sqlite-url=file:$data_dir/ferretdb/sqlite/")
  if [[ "${FERRETDB_HANDLER:-sqlite}" == postgresql ]]; then
    backend=(--handler=postgresql "--postgresql-url=${FERRETDB_POSTGRESQL_URL:-postgres://postgres@127.0.0.1:5432/ferretdb}")
  fi
  launch ferretdb "$FERRETDB_BIN" "${backend[@]}" --listen-addr=127.0.0.1:27017 \
    "--state-dir=$data_dir/ferretdb/state" --debug-addr=127.0.0.1:8089 --telemetry=disable --log-level=warn
  wait_for ferretdb ferretdb_ready 60
  log "mongodb (FerretDB ${FERRETDB_VERSION}, ${FERRETDB_HANDLER:-sqlite}): mongodb://127.0.0.1:27017/"
}

start_versitygw() {
  if s3_ready; then log "s3: already answering at ${S3_ENDPOINT:-http://127.0.0.1:7070}"; return; fi
  if [[ -n "${S3_ENDPOINT:-}" ]]; then log "s3: S3_ENDPOINT=$S3_ENDPOINT does not answer"; return 1; fi
  mkdir -p "$data_dir/s3/data" "$data_dir/s3/meta"
  ROOT_ACCESS_KEY="$S3_KEY" ROOT_SECRET_KEY="$S3_SECRET" launch versitygw "$VERSITYGW_BIN" --port 127.0.0.1:7070 \
    --health /health posix --sidecar "$data_dir/s3/meta" "$data_dir/s3/data"
  wait_for versitygw s3_ready 30
  log "s3 (versitygw ${VERSITYGW_VERSION}): http://127.0.0.1:7070"
}

stop_one() { # name
  [[ "$1" =~ ^(api|worker|temporal|ferretdb|versitygw)$ ]] || { log "unknown server $1"; return 1; }
  local pid_file="$run_dir/$1.pid" pid i
  [[ -f "$pid_file" ]] || return 0
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "$1: stopped"
  fi
  rm -f "$pid_file"
}

status_one() { # name probe
  if $2; then log "$1: up"; else log "$1: down"; fi
}

case "${1:-}" in
  start)
    # Build only when some server is to be started here (not every one replaced by an existing service).
    if [[ -z "${TEMPORAL_ADDRESS:-}" || -z "${MONGODB_URL:-}" || -z "${S3_ENDPOINT:-}" ]]; then
      "$repo/infra/build-servers.sh"
    fi
    # Temporal's start is the slowest (about 5 s), so the other two start while it comes up.
    start_ferretdb & f=$!
    start_versitygw & v=$!
    start_temporal & t=$!
    ok=0; for p in $f $v $t; do wait "$p" || ok=1; done
    exit $ok ;;
  stop)
    shift
    names=("$@")
    [[ ${#names[@]} -gt 0 ]] || names=(temporal ferretdb versitygw)
    for name in "${names[@]}"; do stop_one "$name"; done ;;
  stop-all) for name in api worker temporal ferretdb versitygw; do stop_one "$name"; done ;;
  status)
    status_one temporal temporal_ready; status_one mongodb ferretdb_ready; status_one s3 s3_ready
    temporal_ready && ferretdb_ready && s3_ready ;;
  retention) set_temporal_retention ;;
  *) echo "usage: $0 start|stop|status|stop-all|retention" >&2; exit 2 ;;
esac
