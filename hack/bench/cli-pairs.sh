#!/usr/bin/env bash
# The whole-command figures of docs/benchmarks.md measured as pairs in one
# hyperfine run each (commands alternate within a run's rounds, so a pair
# shares the machine's state), then peak RSS with /usr/bin/time:
#   - 10M-row CSV, predictions mode: fairctl on all cores and on one, against
#     wc -l and pandas (Debian's python3-pandas);
#   - the same rows gzip -1, against zcat | wc -l;
#   - 1M-row CSV (the size of the fairlearn MetricFrame figure);
#   - train mode, expgrad with demographic parity on Adult by sex and by race.
#     hack/bench/cli-pairs.sh [OUT]    (OUT: a folder, default /tmp/fairness-bench-cli)
# RUNS (default 5) sets hyperfine's runs. Needs hyperfine, gzip and
# /usr/bin/python3 with pandas; FAIRNESS_DATASETS for Adult.
set -euo pipefail
OUT=${1:-/tmp/fairness-bench-cli}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
DATASETS=${FAIRNESS_DATASETS:-$HERE/../shared/datasets}
RUNS=${RUNS:-5}
mkdir -p "$OUT"
cd "$HERE"
go build -o "$OUT/fairctl" ./cmd/fairctl
F=$OUT/fairctl
for rows in 1000000 10000000; do
  [ -f "$OUT/credit$rows.csv" ] || "$F" generate --rows $rows --seed 1 --disparity 0.2 -o "$OUT/credit$rows.csv"
done
[ -f "$OUT/credit10000000.csv.gz" ] || gzip -1 -k "$OUT/credit10000000.csv"
ls -l "$OUT"/credit*

E="evaluate --label repaid --prediction approved --score score --protected sex --protected age_group -o json"
C10=$OUT/credit10000000.csv
PANDAS="/usr/bin/python3 $HERE/hack/bench/pandas_eval.py"
# Exit code 1 is a breach (the generated data carries a disparity), not a failure: -i.
hyperfine -N -w 1 -r "$RUNS" -i --export-json "$OUT/csv10m.json" \
  "$F $E --data $C10" "env GOMAXPROCS=1 $F $E --data $C10" "wc -l $C10" \
  "$PANDAS $C10 repaid approved sex age_group" | tee "$OUT/csv10m.txt"
hyperfine -w 1 -r "$RUNS" -i --export-json "$OUT/gzip10m.json" \
  "$F $E --data $C10.gz" "env GOMAXPROCS=1 $F $E --data $C10.gz" "zcat $C10.gz | wc -l" | tee "$OUT/gzip10m.txt"
hyperfine -N -w 1 -r "$RUNS" -i --export-json "$OUT/csv1m.json" \
  "$F $E --data $OUT/credit1000000.csv" | tee "$OUT/csv1m.txt"
T="evaluate --mode train --data $DATASETS/adult.csv --label income_gt_50k --method expgrad -o json"
hyperfine -N -w 1 -r "$RUNS" -i --export-json "$OUT/expgrad.json" \
  "$F $T --protected sex" "$F $T --protected race" "$F version" | tee "$OUT/expgrad.txt"

{
  for cmd in "$F $E --data $C10" "$F $E --data $C10.gz" "$F $T --protected sex" "$F $T --protected race"; do
    for _ in 1 2 3; do
      /usr/bin/time -f "%e s %M KiB  $cmd" $cmd >/dev/null 2>"$OUT/time.err" || true
      tail -1 "$OUT/time.err"
    done
  done
  for _ in 1 2 3; do
    /usr/bin/time -f "%e s %M KiB  pandas" $PANDAS "$C10" repaid approved sex age_group >/dev/null 2>"$OUT/time.err"
    tail -1 "$OUT/time.err"
  done
} | tee "$OUT/peak-rss.txt"
