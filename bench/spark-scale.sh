#!/usr/bin/env bash
# The figures docs/scale-out.md computes its hours from: on the same data, in the same rounds, quarry mine,
# quarry spark-mine --master local[2] and quarry spark-mine --master spark://127.0.0.1:PORT against a standalone
# cluster of two workers of one core each (scripts/spark-cluster.sh), 200,000 anchors on an IVF index of
# 1M x 384 clustered rows, replicated, npy out; where Spark's time goes from its event logs. bench/spark.sh
# runs and reports them (bench/results/spark.md); this script only points it at the data and the settings.
#
#   bench/spark-scale.sh [--runs 3] [--nprobe 4] [--corpus FILE] [--index FILE] [--anchors-file FILE]
#
# Defaults: the latency benchmark's corpus and anchors (bench/data/latency/clustered-1M, bench/latency.sh) and
# the sweep's index of nlist 1024 over that corpus (bench/data/sweep/clustered-1M, bench/sweep_lib.sh); the
# anchors file must hold at least 200,000 rows (the first 200,000 are mined). Run it under `nice -n 19` on a
# shared machine: the ratios of one round are what it measures. Then exact search's rate on the same corpus (the
# flat hours of docs/scale-out.md): quarry mine, flat, on the first 2,000 anchors (1.5 TFLOP), --runs times.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS=3
NPROBE=4
CORPUS="$ROOT/bench/data/latency/clustered-1M/corpus.qvec"
INDEX="$ROOT/bench/data/sweep/clustered-1M/quarry-nlist1024.qivf"
ANCHORS="$ROOT/bench/data/latency/clustered-1M/anchors-1M.qvec"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="${2:?--runs needs a count}"; shift 2 ;;
    --nprobe) NPROBE="${2:?--nprobe needs a count}"; shift 2 ;;
    --corpus) CORPUS="${2:?--corpus needs a file}"; shift 2 ;;
    --index) INDEX="${2:?--index needs a file}"; shift 2 ;;
    --anchors-file) ANCHORS="${2:?--anchors-file needs a file}"; shift 2 ;;
    *) echo "usage: bench/spark-scale.sh [--runs N] [--nprobe N] [--corpus FILE] [--index FILE] [--anchors-file FILE]" >&2
       exit 2 ;;
  esac
done
for f in "$CORPUS" "$INDEX" "$ANCHORS"; do
  [ -f "$f" ] || { echo "spark-scale.sh: $f: no such file (bench/latency.sh and bench/sweep_lib.sh make them)" >&2; exit 3; }
done
# bench/spark.sh reads its data by name from one directory: the names link to the files above.
DATA="$(mktemp -d -t quarry-spark-scale.XXXXXX)"
trap 'rm -rf "$DATA"' EXIT
ln -s "$CORPUS" "$DATA/c1m.qvec"
ln -s "$INDEX" "$DATA/c1m.qivf"
ln -s "$ANCHORS" "$DATA/a200000.qvec"
echo "spark-scale.sh: $(uptime)" >&2
"$ROOT/bench/spark.sh" --data "$DATA" --modes ivf --anchors 200000 --runs "$RUNS" --nprobe "$NPROBE" --cluster \
  --no-sharded
awk 'BEGIN { for (i = 0; i < 2000; i++) printf "%d\t%d\n", i, (i * 7919) % 1000000 }' >"$DATA/qrels-2000.tsv"
{
  echo
  echo "Exact search, the same corpus, 2,000 anchors (quarry mine, flat, whole command):"
  echo
  for r in $(seq "$RUNS"); do
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "%e" "$ROOT/quarry" mine --corpus "$CORPUS" --queries "$ANCHORS" --qrels "$DATA/qrels-2000.tsv" \
      --num-negatives 8 --no-defences --output-format npy --output "$DATA/flat.npy" >"$DATA/flat.out" 2>"$DATA/flat.err" \
      || { tail -20 "$DATA/flat.err" >&2; exit 1; }
    echo "- round $r, load before $load: $(tail -1 "$DATA/flat.err") s; $(grep -h -m1 '^mined ' "$DATA/flat.out" "$DATA/flat.err" | head -1)"
  done
} | tee -a "$ROOT/bench/results/spark.md"
