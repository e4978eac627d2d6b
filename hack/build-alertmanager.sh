#!/usr/bin/env bash
# Builds Prometheus Alertmanager from its Go module (hack/alertmanager/go.mod),
# cached outside the clone by version, and prints the binary's path.
set -euo pipefail
VERSION=v0.35.0
CACHE_ROOT=${FAIRNESS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fairness-operator}
BIN="$CACHE_ROOT/alertmanager/$VERSION/alertmanager"
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$BIN")"
# One builder at a time (a second caller waits, then finds the binary).
exec 9>"$(dirname "$BIN")/.build.lock"
flock 9
if [ ! -x "$BIN" ]; then
  echo "build-alertmanager: building alertmanager $VERSION (cached in $(dirname "$BIN"))" >&2
  # The web UI embeds compiled assets that the Go module does not ship: build
  # from a copy of the module whose ui/web.go is a stub (the tests use only
  # the v2 API). The copy lives in the cache, not in the clone.
  work="$CACHE_ROOT/alertmanager/$VERSION/build"
  rm -rf "$work" && mkdir -p "$work"
  cp "$HERE/alertmanager/go.mod" "$HERE/alertmanager/go.sum" "$HERE/alertmanager/tools.go" "$work/"
  cd "$work"
  go mod download github.com/prometheus/alertmanager
  src=$(go list -m -f '{{.Dir}}' github.com/prometheus/alertmanager)
  cp -r "$src" "$work/alertmanager-src" && chmod -R u+w "$work/alertmanager-src"
  cp "$HERE/alertmanager/ui_stub.go.txt" "$work/alertmanager-src/ui/web.go"
  go mod edit -replace github.com/prometheus/alertmanager=./alertmanager-src
  tmp=$(mktemp "$BIN.XXXXXX")
  CGO_ENABLED=0 go build -mod=mod -trimpath -o "$tmp" github.com/prometheus/alertmanager/cmd/alertmanager
  chmod 0755 "$tmp" && mv -f "$tmp" "$BIN"
fi
echo "$BIN"
