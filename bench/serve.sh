#!/usr/bin/env bash
# quarry serve under a trainer's load, beside the same mining in process and FAISS's search, in one run:
#  - a fresh server: seconds from start to ready, and its first calls from the Python client;
#  - 64-anchor calls from the Python client (quarry_client, binary shape) in a closed loop and at a fixed
#    rate of half the closed loop's, percentiles from HdrHistogram;
#  - peers in the same run: the same calls through the Miner API in process (LatencyBenchmark), and
#    FAISS IndexIVFFlat.search of the same batches (tuned AVX2 build of bench/peers);
#  - 8 Java clients x 10,000 requests with a refresh (re-embedded corpus: a copy of the corpus) asked for
#    half-way: failures, answers that mixed versions, latency before/during/after;
#  - overload: 10x the closed loop's rate for 10 s (503s, the server's heap), then recovery at 0.5x.
# IVF 1M x 384 clustered, nlist 4096, nprobe 1 (recall@100 0.96). Writes bench/results/serve.md and
# keeps the raw lines in bench/data/serve/run-<date>/.
#
#   bench/serve.sh [--calls N]      (default 2000 calls per series; about 15 minutes with data present)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALLS=2000
[ "${1:-}" = "--calls" ] && CALLS="$2"
PORT="${QUARRY_BENCH_PORT:-7731}"
# shellcheck source=serve_lib.sh
. "$ROOT/bench/serve_lib.sh"
RUN="$ROOT/bench/data/serve/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN" "$ROOT/bench/results"
RESULTS="$RUN/results.jsonl"
log() { echo "serve-bench: $*" >&2; }

unset OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS OMP_NUM_THREADS
"$ROOT/bench/peers/blas.sh" >"$RUN/blas.txt"
FAISS_AVX2_PATH="$("$ROOT/bench/peers/build-faiss.sh" | tail -1)"
serve_setup
"$ROOT/quarry" build serve >&2

if [ ! -f "$DATA/corpus.qivf" ]; then
  mkdir -p "$DATA"
  [ -f "$DATA/corpus.qvec" ] || "$ROOT/quarry" generate --kind clustered --count 1000000 --dim 384 \
    --output "$DATA/corpus.qvec" --queries 20000 --queries-output "$DATA/queries.qvec" >&2
  "$ROOT/quarry" index build --store "$DATA/corpus.qvec" --type ivf --nlist 4096 --max-points-per-centroid 256 \
    --output "$DATA/corpus.qivf" >&2
fi
log "positives: each query's best row at nprobe 64"
serve_positives "$RUN/positives.tsv" "$DATA/corpus.qivf" 16384
log "copying the corpus for the refresh (the re-embedded corpus a trainer would write)"
cp "$DATA/corpus.qvec" "$RUN/corpus-epoch2.qvec"

trap 'serve_stop || true; rm -f "$RUN"/corpus-epoch2*; rm -rf "$RUN/work"' EXIT
log "starting quarry serve (fresh JVM)"
serve_start "$ROOT" "$RUN/server.log" --index "$DATA/corpus.qivf" --nprobe 1 --refresh-dir "$RUN" \
  --work-dir "$RUN/work" || exit 1
log "ready after $READY s"
client() { serve_client "$ROOT" "$RUN/positives.tsv" "$@"; }
percentiles() { serve_percentiles "$1" "$2" "$3" "$RESULTS"; }
client --first 20 --first-out "$RUN/py-first.txt" --calls 0 --out /dev/null
percentiles "$RUN/py-first.txt" "python client, fresh server" "first 20 calls"
log "python client: closed loop"
client --calls "$CALLS" --out "$RUN/py-closed.txt" 2>"$RUN/py-closed.log"
cat "$RUN/py-closed.log" >&2
RATE=$(sed -E 's/.*: ([0-9.]+) calls\/s/\1/' "$RUN/py-closed.log")
HALF=$(echo "$RATE / 2" | bc -l | xargs printf '%.0f')
percentiles "$RUN/py-closed.txt" "python client" "closed loop ($(printf '%.0f' "$RATE")/s)"
log "python client: fixed rate $HALF/s"
client --calls "$CALLS" --rate "$HALF" --out "$RUN/py-rate.txt" 2>&1 | cat >&2
percentiles "$RUN/py-rate.txt" "python client" "fixed $HALF/s"
log "java clients: 8 x closed loop, 10,000 requests, a refresh half-way"
serve_java_bench dev.quarry.bench.latency.ServeLoad --url "$URL" --queries "$DATA/queries.qvec" \
  --positives-file "$RUN/positives.tsv" --batch 64 --threads 8 --requests 10000 \
  --refresh "$RUN/corpus-epoch2.qvec" --label "8 java clients" --json "$RESULTS" >&2
log "overload: $((HALF * 20))/s for 10 s, then $HALF/s"
serve_java_bench dev.quarry.bench.latency.ServeLoad --url "$URL" --queries "$DATA/queries.qvec" \
  --positives-file "$RUN/positives.tsv" --batch 64 --rate "$((HALF * 20))" --seconds 10 \
  --label "overload 10x" --json "$RESULTS" >&2
serve_java_bench dev.quarry.bench.latency.ServeLoad --url "$URL" --queries "$DATA/queries.qvec" \
  --positives-file "$RUN/positives.tsv" --batch 64 --rate "$HALF" --seconds 10 \
  --label "after overload" --json "$RESULTS" >&2
curl -s "$URL/metrics" >"$RUN/metrics.txt"
serve_stop
log "server stopped on SIGTERM with exit code $SERVE_EXIT"
echo "{\"label\": \"server\", \"mode\": \"lifecycle\", \"ready_s\": $READY, \"sigterm_exit\": $SERVE_EXIT}" >>"$RESULTS"

log "peers: Miner in process, FAISS search"
serve_java_bench dev.quarry.bench.latency.LatencyBenchmark --label clustered-1M --corpus "$DATA/corpus.qvec" \
  --queries "$DATA/queries.qvec" --index "$DATA/corpus.qivf" --nprobe 1 --batches 64 --calls "$CALLS" \
  --rates 0.5 --json "$RESULTS" >/dev/null
PYTHONPATH="$FAISS_AVX2_PATH:$ROOT/bench/peers" "$PY" "$ROOT/bench/peers/faiss_latency.py" --dataset clustered-1M \
  --corpus "$DATA/corpus.qvec" --queries "$DATA/queries.qvec" --batches 64 --calls "$CALLS" --rates 0.5 \
  --index ivf --nlist 4096 --nprobe 1 --index-cache "$ROOT/bench/data/latency/index-cache" --json-out "$RESULTS"

CPU="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
MACHINE="$(date +%Y-%m-%d), $CPU, $(nproc) cores, $("$JDK/bin/java" -version 2>&1 | head -1)"
"$PY" "$ROOT/bench/serve_report.py" "$RESULTS" "$MACHINE" >"$ROOT/bench/results/serve.md"
cp "$ROOT/bench/results/serve.md" "$RUN/"
cat "$ROOT/bench/results/serve.md"
log "wrote bench/results/serve.md"
