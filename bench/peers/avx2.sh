#!/usr/bin/env bash
# The 200k clustered set as an AVX2-only machine runs it, measured on this one: Quarry with
# -XX:UseAVX=2 (256-bit vectors, so it picks its 16-register tile) and FAISS's AVX2 build on
# OpenBLAS's Haswell kernels (what OpenBLAS picks on an AVX2 core), flat search. Appends to the run's
# results as data set clustered-200k-avx2, which the report sets against the 256-bit FMA peak.
# Called by bench/peers.sh; on its own:
#
#   bench/peers/avx2.sh RUN_DIR [RUNS]     RUN_DIR: a bench/data/peers/run-* directory
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN="${1:?usage: avx2.sh RUN_DIR [RUNS]}"
RUNS="${2:-5}"
DATA="$ROOT/bench/data/peers"
PY=/usr/bin/python3
RESULTS="$RUN/results.jsonl"
# shellcheck source=bench/peers/lib.sh
source "$ROOT/bench/peers/lib.sh"
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS OMP_NUM_THREADS
FAISS_AVX2_PATH="${FAISS_AVX2_PATH:-$("$ROOT/bench/peers/build-faiss.sh" | tail -1)}"
peer_java -XX:UseAVX=2
set=clustered-200k-avx2
d="$DATA/clustered-200000x384"
[ -f "$DATA/gt-clustered-200k.npy" ] || { echo "avx2: run bench/peers.sh first (ground truth)" >&2; exit 1; }
cp "$DATA/gt-clustered-200k.npy" "$RUN/gt-$set.npy"
mkdir -p "$RUN/ids"
for t in 1 2; do
  java_peer "$set" "$d/corpus.qvec" "$d/queries.qvec" quarry-flat "$RUNS" --threads "$t"
done
export OPENBLAS_CORETYPE=Haswell
for split in "1 2" "2 1" "1 1"; do
  read -r omp blas <<<"$split"
  faiss_peer "$set" "$d/corpus.qvec" "$d/queries.qvec" avx2 "$omp" "$blas" "$RUNS" --index flat
done
