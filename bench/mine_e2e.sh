#!/usr/bin/env bash
# End-to-end mining throughput: the whole `quarry mine` command (JVM start, opening, warm-up, mining,
# writing npy), 200,000 and 1,000,000 anchors against IVF 1M x 384 clustered (nlist 4096), beside FAISS's
# search-only throughput for the same queries and nprobe (tuned AVX2 build, its best OpenMP x OpenBLAS split),
# in the same run. Appends a markdown table to bench/results/mine-e2e.md.
#
#   bench/mine_e2e.sh [--nprobe 1] [--runs 3]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench/data/latency"
PY=/usr/bin/python3
NPROBE=1
RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --nprobe) NPROBE="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    *) echo "mine_e2e: $1: unknown option (--nprobe N, --runs N)" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "mine_e2e: $*" >&2; }
unset OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS OMP_NUM_THREADS
FAISS_AVX2_PATH="$("$ROOT/bench/peers/build-faiss.sh" | tail -1)"
DIR="$DATA/clustered-1M"
mkdir -p "$DIR" "$ROOT/bench/results"
[ -f "$DIR/corpus.qvec" ] || "$ROOT/quarry" generate --kind clustered --count 1000000 --dim 384 \
  --output "$DIR/corpus.qvec" --queries 20000 --queries-output "$DIR/queries.qvec" >&2
[ -f "$DIR/anchors-1M.qvec" ] || "$ROOT/quarry" generate --kind clustered --count 1000000 --dim 384 \
  --output "$DIR/corpus-again.qvec" --queries 1000000 --queries-output "$DIR/anchors-1M.qvec" >&2
rm -f "$DIR/corpus-again.qvec"
[ -f "$DIR/corpus.qivf" ] || "$ROOT/quarry" index build --store "$DIR/corpus.qvec" --type ivf --nlist 4096 \
  --max-points-per-centroid 256 --output "$DIR/corpus.qivf" >&2
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
TABLE="| anchors | quarry mine, whole command: wall s (median [min-max]) | quarry anchors/min | faiss search-only q/s (best split) | faiss anchors/min | quarry / faiss |"
ROWS=()
for n in 200000 1000000; do
  awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "%d\t%d\n", i, (i * 7919) % 1000000 }' >"$OUT/qrels-$n.tsv"
  times=()
  for r in $(seq "$RUNS"); do
    rm -f "$OUT"/mined*
    s=$( { /usr/bin/time -f "%e" "$ROOT/quarry" mine --corpus "$DIR/corpus.qvec" --queries "$DIR/anchors-1M.qvec" \
      --qrels "$OUT/qrels-$n.tsv" --index "$DIR/corpus.qivf" --nprobe "$NPROBE" --output-format npy \
      --output "$OUT/mined.npy" >/dev/null 2>"$OUT/err"; } 2>&1; tail -1 "$OUT/err")
    log "$n anchors, run $r: $s s"
    times+=("$s")
  done
  med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }')
  lo=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
  hi=$(printf '%s\n' "${times[@]}" | sort -n | tail -1)
  best=0
  for omp in 1 2; do
    for blas in 1 2; do
      OPENBLAS_NUM_THREADS=$blas PYTHONPATH="$FAISS_AVX2_PATH" $PY "$ROOT/bench/peers/faiss_bench.py" --build avx2 \
        --corpus "$DIR/corpus.qvec" --queries "$DIR/anchors-1M.qvec" --query-limit "$n" --k 100 --runs 1 \
        --dataset clustered-1M --label faiss-avx2 --omp-threads "$omp" --ids-out "$OUT/ids" \
        --json-out "$OUT/faiss.jsonl" --index-cache "$DATA/index-cache" --index ivf --nlist 4096 --nprobe "$NPROBE" >&2
      qps=$(tail -1 "$OUT/faiss.jsonl" | $PY -c 'import json,sys; r=json.loads(sys.stdin.read()); print(r["queries"] / min(r["runs_seconds"]))')
      best=$($PY -c "print(max($best, $qps))")
    done
  done
  ROWS+=("$($PY -c "
n=$n; med=$med; lo=$lo; hi=$hi; f=$best
q = n / med * 60
print(f'| {n:,} | {med:.1f} [{lo:.1f}-{hi:.1f}] | {q/1e6:.2f}M | {f:,.0f} | {f*60/1e6:.2f}M | {q/(f*60):.2f}x |')")")
done
{
  echo
  echo "### quarry mine end to end, IVF 1M x 384 clustered, nlist 4096, nprobe $NPROBE ($(date +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores)"
  echo
  echo "$TABLE"
  echo "|---:|---|---:|---:|---:|---:|"
  printf '%s\n' "${ROWS[@]}"
} | tee -a "$ROOT/bench/results/mine-e2e.md"
