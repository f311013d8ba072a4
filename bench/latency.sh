#!/usr/bin/env bash
# Trainer-call latency: batches of 1, 8, 64 and 256 anchors mined end to end through Miner (search, filters,
# sampling) on flat 200k and IVF 1M x 384 clustered (nlist 4096), an nprobe sweep with recall@100, closed loop
# and at a fixed rate, percentiles from HdrHistogram; first calls in fresh JVMs; and FAISS's search-only latency
# (tuned AVX2 build of bench/peers) for the same batches and settings, in the same run. Writes
# bench/results/latency.md and keeps the raw JSON lines in bench/data/latency/run-<date>/.
#
#   bench/latency.sh              everything (about 40 minutes on 2 cores, the first time with data and builds)
#   bench/latency.sh --quick      IVF 1M, batches 1 and 64, nprobe 1 and 4, fewer calls
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench/data/latency"
PY=/usr/bin/python3
BATCHES=1,8,64,256
NPROBE=1,2,4,8
CALLS=2000
QUICK=0
[ "${1:-}" = "--quick" ] && { QUICK=1; BATCHES=1,64; NPROBE=1,4; CALLS=500; }
RUN="$DATA/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN" "$ROOT/bench/results"
RESULTS="$RUN/results.jsonl"
log() { echo "latency: $*" >&2; }

unset OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS OMP_NUM_THREADS
"$ROOT/bench/peers/blas.sh" >"$RUN/blas.txt"
FAISS_AVX2_PATH="$("$ROOT/bench/peers/build-faiss.sh" | tail -1)"
JDK="$("$ROOT/quarry" jdk)"
log "building the bench jar"
(cd "$ROOT" && JAVA_HOME="$JDK" mvn -B -q -ntp -DskipTests -pl bench -am package)
mapfile -t FLAGS < <("$ROOT/quarry" jvm-flags)
java_bench() { "$JDK/bin/java" "${FLAGS[@]}" -cp "$ROOT/bench/target/quarry-bench.jar" "$@"; }
gcc -O3 -march=native -fopenmp -o "$ROOT/bench/probe/membw" "$ROOT/bench/probe/membw.c"
for t in 1 2; do OMP_NUM_THREADS=$t "$ROOT/bench/probe/membw"; done >"$RUN/membw.txt"

# Data: DESIGN's clustered benchmark sets (seed 7), generated once.
dataset() { # name count
  local dir="$DATA/$1"
  if [ ! -f "$dir/corpus.qvec" ]; then
    mkdir -p "$dir"
    "$ROOT/quarry" generate --kind clustered --count "$2" --dim 384 --output "$dir/corpus.qvec" \
      --queries 20000 --queries-output "$dir/queries.qvec" >&2
  fi
  echo "$dir"
}
FLAT="$(dataset clustered-200k 200000)"
IVF="$(dataset clustered-1M 1000000)"
if [ ! -f "$IVF/corpus.qivf" ]; then
  log "building the IVF index (nlist 4096, 256 points per centroid, as FAISS trains)"
  "$ROOT/quarry" index build --store "$IVF/corpus.qvec" --type ivf --nlist 4096 --max-points-per-centroid 256 \
    --output "$IVF/corpus.qivf" >&2
fi

log "quarry: trainer calls"
quarry_calls() { # set dir extra-args...
  local set="$1" dir="$2"
  shift 2
  java_bench dev.quarry.bench.latency.LatencyBenchmark --label "$set" --corpus "$dir/corpus.qvec" \
    --queries "$dir/queries.qvec" --batches "$BATCHES" --calls "$CALLS" --rates 0.5 --json "$RESULTS" "$@" >/dev/null
}
[ "$QUICK" = 1 ] || quarry_calls clustered-200k "$FLAT"
quarry_calls clustered-1M "$IVF" --index "$IVF/corpus.qivf" --nprobe "$NPROBE"
for batch in 1 64; do # first calls, each in a fresh JVM
  java_bench dev.quarry.bench.latency.LatencyBenchmark --label clustered-1M --corpus "$IVF/corpus.qvec" \
    --queries "$IVF/queries.qvec" --index "$IVF/corpus.qivf" --nprobe 1 --batches "$batch" --first-call \
    --json "$RESULTS" >/dev/null
done

log "faiss: search-only calls"
faiss_calls() { # set dir extra-args...
  local set="$1" dir="$2"
  shift 2
  PYTHONPATH="$FAISS_AVX2_PATH:$ROOT/bench/peers" $PY "$ROOT/bench/peers/faiss_latency.py" --dataset "$set" \
    --corpus "$dir/corpus.qvec" --queries "$dir/queries.qvec" --batches "$BATCHES" --calls "$CALLS" --rates 0.5 \
    --index-cache "$DATA/index-cache" --json-out "$RESULTS" "$@"
}
[ "$QUICK" = 1 ] || faiss_calls clustered-200k "$FLAT" --index flat
faiss_calls clustered-1M "$IVF" --index ivf --nlist 4096 --nprobe "$NPROBE"

CPU="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
MACHINE="$(date +%Y-%m-%d), $CPU, $(nproc) cores, $("$JDK/bin/java" -version 2>&1 | head -1); memory read bandwidth \
$(tr '\n' ' ' <"$RUN/membw.txt" | sed -E 's/ \(sink[^)]*\)//g')"
$PY "$ROOT/bench/latency_report.py" "$RESULTS" "$MACHINE" "$ROOT/bench/results/latency.md"
cp "$ROOT/bench/results/latency.md" "$RUN/"
log "wrote bench/results/latency.md"
