#!/usr/bin/env bash
# Makes sure the parts of a real node that come from the distribution are
# present: containerd, runc, the CNI plugins and iptables (kube-proxy's
# backend). Installs the missing ones from Debian's packages when run as
# root; otherwise says what is missing and exits 1, so callers (make demo)
# can fall back to the simulated node.
#
# Concurrent invocations are safe: apt runs under a lock of its own, and this
# script holds one so two callers do not both run `apt-get update`.
set -euo pipefail

missing=()
command -v containerd >/dev/null || missing+=(containerd)
command -v runc >/dev/null || missing+=(runc)
[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] || missing+=(containernetworking-plugins)
command -v iptables >/dev/null || missing+=(iptables)
command -v ip >/dev/null || missing+=(iproute2)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-node-packages: missing ${missing[*]}; install them (as root: apt-get install ${missing[*]})" >&2
  exit 1
fi
exec 9>/run/fairness-node-packages.lock
flock 9
echo "install-node-packages: installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
