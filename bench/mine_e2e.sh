#!/usr/bin/env bash
# End-to-end mining throughput, each side at its own best setting for a recall@100 target: an nlist x nprobe
# sweep on the clustered 1M x 384 set, GloVe 100-d and the real sentence-embedding set (bench/realdata.sh).
#
# Per set and nlist: Quarry's index (built once, cached in bench/data/sweep/), recall@100 of each nprobe
# (`quarry index recall`, the first 2,000 queries), then at the smallest nprobe reaching the target, the whole
# `quarry mine` command (JVM start, opening, warm-up, mining, writing npy) for each anchor count, timed, with
# the load average before each run. FAISS beside it (bench/peers/faiss_sweep.py, tuned AVX2 build): k-means
# once per nlist, then IndexIVFFlat, IVF with an HNSW coarse quantizer, IVF-SQ8 and IVF-PQ fast-scan (4 bits,
# d/4 sub-spaces) with the best 600 rescored in float32, each at its smallest nprobe reaching the target,
# search only (one index.search call of all its anchors; training and loading excluded), at its best OpenMP x
# OpenBLAS split. The report (bench/mine_e2e_report.py) shows the sweep and
# each side at its best; appended to bench/results/mine-e2e.md, raw JSON lines in bench/data/sweep/run-*/.
#
#   bench/mine_e2e.sh            3 sets, nlist 256-4096 and auto, 200,000 and 1,000,000 anchors, 3 runs
#                                (about 2.5 hours on 2 idle cores once the data exist)
#   bench/mine_e2e.sh --quick    nlist 1024, 4096 and auto; 200,000 anchors (FAISS: 50,000); 1 run (~30 min)
#
# Options (each takes one value; lists are comma-separated):
#   --sets clustered-1M,glove,realdata   --nlist 256,512,1024,2048,4096,auto   --nprobe 1,2,4,8,16,32,64
#   --anchors 200000,1000000   --faiss-anchors 200000   --runs 3   --target 0.95
#   --faiss-variants ivf,ivf-hnsw,ivf-sq8,ivf-pqfs-d4-600   (bench/peers/faiss_sweep.py lists them: ivf-pqfs-M-R
#                         is M sub-spaces, a number or dN for d / N, and R rescored)
#   --build-opts "..."    more options of `quarry index build` (e.g. a list encoding or coarse stage); indexes
#                         are cached per option set
#   --search-opts "..."   more options of both `quarry index recall` and `quarry mine` (search-time settings)
#   --label NAME          names this configuration of Quarry in the report (default: quarry)
# "auto" is kept only when `quarry index build --nlist auto` exists; FAISS is then run at the nlist it chose.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
export ROOT PY
SETS=clustered-1M,glove,realdata
NLISTS=256,512,1024,2048,4096,auto
NPROBES=1,2,4,8,16,32,64
ANCHOR_COUNTS=200000,1000000
FAISS_ANCHORS=200000
RUNS=3
TARGET=0.95
VARIANTS=ivf,ivf-hnsw,ivf-sq8,ivf-pqfs-d4-600
BUILD_OPTS=""
SEARCH_OPTS=""
LABEL=quarry
RECALL_QUERIES=2000
while [ $# -gt 0 ]; do
  if [ "$1" = --quick ]; then
    NLISTS=1024,4096,auto; ANCHOR_COUNTS=200000; FAISS_ANCHORS=50000; RUNS=1
    shift
    continue
  fi
  [ $# -ge 2 ] || { echo "mine_e2e: $1: unknown option or missing value (see bench/mine_e2e.sh's comment)" >&2; exit 2; }
  case "$1" in
    --sets) SETS="$2" ;;
    --nlist) NLISTS="$2" ;;
    --nprobe) NPROBES="$2" ;;
    --anchors) ANCHOR_COUNTS="$2" ;;
    --faiss-anchors) FAISS_ANCHORS="$2" ;;
    --runs) RUNS="$2" ;;
    --target) TARGET="$2" ;;
    --faiss-variants) VARIANTS="$2" ;;
    --build-opts) BUILD_OPTS="$2" ;;
    --search-opts) SEARCH_OPTS="$2" ;;
    --label) LABEL="$2" ;;
    *) echo "mine_e2e: $1: unknown option (see the comment at the top of bench/mine_e2e.sh)" >&2; exit 2 ;;
  esac
  shift 2
done
log() { echo "mine_e2e: $*" >&2; }
read -r -a BUILD <<<"$BUILD_OPTS"
read -r -a SEARCH <<<"$SEARCH_OPTS"
source "$ROOT/bench/sweep_lib.sh"
[ -x /usr/bin/time ] || { log "GNU time is missing: apt-get install time"; exit 1; }
unset OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS OMP_NUM_THREADS
"$ROOT/bench/peers/blas.sh" --no-probe >&2
FAISS_AVX2_PATH="$(faiss_path)"
RUN="$SWEEP_DATA/run-$(date +%Y%m%d-%H%M%S)-mine"
mkdir -p "$RUN" "$ROOT/bench/results"
RESULTS="$RUN/results.jsonl"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
AUTO=0
"$ROOT/quarry" index build --help 2>&1 | grep -q -- '--nlist.*auto\|auto.*nlist' && AUTO=1
log "results in $RESULTS ($(sweep_load))"

