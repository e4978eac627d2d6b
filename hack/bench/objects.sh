#!/usr/bin/env bash
# Benchmarks fairctl evaluate on the same synthetic rows as CSV, JSON Lines
# and Parquet (snappy, zstd), from a local file and from a real S3 server
# (versitygw, posix backend serving the same files), on one core and on all
# cores: wall time (hyperfine, every command of a table in one run, so pairs
# share the machine's state), peak RSS and bytes fetched.
#   hack/bench/objects.sh ROWS [OUT]    (ROWS such as 10000000; OUT: a folder)
# RUNS (default 5) sets hyperfine's runs; JSONL=0 leaves JSON Lines out of the
# peak-memory runs (at 100M rows one JSON Lines run takes about 7 minutes).
set -euo pipefail
ROWS=${1:-10000000}
OUT=${2:-/tmp/fairness-bench-objects}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$OUT/data-$ROWS
mkdir -p "$OUT"
cd "$HERE"
go build -o "$OUT/fairctl" ./cmd/fairctl
if [ ! -f "$DATA/bench/credit-zstd.parquet" ]; then
  go run ./hack/bench/objects -rows "$ROWS" -out "$DATA/bench"
fi
VGW=$(hack/build-versitygw.sh)
PORT=17070
ROOT_ACCESS_KEY_ID=benchkey ROOT_SECRET_ACCESS_KEY=benchsecret "$VGW" --port 127.0.0.1:$PORT --quiet posix "$DATA" \
  > "$OUT/versitygw.log" 2>&1 &
VGW_PID=$!
trap 'kill $VGW_PID 2>/dev/null || true' EXIT
sleep 1
export AWS_ACCESS_KEY_ID=benchkey AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1 \
  AWS_ENDPOINT_URL_S3=http://127.0.0.1:$PORT AWS_EC2_METADATA_DISABLED=true
EVAL="$OUT/fairctl evaluate --label repaid --prediction approved --protected sex --protected age_group -o json --fail-on Sev1"
ls -l "$DATA/bench"
for procs in 1 2; do
  cmds=()
  for f in credit.csv credit-snappy.parquet credit-zstd.parquet; do
    cmds+=("GOMAXPROCS=$procs $EVAL --data $DATA/bench/$f" "GOMAXPROCS=$procs $EVAL --data s3://bench/$f")
  done
  # Exit code 1 is a breach (the data carries a disparity), not a failure.
  hyperfine --warmup 1 --runs "${RUNS:-5}" -i --export-markdown "$OUT/hyperfine-$ROWS-$procs.md" "${cmds[@]}"
  cat "$OUT/hyperfine-$ROWS-$procs.md"
done
echo "peak RSS and bytes fetched (one run each):"
for procs in 1 2; do
  formats="credit.csv credit-snappy.parquet credit-zstd.parquet"
  [ "${JSONL:-1}" = 0 ] || formats="$formats credit.jsonl"
  for f in $formats; do
    for data in "$DATA/bench/$f" "s3://bench/$f"; do
      fetched=$( { GOMAXPROCS=$procs /usr/bin/time -f "%e s %M KiB" -o "$OUT/time.txt" $EVAL --data "$data" || true; } |
        sed -n 's/.*"bytesFetched": \([0-9]*\).*/\1/p')
      echo "GOMAXPROCS=$procs $data: $(cat "$OUT/time.txt" | tail -1), fetched ${fetched:-n/a} bytes"
    done
  done
done
