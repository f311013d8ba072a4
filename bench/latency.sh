#!/usr/bin/env bash
# Trainer-call latency, each side at its own best setting for a recall@100 target: batches of anchors mined end
# to end through Miner (search, filters, sampling) with HdrHistogram percentiles, closed loop and at a fixed rate
# of half the closed loop's throughput, for an nlist sweep on the clustered 1M x 384 set, GloVe 100-d and the
# real sentence-embedding set (bench/realdata.sh), each nlist at the smallest nprobe reaching the target; flat
# search on clustered 200k; first calls in fresh JVMs. FAISS beside it, search only (bench/peers/faiss_latency.py,
# tuned AVX2 build): IndexIVFFlat, an HNSW coarse quantizer, SQ8 lists and IVF-PQ fast-scan (4 bits, d/4
# sub-spaces) with the best 600 rescored in float32 (IndexRefineFlat), each nlist at each variant's smallest nprobe
# reaching the target, at 1 and 2 OpenMP threads. Writes bench/results/latency.md (bench/latency_report.py)
# and keeps the raw JSON lines in bench/data/latency/run-<date>/.
#
#   bench/latency.sh            nlist 256-4096 and auto, batches 1/8/64/256, 2,000 calls (estimated 2 hours idle)
#   bench/latency.sh --quick    nlist 1024, 4096 and auto, batches 1 and 64, 300 calls, no flat (estimated 30-60 min idle)
#
# Options (one value each; lists comma-separated):
#   --sets clustered-1M,glove,realdata   --nlist 256,512,1024,2048,4096,auto   --nprobe 1,2,4,8,16,32,64
#                        (one grid for every nlist: each index tries the values up to its nlist)
#   --batches 1,8,64,256   --calls 2000   --target 0.95
#   --faiss-variants ivf,ivf-hnsw,ivf-sq8,ivf-pqfs-d4-600   (none: Quarry only; bench/peers/faiss_sweep.py lists
#                        them: ivf-pqfs-M-R is M sub-spaces, a number or dN for d / N, and R rescored)
#   --faiss-calls N      FAISS's calls a series (default: --calls; its calls at a large nprobe take several times
#                        Quarry's, so a bounded run gives it fewer)
#   --faiss-nlist 1024,4096   the values of --nlist at which FAISS runs too (default: all of them)
#   --build-opts "..."   more options of `quarry index build` (indexes cached per option set; the report's labels
#                        name them: "realdata/nlist1024 (--lists int8)")
#   --search-opts "..."  more options of `quarry index recall` (which picks Quarry's nprobe)
#   --bench-opts "..."   more options of LatencyBenchmark (e.g. --preload)
#   --no-flat            skip flat search on clustered 200k
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench/data/latency"
PY=/usr/bin/python3
export ROOT PY
SETS=clustered-1M,glove,realdata
NLISTS=256,512,1024,2048,4096,auto
NPROBES=1,2,4,8,16,32,64
BATCHES=1,8,64,256
CALLS=2000
FAISS_CALLS=""
FAISS_NLISTS=""
TARGET=0.95
VARIANTS=ivf,ivf-hnsw,ivf-sq8,ivf-pqfs-d4-600
BUILD_OPTS=""
SEARCH_OPTS=""
BENCH_OPTS=""
FLAT=1
while [ $# -gt 0 ]; do
  if [ "$1" = --quick ] || [ "$1" = --no-flat ]; then
    [ "$1" = --quick ] && { NLISTS=1024,4096,auto; BATCHES=1,64; CALLS=300; }
    FLAT=0
    shift
    continue
  fi
  [ $# -ge 2 ] || { echo "latency: $1: unknown option or missing value (see bench/latency.sh's comment)" >&2; exit 2; }
  case "$1" in
    --sets) SETS="$2" ;;
    --nlist) NLISTS="$2" ;;
    --nprobe) NPROBES="$2" ;;
    --batches) BATCHES="$2" ;;
    --calls) CALLS="$2" ;;
    --faiss-calls) FAISS_CALLS="$2" ;;
    --faiss-nlist) FAISS_NLISTS="$2" ;;
    --target) TARGET="$2" ;;
    --faiss-variants) VARIANTS="$2" ;;
    --build-opts) BUILD_OPTS="$2" ;;
    --search-opts) SEARCH_OPTS="$2" ;;
    --bench-opts) BENCH_OPTS="$2" ;;
    *) echo "latency: $1: unknown option (see the comment at the top of bench/latency.sh)" >&2; exit 2 ;;
  esac
  shift 2
done
log() { echo "latency: $*" >&2; }
read -r -a BUILD <<<"$BUILD_OPTS"
read -r -a SEARCH <<<"$SEARCH_OPTS"
read -r -a BENCH <<<"$BENCH_OPTS"
source "$ROOT/bench/sweep_lib.sh"
RUN="$DATA/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN" "$ROOT/bench/results"
RESULTS="$RUN/results.jsonl"

