#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a time budget each (default 5s).
# `go test -fuzz` takes one target of one package at a time, hence the loop.
set -euo pipefail
budget=${1:-5s}
cd "$(dirname "$0")/.."
found=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -hoE '^func (Fuzz[A-Za-z0-9_]+)\(f \*testing\.F\)' "$dir"/*_test.go 2>/dev/null | sed -E 's/^func (Fuzz[A-Za-z0-9_]+).*/\1/'); do
    found=$((found + 1))
    echo "fuzz: $pkg $target for $budget"
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$budget"
  done
done
echo "fuzz: $found targets ran without a crash"
