#!/usr/bin/env bash
# Builds helm from its Go module, cached outside the clone by version, and
# prints the binary's path (helm lint/template/install in the chart tests).
set -euo pipefail
VERSION=v3.22.0
CACHE_ROOT=${FAIRNESS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fairness-operator}
DIR="$CACHE_ROOT/helm/$VERSION"
mkdir -p "$DIR"
# go install writes the binary in place: one builder at a time.
exec 9>"$DIR/.build.lock"
flock 9
if [ ! -x "$DIR/helm" ]; then
  echo "build-helm: building helm $VERSION (cached in $DIR)" >&2
  GOBIN="$DIR" CGO_ENABLED=0 go install -trimpath "helm.sh/helm/v3/cmd/helm@$VERSION"
fi
echo "$DIR/helm"