unset OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS OMP_NUM_THREADS
"$ROOT/bench/peers/blas.sh" >"$RUN/blas.txt"
FAISS_AVX2_PATH="$(faiss_path)"
JDK="$("$ROOT/quarry" jdk)"
log "building the bench jar"
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package)
mapfile -t FLAGS < <("$ROOT/quarry" jvm-flags)
java_bench() { "$JDK/bin/java" "${FLAGS[@]}" -cp "$ROOT/bench/target/quarry-bench.jar" "$@"; }
gcc -O3 -march=native -fopenmp -o "$ROOT/bench/probe/membw" "$ROOT/bench/probe/membw.c"
for t in 1 2; do OMP_NUM_THREADS=$t "$ROOT/bench/probe/membw"; done >"$RUN/membw.txt"
AUTO=0
"$ROOT/quarry" index build --help 2>&1 | grep -q -- '--nlist.*auto\|auto.*nlist' && AUTO=1
note_load() { echo "{\"what\": \"load\", \"at\": \"$1\", \"load\": \"$(sweep_load)\"}" >>"$RESULTS"; }
note_load start

faiss_calls() { # label set corpus queries extra-args...
  local label="$1" set="$2" corpus="$3" queries="$4"
  shift 4
  PYTHONPATH="$FAISS_AVX2_PATH:$ROOT/bench/peers" $PY "$ROOT/bench/peers/faiss_latency.py" --dataset "$set" \
    --label "$label" --corpus "$corpus" --queries "$queries" --batches "$BATCHES" --calls "${FAISS_CALLS:-$CALLS}" --rates 0.5 \
    --json-out "$RESULTS" "$@"
}

if [ "$FLAT" = 1 ]; then # exact search: DESIGN's clustered 200k (seed 7)
  FLATDIR="$DATA/clustered-200k"
  mkdir -p "$FLATDIR"
  [ -f "$FLATDIR/corpus.qvec" ] || flock "$LOCK" sh -c '[ -f "$1/corpus.qvec" ] || "$ROOT/quarry" generate \
    --kind clustered --count 200000 --dim 384 --output "$1/corpus.qvec" --queries 20000 \
    --queries-output "$1/queries.qvec" >&2' _ "$FLATDIR"
  log "clustered-200k flat ($(sweep_load))"
  note_load "clustered-200k quarry"
  java_bench dev.quarry.bench.latency.LatencyBenchmark --label clustered-200k --corpus "$FLATDIR/corpus.qvec" \
    --queries "$FLATDIR/queries.qvec" --batches "$BATCHES" --calls "$CALLS" --rates 0.5 --json "$RESULTS" \
    "${BENCH[@]}" >/dev/null
  note_load "clustered-200k faiss"
  faiss_calls clustered-200k clustered-200k "$FLATDIR/corpus.qvec" "$FLATDIR/queries.qvec" --index flat
fi

for set in ${SETS//,/ }; do
  sweep_set "$set"
  first=1
  for nlist in ${NLISTS//,/ }; do
    if [ "$nlist" = auto ] && [ "$AUTO" = 0 ]; then
      log "quarry index build has no --nlist auto yet: skipped"
      continue
    fi
    index="$(quarry_index "$SET_NAME" "$nlist" "${BUILD[@]}")"
    actual="$(index_nlist "$index")"
    probes="$(nprobes_upto "$NPROBES" "$actual")"
    read -r nprobe recall < <(quarry_nprobe_for "$index" "$TARGET" "$probes" "${SEARCH[@]}"; echo) || true
    base="$SET_NAME/nlist$actual$([ "$nlist" = auto ] && echo "-auto" || true)"
    label="$base${BUILD_OPTS:+ ($BUILD_OPTS)}"
    if [ -n "$nprobe" ]; then
      log "$label: quarry at nprobe $nprobe (recall $recall on 2,000 queries) ($(sweep_load))"
      note_load "$label quarry"
      java_bench dev.quarry.bench.latency.LatencyBenchmark --label "$label" --corpus "$CORPUS" --queries "$QUERIES" \
        --index "$index" --nprobe "$nprobe" --batches "$BATCHES" --calls "$CALLS" --rates 0.5 --json "$RESULTS" \
        "${BENCH[@]}" >/dev/null
      if [ "$first" = 1 ]; then # first calls, each in a fresh JVM, at the set's first nlist
        for batch in 1 64; do
          java_bench dev.quarry.bench.latency.LatencyBenchmark --label "$label" --corpus "$CORPUS" \
            --queries "$QUERIES" --index "$index" --nprobe "$nprobe" --batches "$batch" --first-call \
            --json "$RESULTS" "${BENCH[@]}" >/dev/null
        done
        first=0
      fi
    else
      log "$label: no nprobe of $probes reaches $TARGET for quarry"
    fi
    [ "$VARIANTS" != none ] && { [ -z "$FAISS_NLISTS" ] || [[ ",$FAISS_NLISTS," == *",$nlist,"* ]]; } || continue
    log "$base: faiss ($(sweep_load))"
    note_load "$base faiss"
    faiss_calls "$base" "$SET_NAME" "$CORPUS" "$QUERIES" --index ivf --nlist "$actual" --nprobe "$probes" \
      --variants "$VARIANTS" --target "$TARGET" --index-cache "$SWEEP_DATA/$SET_NAME"
  done
done
note_load end

CPU="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
MACHINE="$(date +%Y-%m-%d), $CPU, $(nproc) cores, $("$JDK/bin/java" -version 2>&1 | head -1); memory read bandwidth \
$(tr '\n' ' ' <"$RUN/membw.txt" | sed -E 's/ \(sink[^)]*\)//g')"
$PY "$ROOT/bench/latency_report.py" "$RESULTS" "$MACHINE" "$ROOT/bench/results/latency.md" "$TARGET"
cp "$ROOT/bench/results/latency.md" "$RUN/"
cat "$ROOT/bench/results/latency.md"
log "wrote bench/results/latency.md"
