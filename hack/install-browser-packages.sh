#!/usr/bin/env bash
# Makes sure what the report's browser and print tests drive is present:
# Debian's chromium, poppler-utils (pdfinfo, pdftotext) and a font with the
# report's characters. Installs the missing ones when run as root;
# otherwise says what is missing and exits 1.
set -euo pipefail

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null || missing+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-browser-packages: missing ${missing[*]}; install them (as root: apt-get install ${missing[*]})" >&2
  exit 1
fi
# The same lock as install-node-packages.sh: one `apt-get update` at a time.
exec 9>/run/fairness-node-packages.lock
flock 9
echo "install-browser-packages: installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
