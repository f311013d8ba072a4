#!/usr/bin/env bash
# What reading a mining request costs the server per call: the JMH benchmark RequestDecodeBenchmark decodes JSON
# bodies through the server's own decoder (MineRequestDecoder) into the request schema, each call with its own
# seed: "optionsOnly" (one anchor of 4 numbers and the options a trainer sets) and "typical" (the same options
# with 64 anchors of 384 numbers, the Python client's JSON shape).
# Prints a Markdown table (ns per call, mean, JMH's 99.9% interval, min-max of the iterations) with the load
# average, and keeps JMH's JSON in bench/data/serve-decode/run-<date>/.
#
#   bench/serve-decode.sh            2 forks x 5 iterations of 2 s per benchmark (about 1 minute)
#   bench/serve-decode.sh -f 1       any JMH option
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/bench/data/serve-decode/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
JDK="$("$ROOT/quarry" jdk)"
echo "serve-decode: building the bench jar" >&2
(cd "$ROOT" && JAVA_HOME="$JDK" mvn -B -q -ntp -DskipTests -pl bench -am package)
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
"$JDK/bin/java" -jar "$ROOT/bench/target/quarry-bench.jar" RequestDecodeBenchmark -rf json -rff "$RUN/jmh.json" "$@" \
  >"$RUN/jmh.log" 2>&1 || { tail -30 "$RUN/jmh.log" >&2; exit 1; }
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$RUN/jmh.json" "$LOAD_BEFORE" "$LOAD_AFTER" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))
print(f"load average {sys.argv[2]} before, {sys.argv[3]} after (2 cores)\n")
print("| benchmark | dim | ns per call | 99.9% interval | iterations min-max |")
print("|---|---|---:|---:|---:|")
for r in runs:
    m = r["primaryMetric"]
    raw = [v for fork in m["rawData"] for v in fork]
    print(f"| {r['benchmark'].rsplit('.', 1)[1]} | {r['params']['dim']} | {m['score']:,.0f} | ± {m['scoreError']:,.0f} |"
          f" {min(raw):,.0f}-{max(raw):,.0f} |")
PY
