#!/usr/bin/env bash
# Runs CMD and samples /proc/PID/status every 5 ms: peak anonymous and file-backed RSS, and VmHWM,
# so that the binary's mapped pages can be told apart from the memory a scan uses.
"$@" >/dev/null 2>&1 &
pid=$!
pa=0; pf=0; hwm=0
while kill -0 $pid 2>/dev/null; do
  if s=$(cat /proc/$pid/status 2>/dev/null); then
    a=$(awk '/^RssAnon/ {print $2}' <<<"$s"); f=$(awk '/^RssFile/ {print $2}' <<<"$s"); h=$(awk '/^VmHWM/ {print $2}' <<<"$s")
    [ -n "$a" ] && [ "$a" -gt "$pa" ] && pa=$a; [ -n "$f" ] && [ "$f" -gt "$pf" ] && pf=$f; [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h
  fi
  sleep 0.005
done
echo "peak RssAnon ${pa} KiB, peak RssFile ${pf} KiB, VmHWM ${hwm} KiB: $*"
