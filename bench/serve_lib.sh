# Sourced by bench/serve.sh, serve-ab.sh, serve-parts.sh and serve-cache.sh: a quarry serve of some checkout on
# the 1M clustered set, the Python client's calls to it, and their percentiles.
#   serve_setup                        the JDK, the JVM flags and the bench jar of this checkout (it times and reports)
#   serve_java_bench ARGS...           a class of this checkout's bench jar
#   serve_positives OUT INDEX COUNT    each of COUNT queries' best row at nprobe 64 (the calls' positives)
#   serve_start TREE LOG ARGS...       TREE/quarry serve ARGS on 127.0.0.1:$PORT, waited for until healthy; sets
#                                      SERVER and READY (seconds from start to healthy)
#   serve_stop                         SIGTERM, waited for; sets SERVE_EXIT
#   serve_client TREE POSITIVES ARGS   TREE's bench/serve_client.py (with TREE's Python client), 64-anchor calls
#   serve_percentiles RAW LABEL MODE JSON   HdrHistogram percentiles of RAW (microseconds) as one JSON line
#   serve_probe_start NAME             for bench/serve-parts.sh and bench/serve-cache.sh: checks the data, makes
#                                      RUN=bench/data/NAME/run-<date> with its report's head, the 16,384 calls'
#                                      POSITIVES, and starts this checkout's server on INDEX at NPROBE
# Needs ROOT (this checkout), PORT; DATA (a directory of corpus.qvec and queries.qvec; default
# bench/data/latency/clustered-1M), INDEX (default DATA/corpus.qivf, its nlist 4096 index) and NPROBE (default 1).
PY=/usr/bin/python3
DATA="${DATA:-$ROOT/bench/data/latency/clustered-1M}"
INDEX="${INDEX:-$DATA/corpus.qivf}"
NPROBE="${NPROBE:-1}"
URL="http://127.0.0.1:$PORT"
SERVER=""

serve_setup() {
  "$PY" -c 'import numpy' 2>/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy >&2
  JDK="$("$ROOT/quarry" jdk)"
  echo "serve: building the bench jar" >&2
  (cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package)
  mapfile -t FLAGS < <("$ROOT/quarry" jvm-flags)
}

serve_java_bench() { "$JDK/bin/java" "${FLAGS[@]}" -cp "$ROOT/bench/target/quarry-bench.jar" "$@"; }

serve_positives() {
  serve_java_bench dev.quarry.bench.latency.ServeLoad --positives "$1" --corpus "$DATA/corpus.qvec" \
    --index "$2" --queries "$DATA/queries.qvec" --count "$3" 2>/dev/null
}

serve_start() {
  local tree="$1" log="$2" start
  shift 2
  start=$(date +%s.%N)
  "$tree/quarry" serve --corpus "$DATA/corpus.qvec" --bind "127.0.0.1:$PORT" "$@" >"$log" 2>&1 &
  SERVER=$!
  until curl -sf "$URL/v1/health" >/dev/null; do
    kill -0 "$SERVER" 2>/dev/null || { cat "$log" >&2; SERVER=""; return 1; }
    sleep 0.05
  done
  READY=$(echo "$(date +%s.%N) - $start" | bc)
}

serve_stop() {
  SERVE_EXIT=""
  [ -n "$SERVER" ] || return 0
  kill -TERM "$SERVER" 2>/dev/null
  set +e; wait "$SERVER"; SERVE_EXIT=$?; set -e
  SERVER=""
}

serve_client() {
  local tree="$1" positives="$2"
  shift 2
  "$PY" "$tree/bench/serve_client.py" --url "$URL" --queries "$DATA/queries.qvec" --positives "$positives" \
    --batch 64 "$@"
}

serve_percentiles() {
  serve_java_bench dev.quarry.bench.latency.ServeLoad --percentiles "$1" --label "$2" --mode "$3" --json "$4" >/dev/null
}

serve_probe_start() {
  local name="$1" f
  for f in "$DATA/corpus.qvec" "$DATA/queries.qvec" "$INDEX"; do
    [ -f "$f" ] || { echo "$name: no $f: bench/serve.sh makes the data" >&2; exit 2; }
  done
  RUN="$ROOT/bench/data/$name/run-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$RUN"
  serve_setup
  "$ROOT/quarry" build serve >&2
  POSITIVES="$ROOT/bench/data/serve-parts/positives-16384-$(basename "$DATA").tsv"
  if [ ! -f "$POSITIVES" ]; then
    mkdir -p "$(dirname "$POSITIVES")"
    echo "$name: positives: each of 16,384 queries' best row at nprobe 64" >&2
    serve_positives "$POSITIVES.tmp-$$" "$INDEX" 16384 && mv "$POSITIVES.tmp-$$" "$POSITIVES"
  fi
  trap 'serve_stop || true; rm -rf "$RUN/work"' EXIT
  { echo "commit $(git -C "$ROOT" rev-parse --short HEAD), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
    echo "corpus $DATA/corpus.qvec, index $INDEX, nprobe $NPROBE"
    echo "load before $(cut -d' ' -f1-3 /proc/loadavg)"; } >"$RUN/report.txt"
  serve_start "$ROOT" "$RUN/server.log" --index "$INDEX" --nprobe "$NPROBE" --work-dir "$RUN/work" || exit 1
}
