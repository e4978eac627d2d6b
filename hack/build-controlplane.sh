#!/usr/bin/env bash
# Builds (or finds) the Kubernetes control-plane binaries that the envtest
# suites, the end-to-end tests and `make demo` run, and prints their folder.
#
# Binaries are cached outside the clone, keyed by version, so reruns take
# seconds. Where official envtest binaries can be downloaded (setup-envtest,
# with internet access) those are used for etcd and kube-apiserver; otherwise
# everything is built from Go modules (hack/controlplane/go.mod), which is the
# only way on machines without internet access.
#
# Usage: hack/build-controlplane.sh [etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy]
#
# Concurrent invocations are safe: builds hold a lock on the cache folder and
# write under unique temporary names before an atomic rename.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-1.37.2}
CACHE_ROOT=${FAIRNESS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fairness-operator}
DEST="$CACHE_ROOT/controlplane/v$K8S_VERSION"
HERE=$(cd "$(dirname "$0")" && pwd)
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

mkdir -p "$DEST"

log() { echo "build-controlplane: $*" >&2; }

# kubectl: envtest uses it to apply CRDs in some set-ups and tests run
# `kubectl explain`; the system one is fine.
if [ ! -x "$DEST/kubectl" ] && command -v kubectl >/dev/null; then
  ln -sf "$(command -v kubectl)" "$DEST/kubectl"
fi

try_setup_envtest() {
  # Official binaries first: seconds instead of a long build.
  [ "${FAIRNESS_SKIP_SETUP_ENVTEST:-}" = 1 ] && return 1
  local tool
  tool=$(command -v setup-envtest || true)
  if [ -z "$tool" ]; then
    GOBIN="$CACHE_ROOT/bin" timeout 120 go install sigs.k8s.io/controller-runtime/tools/setup-envtest@latest >/dev/null 2>&1 || return 1
    tool="$CACHE_ROOT/bin/setup-envtest"
  fi
  local dir
  dir=$(timeout 60 "$tool" use "$K8S_VERSION" --bin-dir "$CACHE_ROOT/envtest" -p path 2>/dev/null) || return 1
  [ -x "$dir/etcd" ] && [ -x "$dir/kube-apiserver" ] || return 1
  cp "$dir/etcd" "$dir/kube-apiserver" "$DEST/"
}

need=()
for b in "${wanted[@]}"; do [ -x "$DEST/$b" ] || need+=("$b"); done
if [ ${#need[@]} -eq 0 ]; then echo "$DEST"; exit 0; fi

# One builder at a time per cache folder; a second invocation waits, then
# finds the binaries built.
exec 9>"$DEST/.build.lock"
flock 9

case " ${need[*]} " in
  *" etcd "*|*" kube-apiserver "*)
    if try_setup_envtest; then log "using official envtest binaries"; fi ;;
esac

minor=$(echo "$K8S_VERSION" | cut -d. -f2)
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
for b in "${need[@]}"; do
  [ -x "$DEST/$b" ] && continue
  case "$b" in
    etcd) pkg=go.etcd.io/etcd/server/v3 ;;
    kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy) pkg=k8s.io/kubernetes/cmd/$b ;;
    *) log "unknown binary $b"; exit 2 ;;
  esac
  log "building $b from $pkg (first build takes minutes; cached in $DEST)"
  start=$(date +%s)
  tmp=$(mktemp "$DEST/.$b.XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  (cd "$HERE/controlplane" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tmp" "$pkg")
  chmod 0755 "$tmp"
  mv -f "$tmp" "$DEST/$b"
  trap - EXIT
  log "built $b in $(( $(date +%s) - start ))s"
done
echo "$DEST"
