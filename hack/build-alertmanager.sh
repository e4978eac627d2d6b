#!/usr/bin/env bash
# Builds Prometheus Alertmanager from its Go module (hack/alertmanager/go.mod),
# cached outside the clone by version, and prints the binary's path.
set -euo pipefail
VERSION=v0.35.0
CACHE_ROOT=${FAIRNESS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fairness-operator}
BIN="$CACHE_ROOT/alertmanager/$VERSION/alertmanager"
HERE=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$BIN" ]; then
  mkdir -p "$(dirname "$BIN")"
  echo "build-alertmanager: building alertmanager $VERSION (cached in $(dirname "$BIN"))" >&2
  (cd "$HERE/alertmanager" && CGO_ENABLED=0 go build -trimpath -o "$BIN.tmp" github.com/prometheus/alertmanager/cmd/alertmanager)
  mv "$BIN.tmp" "$BIN"
fi
echo "$BIN"
