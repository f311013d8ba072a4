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
PY=/usr/bin/python3
PORT="${QUARRY_BENCH_PORT:-7731}"
URL="http://127.0.0.1:$PORT"
DATA="$ROOT/bench/data/latency/clustered-1M"
RUN="$ROOT/bench/data/serve/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN" "$ROOT/bench/results"
RESULTS="$RUN/results.jsonl"
log() { echo "serve-bench: $*" >&2; }

"$PY" -c 'import numpy' 2>/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy >&2
unset OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS OMP_NUM_THREADS
"$ROOT/bench/peers/blas.sh" >"$RUN/blas.txt"
FAISS_AVX2_PATH="$("$ROOT/bench/peers/build-faiss.sh" | tail -1)"
JDK="$("$ROOT/quarry" jdk)"
log "building the bench jar and the serve module"
(cd "$ROOT" && JAVA_HOME="$JDK" mvn -B -q -ntp -DskipTests -pl bench -am package)
"$ROOT/quarry" build serve >&2
mapfile -t FLAGS < <("$ROOT/quarry" jvm-flags)
java_bench() { "$JDK/bin/java" "${FLAGS[@]}" -cp "$ROOT/bench/target/quarry-bench.jar" "$@"; }

if [ ! -f "$DATA/corpus.qivf" ]; then
  mkdir -p "$DATA"
  [ -f "$DATA/corpus.qvec" ] || "$ROOT/quarry" generate --kind clustered --count 1000000 --dim 384 \
    --output "$DATA/corpus.qvec" --queries 20000 --queries-output "$DATA/queries.qvec" >&2
  "$ROOT/quarry" index build --store "$DATA/corpus.qvec" --type ivf --nlist 4096 --max-points-per-centroid 256 \
    --output "$DATA/corpus.qivf" >&2
fi
log "positives: each query's best row at nprobe 64"
java_bench dev.quarry.bench.latency.ServeLoad --positives "$RUN/positives.tsv" --corpus "$DATA/corpus.qvec" \
  --index "$DATA/corpus.qivf" --queries "$DATA/queries.qvec" --count 16384 2>/dev/null
log "copying the corpus for the refresh (the re-embedded corpus a trainer would write)"
cp "$DATA/corpus.qvec" "$RUN/corpus-epoch2.qvec"

SERVER=""
stop_server() { [ -n "$SERVER" ] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" || true; SERVER=""; }
trap 'stop_server; rm -f "$RUN"/corpus-epoch2*; rm -rf "$RUN/work"' EXIT
log "starting quarry serve (fresh JVM)"
start=$(date +%s.%N)
"$ROOT/quarry" serve --corpus "$DATA/corpus.qvec" --index "$DATA/corpus.qivf" --nprobe 1 \
  --bind "127.0.0.1:$PORT" --refresh-dir "$RUN" --work-dir "$RUN/work" >"$RUN/server.log" 2>&1 &
SERVER=$!
until curl -sf "$URL/v1/health" >/dev/null; do
  kill -0 "$SERVER" 2>/dev/null || { cat "$RUN/server.log" >&2; exit 1; }
  sleep 0.05
done
READY=$(echo "$(date +%s.%N) - $start" | bc)
log "ready after $READY s"
client() { "$PY" "$ROOT/bench/serve_client.py" --url "$URL" --queries "$DATA/queries.qvec" \
  --positives "$RUN/positives.tsv" --batch 64 "$@"; }
percentiles() { java_bench dev.quarry.bench.latency.ServeLoad --percentiles "$1" --label "$2" --mode "$3" \
  --json "$RESULTS" >/dev/null; }
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
java_bench dev.quarry.bench.latency.ServeLoad --url "$URL" --queries "$DATA/queries.qvec" \
  --positives-file "$RUN/positives.tsv" --batch 64 --threads 8 --requests 10000 \
  --refresh "$RUN/corpus-epoch2.qvec" --label "8 java clients" --json "$RESULTS" >&2
log "overload: $((HALF * 20))/s for 10 s, then $HALF/s"
java_bench dev.quarry.bench.latency.ServeLoad --url "$URL" --queries "$DATA/queries.qvec" \
  --positives-file "$RUN/positives.tsv" --batch 64 --rate "$((HALF * 20))" --seconds 10 \
  --label "overload 10x" --json "$RESULTS" >&2
java_bench dev.quarry.bench.latency.ServeLoad --url "$URL" --queries "$DATA/queries.qvec" \
  --positives-file "$RUN/positives.tsv" --batch 64 --rate "$HALF" --seconds 10 \
  --label "after overload" --json "$RESULTS" >&2
curl -s "$URL/metrics" >"$RUN/metrics.txt"
kill -TERM "$SERVER"
set +e; wait "$SERVER"; EXIT=$?; set -e
SERVER=""
log "server stopped on SIGTERM with exit code $EXIT"
echo "{\"label\": \"server\", \"mode\": \"lifecycle\", \"ready_s\": $READY, \"sigterm_exit\": $EXIT}" >>"$RESULTS"

log "peers: Miner in process, FAISS search"
java_bench dev.quarry.bench.latency.LatencyBenchmark --label clustered-1M --corpus "$DATA/corpus.qvec" \
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
