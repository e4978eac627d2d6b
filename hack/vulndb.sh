#!/usr/bin/env bash
# Builds a local Go vulnerability database (the v1 layout govulncheck reads
# with -db file://...) from the OSV records in the golang.org/x/vulndb
# module, which the module proxy serves, because vuln.go.dev cannot be
# reached here. Cached outside the clone by vulndb version; prints the path.
# Move VERSION forward to take newer advisories.
set -euo pipefail
VERSION=v0.0.0-20261105234957-e22db6528018
CACHE_ROOT=${FAIRNESS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fairness-operator}
DIR="$CACHE_ROOT/vulndb/$VERSION"
if [ ! -f "$DIR/index/db.json" ]; then
  echo "vulndb: building the vulnerability database from golang.org/x/vulndb@$VERSION (cached in $DIR)" >&2
  src=$(cd "$(mktemp -d)" && GOFLAGS=-mod=mod go mod download -json "golang.org/x/vulndb@$VERSION" \
    | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  rm -rf "$DIR.tmp" && mkdir -p "$(dirname "$DIR")"
  go run "golang.org/x/vulndb/cmd/indexdb@$VERSION" -vulns "$src/data/osv" -out "$DIR.tmp" >&2
  rm -rf "$DIR" && mv "$DIR.tmp" "$DIR"
fi
echo "$DIR"
