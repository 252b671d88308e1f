#!/usr/bin/env bash
# `npm start`: everything a newcomer needs, from a fresh clone. Installs npm packages, builds and starts the local
# stack, starts the API (with an administrator credential, generated once into .data/admin-token) and the worker in
# the background, both encrypting what they write to S3 (a master key generated once into
# .data/object-encryption-keys), registers a sample SMART Backend Services client (.data/clients/sample.json), loads
# a sample population into tenant `sample`, exports it with the CLI (packages/cli), imports its Patient files back
# with the CLI's $import into tenant `sample-import` and checks the count, exports the sample as Parquet through the
# sample views and reads it back with DuckDB, loads the same population in FHIR R5 into tenant `sample-r5` and exports
# it, and prints Temporal UI links and how to call the API with a token.
# The services keep running afterwards; `npm stop` stops them all.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
data_dir=${FHIR_BULK_DATA_DIR:-$repo/.data}
run_dir="$data_dir/run" log_dir="$data_dir/logs"
patients=${SAMPLE_PATIENTS:-100}
api_url=${PUBLIC_BASE_URL:-http://127.0.0.1:8080}
auth_mode=${AUTH_MODE:-smart}

log() { printf '[start] %s\n' "$*" >&2; }

infra/ensure-deps.sh
infra/stack.sh start
mkdir -p "$run_dir" "$log_dir"

# The administrator's credential (client management): AUTH_ADMIN_TOKEN when set, else 64 hex characters generated
# once into a file only its owner reads. It reaches the API and the CLI through their environment, never argv,
# and is never printed.
admin_token_file="$data_dir/admin-token"
admin_token=${AUTH_ADMIN_TOKEN:-}
if [[ "$auth_mode" == smart && -z "$admin_token" ]]; then
  if [[ ! -s "$admin_token_file" ]]; then
    (umask 077 && od -An -vtx1 -N32 /dev/urandom | tr -d ' \n' >"$admin_token_file")
    log "generated the administrator credential in $admin_token_file"
  fi
  chmod 600 "$admin_token_file"
  admin_token=$(<"$admin_token_file")
fi
# Application encryption of everything the server writes to S3 (OBJECT_ENCRYPTION, README): on unless turned off,
# with a master key generated once into a file only its owner reads, unless OBJECT_ENCRYPTION_KEYS is set. Like the
# administrator's credential, it reaches the API and worker through their environment only and is never printed.
object_encryption=${OBJECT_ENCRYPTION:-on}
object_encryption_keys=${OBJECT_ENCRYPTION_KEYS:-}
encryption_keys_file="$data_dir/object-encryption-keys"
if [[ "$object_encryption" == on && -z "$object_encryption_keys" ]]; then
  if [[ ! -s "$encryption_keys_file" ]]; then
    (umask 077 && printf 'local-%s:%s' "$(date -u +%Y%m%d)" "$(head -c 32 /dev/urandom | base64 -w0)" >"$encryption_keys_file")
    log "generated the object encryption master key in $encryption_keys_file"
  fi
  chmod 600 "$encryption_keys_file"
  object_encryption_keys=$(<"$encryption_keys_file")
fi
if [[ "$auth_mode" == none ]]; then
  log "WARNING: AUTH_MODE=none: the API answers every request WITHOUT ANY TOKEN; for local experiments only"
fi

# One process per service: node itself loads TypeScript (--import tsx), so the recorded pid is the process that
# serves (the tsx command would be a wrapper around a second node process, and `kill <pid>` would leave that one
# running). It is also its own process group (setsid), which `npm run stack -- stop-all` stops as a whole.
running() { # name
  [[ -f "$run_dir/$1.pid" ]] && kill -0 "$(cat "$run_dir/$1.pid")" 2>/dev/null
}
start_service() { # name entry-file
  local pid_file="$run_dir/$1.pid"
  if running "$1"; then log "$1: already running"; return; fi
  setsid node --import tsx "$2" >>"$log_dir/$1.log" 2>&1 </dev/null &
  echo $! >"$pid_file"
  log "$1: started as pid $(cat "$pid_file") (log: $log_dir/$1.log)"
}
# Workflows bundled once, from the sources as they are now (kept when already built from them), into
# apps/worker/dist/workflow-bundle.js where workers look: the worker (and any started later to replace it) takes
# tasks seconds sooner than if it bundled them itself.
node_modules/.bin/tsx apps/worker/src/build-workflow-bundle.ts
OBJECT_ENCRYPTION=$object_encryption OBJECT_ENCRYPTION_KEYS=$object_encryption_keys \
  start_service worker apps/worker/src/main.ts
if [[ -n "$admin_token" ]]; then
  OBJECT_ENCRYPTION=$object_encryption OBJECT_ENCRYPTION_KEYS=$object_encryption_keys AUTH_ADMIN_TOKEN=$admin_token \
    start_service api apps/api/src/main.ts
else
  OBJECT_ENCRYPTION=$object_encryption OBJECT_ENCRYPTION_KEYS=$object_encryption_keys \
    start_service api apps/api/src/main.ts
fi

for ((i = 0; i < 120; i++)); do
  curl -fsS "$api_url/readyz" >/dev/null 2>&1 && break
  kill -0 "$(cat "$run_dir/api.pid")" 2>/dev/null || { log "the API exited; last lines of its log:"; tail -n 20 "$log_dir/api.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "$api_url/readyz" >/dev/null || { log "the API is not ready after 60 s; see $log_dir/api.log"; exit 1; }

# The samples act as a registered client, with its tokens: the client of an earlier run while it is still
# registered as asked (same key, scope, permissions, tenants), else a new one. Its key stays in sample.private.jwk.
client_file="$data_dir/clients/sample.json"
client_args=()
if [[ "$auth_mode" == smart ]]; then
  AUTH_ADMIN_TOKEN=$admin_token node_modules/.bin/tsx infra/auth.ts register --api "$api_url" --name sample \
    --scope 'system/*.*' --permissions bulk-export/read,bulk-import/write --tenants '*' \
    --key "$data_dir/clients/sample.private.jwk" --out "$client_file" --reuse || {
    log "could not register the sample client; an API started before with another credential needs a restart:"
    log "  ${FHIR_BULK_DATA_DIR:+FHIR_BULK_DATA_DIR=$data_dir }npm run stack -- stop api, then npm start again"
    exit 1
  }
  client_args=(--client "$client_file")
fi

log "loading $patients sample patients (with their encounters, observations, conditions, medications) into tenant sample"
node_modules/.bin/tsx packages/sample-data/src/cli.ts --tenant sample --patients "$patients" --replace
# The samples run through the CLI as any Bulk Data client would (packages/cli): export with progress, parallel
# downloads and count checks against the manifest; the exported Patient files uploaded to the import bucket and
# $import-ed into tenant `sample-import`; a Parquet export through the sample ViewDefinitions, read back by DuckDB;
# and the population in FHIR R5 in tenant `sample-r5`, exported too.
fhir_bulk() { node_modules/.bin/fhir-bulk --api "$api_url" ${client_args[@]+"${client_args[@]}"} "$@"; }
# The CLI uploads with the S3 credentials the local stack was started with (infra/stack.sh's defaults).
export S3_ACCESS_KEY_ID=${S3_ACCESS_KEY_ID:-fhirbulk} S3_SECRET_ACCESS_KEY=${S3_SECRET_ACCESS_KEY:-fhirbulk-secret}
samples_dir="$data_dir/samples"
rm -rf "$samples_dir" && mkdir -p "$samples_dir"
temporal_ui=${TEMPORAL_UI_URL:-http://127.0.0.1:8233}/namespaces/${TEMPORAL_NAMESPACE:-default}/workflows
job_link() { # log file of a CLI run: the Temporal UI link of the job it started
  local url; url=$(sed -n 's/^\(export\|import\) started: //p' "$1")
  printf 'Temporal UI: %s/%s\n' "$temporal_ui" "${url##*/}"
}

fhir_bulk export --tenant sample --type Patient,Encounter,Observation,Condition,MedicationRequest,Group \
  --out "$samples_dir/export" 2>&1 | tee "$log_dir/sample-export.log"
job_link "$log_dir/sample-export.log"
exported=$(node -e 'const m=require(process.argv[1]); console.log(m.output.filter((o)=>o.type==="Patient").reduce((n,o)=>n+o.count,0))' "$samples_dir/export/manifest.json")
[[ "$exported" == "$patients" ]] || { log "the export holds $exported patients, not the $patients loaded"; exit 1; }

fhir_bulk import "$samples_dir/export"/Patient-*.ndjson --tenant sample-import --prefix sample-export \
  --errors "$samples_dir/import-errors" 2>&1 | tee "$log_dir/sample-import.log"
job_link "$log_dir/sample-import.log"
grep -q "^imported $exported resources from .*; 0 lines refused" "$log_dir/sample-import.log" ||
  { log "the import does not match the export's $exported patients"; exit 1; }

node_modules/.bin/tsx infra/sample-parquet.ts views --tenant sample --api "$api_url" ${client_args[@]+"${client_args[@]}"}
fhir_bulk export --tenant sample --parquet --view patient-demographics,observation-values \
  --out "$samples_dir/parquet" 2>&1 | tee "$log_dir/sample-parquet.log"
job_link "$log_dir/sample-parquet.log"
node_modules/.bin/tsx infra/sample-parquet.ts check --dir "$samples_dir/parquet" --patients "$patients"

# The same population in FHIR R5 (issue 15): the seed records tenant sample-r5 as R5, and it exports in R5's shapes.
log "loading $patients sample patients in FHIR R5 into tenant sample-r5"
node_modules/.bin/tsx packages/sample-data/src/cli.ts --tenant sample-r5 --patients "$patients" --replace --fhir-version 5.0.0
fhir_bulk export --tenant sample-r5 --type Patient,Encounter,Observation,Condition,MedicationRequest,Group \
  --out "$samples_dir/export-r5" 2>&1 | tee "$log_dir/sample-export-r5.log"
job_link "$log_dir/sample-export-r5.log"
node -e '
  const { readFileSync } = require("node:fs");
  const [dir, patients] = process.argv.slice(1);
  const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, "utf8"));
  const count = (type) => manifest.output.filter((o) => o.type === type).reduce((n, o) => n + o.count, 0);
  const file = manifest.output.find((o) => o.type === "Encounter");
  const name = decodeURIComponent(new URL(file.url).pathname.split("/").pop());
  const encounter = JSON.parse(readFileSync(`${dir}/${name}`, "utf8").split("\n")[0]);
  if (count("Patient") !== Number(patients) || !Array.isArray(encounter.class) || !encounter.actualPeriod) {
    console.error(`the R5 export holds ${count("Patient")} patients and an Encounter not in R5 shape`);
    process.exit(1);
  }
  console.log(`R5 export: ${count("Patient")} patients, Encounters with class lists and actualPeriod`);
' "$samples_dir/export-r5" "$patients"
log "services keep running: API $api_url, Temporal UI ${TEMPORAL_UI_URL:-http://127.0.0.1:8233}; stop them with: npm stop"
if [[ "$auth_mode" == smart ]]; then
  if [[ -n "${AUTH_ADMIN_TOKEN:-}" ]]; then where="AUTH_ADMIN_TOKEN (from your environment)"; else where=$admin_token_file; fi
  log "administrator credential: $where; manage clients with npm run auth -- list|register|disable|enable|delete"
  log "call the API as the sample client (tokens live ${AUTH_TOKEN_TTL_SECONDS:-300} s; ask again when one expires):"
  printf '  TOKEN=$(npm run -s auth -- token --client %s)\n' "${client_file#"$repo"/}" >&2
  printf '  curl -H "Authorization: Bearer $TOKEN" %s\n' "'$api_url/tenant/sample/Patient?_count=1'" >&2
fi
