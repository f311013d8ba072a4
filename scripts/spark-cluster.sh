#!/usr/bin/env bash
# A Spark standalone cluster on this machine, to run quarry spark-mine on executors in JVMs of their own: a
# Master and two Workers of one core each, every one its own JVM bound to 127.0.0.1, started from the Spark
# jars tools/spark builds with (no Spark distribution to install). The workers' SPARK_HOME is laid out from
# those jars (jars/, an empty RELEASE, SPARK_SCALA_VERSION=2.13: what a Worker needs to start executors); it
# holds Spark only, as a cluster's would: spark-mine and spark-submit ship Quarry's jars to the executors.
#
#   scripts/spark-cluster.sh start [--dir DIR] [--workers N] [--lifetime SECONDS]   prints the master URL
#   scripts/spark-cluster.sh stop [--dir DIR]                                         stops every JVM it started
#
# DIR (default /tmp/quarry-spark-cluster) holds the SPARK_HOME, the logs (master.log, worker-N.log, the
# executors' under work-N/), the pids and master-url. --lifetime kills the cluster's JVMs after that many
# seconds whatever happens (tests use it, so a killed test cannot leave a cluster running). Needs the built
# module: `./quarry build spark` (run here when tools/spark/target/lib is missing).
# Exit code: 0; 1 when a JVM did not start within 60 s (its log's last lines are printed); 2 for bad usage.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { echo "usage: scripts/spark-cluster.sh start|stop [--dir DIR] [--workers N] [--lifetime SECONDS]" >&2; exit 2; }
[ $# -ge 1 ] || usage
ACTION="$1"
shift
DIR=/tmp/quarry-spark-cluster
WORKERS=2
LIFETIME=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="${2:?--dir needs a directory}"; shift 2 ;;
    --workers) WORKERS="${2:?--workers needs a count}"; shift 2 ;;
    --lifetime) LIFETIME="${2:?--lifetime needs seconds}"; shift 2 ;;
    *) usage ;;
  esac
done
case "$WORKERS" in ''|*[!0-9]*|0) echo "spark-cluster: --workers=$WORKERS, expected a count >= 1" >&2; exit 2 ;; esac
case "$LIFETIME" in *[!0-9]*) echo "spark-cluster: --lifetime=$LIFETIME, expected seconds" >&2; exit 2 ;; esac
DEADLINE_S=60

# Stops the JVMs whose pids DIR/pids lists, with the executors the workers started: TERM, then KILL after 15 s.
stop_cluster() {
  [ -f "$DIR/pids" ] || return 0
  local pids=() pid children
  while read -r pid; do
    [ -n "$pid" ] || continue
    children="$(pgrep -P "$pid" 2>/dev/null || true)" # the executors of a worker; the JVM under `timeout`
    for child in $children; do pids+=("$child" $(pgrep -P "$child" 2>/dev/null || true)); done
    pids+=("$pid")
  done < "$DIR/pids"
  [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null || true
  local waited=0
  while [ $waited -lt 150 ] && kill -0 "${pids[@]}" 2>/dev/null; do sleep 0.1; waited=$((waited + 1)); done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  rm -f "$DIR/pids" "$DIR/master-url"
}

# Waits until FILE holds a line matching PATTERN (or the process PID died, or 60 s passed); prints the line.
await_line() {
  local file="$1" pattern="$2" pid="$3" what="$4" waited=0 line
  while [ $waited -lt $((DEADLINE_S * 10)) ]; do
    line="$(grep -m1 -E "$pattern" "$file" 2>/dev/null || true)"
    if [ -n "$line" ]; then echo "$line"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "spark-cluster: the $what did not start within ${DEADLINE_S}s; the last lines of $file:" >&2
  tail -n 30 "$file" >&2 || true
  stop_cluster
  exit 1
}

case "$ACTION" in
  stop)
    stop_cluster
    echo "spark-cluster: stopped (logs kept in $DIR)" >&2
    exit 0
    ;;
  start) ;;
  *) usage ;;
esac

LIB="$ROOT/tools/spark/target/lib"
JACKSON="$ROOT/tools/spark/target/spark-jackson"
if [ ! -d "$LIB" ] || [ ! -d "$JACKSON" ]; then
  "$ROOT/quarry" build spark
fi
if [ -f "$DIR/pids" ] && xargs kill -0 < "$DIR/pids" 2>/dev/null; then
  echo "spark-cluster: a cluster started in $DIR is running ($(cat "$DIR/master-url" 2>/dev/null)): stop it first" >&2
  exit 1
fi
JDK="$("$ROOT/quarry" jdk)"
mapfile -t FLAGS < <("$ROOT/quarry" jvm-flags spark)
mkdir -p "$DIR"
rm -rf "$DIR/spark-home" "$DIR"/*.log "$DIR"/work-*
mkdir -p "$DIR/spark-home/jars"
# Spark and the Jackson it runs on (quarry.jar carries Jackson for Quarry; a Spark distribution brings its own).
ln -s "$LIB"/*.jar "$JACKSON"/*.jar "$DIR/spark-home/jars/"
: > "$DIR/spark-home/RELEASE"
: > "$DIR/pids"
export SPARK_HOME="$DIR/spark-home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
LIMIT=()
[ -n "$LIFETIME" ] && LIMIT=(timeout -s KILL "$LIFETIME")

# Starts one daemon JVM (CLASS ARGS...) logging to LOG, in its own process group; records its pid.
daemon() {
  local log="$1"
  shift
  setsid "${LIMIT[@]}" "$JDK/bin/java" -Xmx256m "${FLAGS[@]}" -cp "$SPARK_HOME/jars/*" "$@" \
    >"$log" 2>&1 </dev/null &
  echo $! >> "$DIR/pids"
  LAST_PID=$!
}

daemon "$DIR/master.log" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0
line="$(await_line "$DIR/master.log" 'Starting Spark master at spark://' "$LAST_PID" master)"
URL="spark://${line##*spark://}"
URL="${URL%%[[:space:]]*}"
for i in $(seq 1 "$WORKERS"); do
  daemon "$DIR/worker-$i.log" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 --webui-port 0 \
    --cores 1 --memory 1536m --work-dir "$DIR/work-$i" "$URL"
  await_line "$DIR/worker-$i.log" 'Successfully registered with master' "$LAST_PID" "worker $i" >/dev/null
done
echo "$URL" > "$DIR/master-url"
echo "spark-cluster: master $URL and $WORKERS workers of 1 core running (logs and pids in $DIR)" >&2
echo "$URL"
