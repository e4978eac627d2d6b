#!/usr/bin/env bash
# Builds promtool from the Prometheus Go module (hack/promtool/go.mod), cached
# outside the clone by version, and prints the binary's path.
set -euo pipefail
VERSION=v0.316.0
CACHE_ROOT=${FAIRNESS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fairness-operator}
BIN="$CACHE_ROOT/promtool/$VERSION/promtool"
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$BIN")"
exec 9>"$(dirname "$BIN")/.build.lock"
flock 9
if [ ! -x "$BIN" ]; then
  echo "build-promtool: building promtool $VERSION (cached in $(dirname "$BIN"))" >&2
  tmp=$(mktemp "$BIN.XXXXXX")
  (cd "$HERE/promtool" && CGO_ENABLED=0 go build -trimpath -o "$tmp" github.com/prometheus/prometheus/cmd/promtool)
  chmod 0755 "$tmp" && mv -f "$tmp" "$BIN"
fi
echo "$BIN"
