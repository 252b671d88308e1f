#!/usr/bin/env bash
# Builds the real servers of the local stack from the Go module proxy, once, into a cache outside the repo.
# A binary already in the cache is reused, so a warm machine builds nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.env"
bin_dir=${FHIR_BULK_BIN_DIR:-$HOME/.cache/fhir-bulk/bin}
mkdir -p "$bin_dir"
export CGO_ENABLED=0 GOTOOLCHAIN=local
command -v go >/dev/null || { echo "[build-servers] Go (>= 1.24) is needed to build the local servers; or point TEMPORAL_ADDRESS, MONGODB_URL and S3_ENDPOINT at existing ones" >&2; exit 1; }

log() { printf '[build-servers] %s\n' "$*" >&2; }

# One build at a time per cache: two `npm test`/`npm start` on a fresh machine would otherwise compile everything
# twice over on the same cores, and race on ferretdb's .partial file. The second waits, then finds the binaries.
exec 9>"$bin_dir/.build.lock"
if ! flock -n 9; then
  log "another build of the servers is running; waiting for it"
  flock 9
fi

# go install builds in a temp module; GOBIN puts the binary where we want it, then we version its name.
install_tool() { # name version package
  local name=$1 version=$2 pkg=$3 target="$bin_dir/$1-$2"
  if [[ -x "$target" ]]; then return 0; fi
  log "building $name $version (first time only; this takes a few minutes)"
  local tmp; tmp=$(mktemp -d)
  GOBIN="$tmp" go install "$pkg@$version"
  mv "$tmp/$(basename "$pkg")" "$target"
  rm -rf "$tmp"
}

# FerretDB's version package panics unless build/version/version.txt holds "v<x.y.z>". That file is not in the
# module zip, and a wrapper module does not help: since Go 1.24 the binary records FerretDB as its main module
# anyway, and -overlay refuses files in the module cache. So build from a writable copy with the file filled in.
#
# The same copy carries one fix (FERRETDB_PATCH=id-index): the SQLite backend creates its unique _id index on
# `_ferretdb_sjson->"_id"` but looks _id up with `_ferretdb_sjson->'$._id'`; SQLite matches index expressions by
# their text, so every find, update and delete by _id scanned the whole table (EXPLAIN: SCAN). Writing the lookup
# like the index makes it a SEARCH USING INDEX: measured 56 ms → 2 ms per findOne at 20,000 documents (docs/decisions.md).
build_ferretdb() {
  local target="$bin_dir/ferretdb-$FERRETDB_VERSION-$FERRETDB_PATCH"
  if [[ -x "$target" ]]; then return 0; fi
  log "building ferretdb $FERRETDB_VERSION (first time only; this takes a few minutes)"
  local tmp src; tmp=$(mktemp -d)
  src=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  cp -r "$src" "$tmp/src" && chmod -R u+w "$tmp/src"
  echo "$FERRETDB_VERSION" >"$tmp/src/build/version/version.txt"
  local metadata="$tmp/src/internal/backends/sqlite/metadata/metadata.go"
  grep -q "IDColumn = DefaultColumn + \"->'\$._id'\"" "$metadata" || { log "ferretdb: the _id lookup to fix is not where expected"; return 1; }
  sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \`->\"_id\"\`|" "$metadata"
  (cd "$tmp/src" && go build -o "$target.partial" ./cmd/ferretdb) && mv "$target.partial" "$target"
  rm -rf "$tmp"
}

install_tool temporal "$TEMPORAL_CLI_VERSION" github.com/temporalio/cli/cmd/temporal &
p1=$!
build_ferretdb &
p2=$!
install_tool versitygw "$VERSITYGW_VERSION" github.com/versity/versitygw/cmd/versitygw &
p3=$!
status=0
for p in $p1 $p2 $p3; do wait "$p" || status=1; done
[[ $status -eq 0 ]] || { log "a build failed (see above)"; exit 1; }
log "servers ready in $bin_dir"
