#!/usr/bin/env bash
# Builds the Versity S3 gateway (versitygw, posix backend) from its Go module
# (hack/versitygw/go.mod), cached outside the clone by version, and prints the
# binary's path. The object-storage tests run it as a real S3 server.
set -euo pipefail
VERSION=v1.8.0
CACHE_ROOT=${FAIRNESS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fairness-operator}
BIN="$CACHE_ROOT/versitygw/$VERSION/versitygw"
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$BIN")"
# One builder at a time (a second caller waits, then finds the binary).
exec 9>"$(dirname "$BIN")/.build.lock"
flock 9
if [ ! -x "$BIN" ]; then
  echo "build-versitygw: building versitygw $VERSION (cached in $(dirname "$BIN"))" >&2
  cd "$HERE/versitygw"
  tmp=$(mktemp "$BIN.XXXXXX")
  CGO_ENABLED=0 go build -trimpath -o "$tmp" github.com/versity/versitygw/cmd/versitygw
  chmod 0755 "$tmp" && mv -f "$tmp" "$BIN"
fi
echo "$BIN"
