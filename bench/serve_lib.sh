# Sourced by bench/serve.sh and bench/serve-ab.sh: a quarry serve of some checkout on the 1M clustered set, the
# Python client's calls to it, and their percentiles.
#   serve_setup                        the JDK, the JVM flags and the bench jar of this checkout (it times and reports)
#   serve_java_bench ARGS...           a class of this checkout's bench jar
#   serve_positives OUT INDEX COUNT    each of COUNT queries' best row at nprobe 64 (the calls' positives)
#   serve_start TREE LOG ARGS...       TREE/quarry serve ARGS on 127.0.0.1:$PORT, waited for until healthy; sets
#                                      SERVER and READY (seconds from start to healthy)
#   serve_stop                         SIGTERM, waited for; sets SERVE_EXIT
#   serve_client TREE POSITIVES ARGS   TREE's bench/serve_client.py (with TREE's Python client), 64-anchor calls
#   serve_percentiles RAW LABEL MODE JSON   HdrHistogram percentiles of RAW (microseconds) as one JSON line
# Needs ROOT (this checkout), PORT; DATA (default bench/data/latency/clustered-1M).
PY=/usr/bin/python3
DATA="${DATA:-$ROOT/bench/data/latency/clustered-1M}"
URL="http://127.0.0.1:$PORT"
SERVER=""

serve_setup() {
  "$PY" -c 'import numpy' 2>/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy >&2
  JDK="$("$ROOT/quarry" jdk)"
  echo "serve: building the bench jar" >&2
  (cd "$ROOT" && JAVA_HOME="$JDK" mvn -B -q -ntp -DskipTests -pl bench -am package)
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