json() { $PY -c 'import json, sys; print(json.dumps(dict(zip(sys.argv[1::2], [json.loads(v) if v and v[0] in "[{0123456789" \
  else v for v in sys.argv[2::2]]))))' "$@" >>"$RESULTS"; }

for set in ${SETS//,/ }; do
  sweep_set "$set"
  gt=()
  [ "$SET_NAME" = realdata ] && gt=(--ground-truth "$ROOT/bench/data/realdata/gt.npy")
  faiss_nlists=()
  for nlist in ${NLISTS//,/ }; do
    if [ "$nlist" = auto ] && [ "$AUTO" = 0 ]; then
      log "quarry index build has no --nlist auto yet: skipped"
      continue
    fi
    index="$(quarry_index "$SET_NAME" "$nlist" "${BUILD[@]}")"
    actual="$(index_nlist "$index")"
    faiss_nlists+=("$actual")
    log "$SET_NAME nlist $nlist ($actual): recall ($(sweep_load))"
    probes="$(nprobes_upto "$NPROBES" "$actual")"
    read -r chosen chosen_recall < <(quarry_nprobe_for "$index" "$TARGET" "$probes" "${SEARCH[@]}"; echo) || true
    while read -r nprobe recall coarse; do
      json engine "$LABEL" what recall set "$SET_NAME" nlist "$actual" nlist_option "$nlist" nprobe "$nprobe" \
        recall "$recall" coarse "$coarse" build_opts "$BUILD_OPTS" search_opts "$SEARCH_OPTS"
    done < <(quarry_recall_table "$index" "$probes" "${SEARCH[@]}")
    [ -n "$chosen" ] || { log "$SET_NAME nlist $actual: no nprobe of $probes reaches $TARGET"; continue; }
    for n in ${ANCHOR_COUNTS//,/ }; do
      head -n "$n" "$QRELS" >"$OUT/qrels.tsv"
      times=() loads=()
      for r in $(seq "$RUNS"); do
        rm -f "$OUT"/mined*
        loads+=("\"$(sweep_load)\"")
        /usr/bin/time -f "%e" -o "$OUT/time" "$ROOT/quarry" mine --corpus "$CORPUS" --corpus-ids "$ROWIDS" \
          --queries "$ANCHORS" --queries-ids "$ANCHOR_ROWIDS" --qrels "$OUT/qrels.tsv" --index "$index" --nprobe "$chosen" "${SEARCH[@]}" \
          --output-format npy --output "$OUT/mined.npy" >/dev/null 2>"$OUT/err" \
          || { tail -5 "$OUT/err" >&2; log "quarry mine failed"; exit 1; }
        times+=("$(tail -1 "$OUT/time")")
        log "$SET_NAME nlist $actual nprobe $chosen, $n anchors, run $r: $(tail -1 "$OUT/time") s (${loads[-1]})"
      done
      json engine "$LABEL" what mine set "$SET_NAME" nlist "$actual" nlist_option "$nlist" nprobe "$chosen" \
        recall "$chosen_recall" anchors "$n" runs_seconds "[$(IFS=,; echo "${times[*]}")]" \
        loads "[$(IFS=,; echo "${loads[*]}")]" build_opts "$BUILD_OPTS" search_opts "$SEARCH_OPTS"
    done
  done
  [ ${#faiss_nlists[@]} -gt 0 ] || continue
  log "$SET_NAME: faiss ($(sweep_load))"
  PYTHONPATH="$FAISS_AVX2_PATH:$ROOT/bench/peers" $PY "$ROOT/bench/peers/faiss_sweep.py" --dataset "$SET_NAME" \
    --corpus "$CORPUS" --queries "$QUERIES" --recall "$RECALL_QUERIES" "${gt[@]}" --anchors "$ANCHORS" \
    --anchor-count "$FAISS_ANCHORS" --nlist "$(printf '%s\n' "${faiss_nlists[@]}" | sort -nu | paste -sd,)" \
    --nprobe "$NPROBES" --variants "$VARIANTS" --target "$TARGET" --runs "$RUNS" \
    --index-cache "$SWEEP_DATA/$SET_NAME" --json-out "$RESULTS"
done

MACHINE="$(date +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
$PY "$ROOT/bench/mine_e2e_report.py" "$RESULTS" "$MACHINE" "$TARGET" | tee -a "$ROOT/bench/results/mine-e2e.md"
cp "$RESULTS" "$ROOT/bench/results/mine-e2e-$(basename "$RUN").jsonl"
