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
source "$(dirname "${BASH_SOURCE[0]}")/jmh_lib.sh"
jmh_run serve-decode RequestDecodeBenchmark "$@"
/usr/bin/python3 - "$RUN/jmh.json" "$LOAD_BEFORE" "$LOAD_AFTER" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))
print(f"load average {sys.argv[2]} before, {sys.argv[3]} after (2 cores)\n")
print("| benchmark | dim | ns per call | 99.9% interval | iterations min-max |")
print("|---|---|---:|---:|---:|")
for r in runs:
    m = r["primaryMetric"]
    raw = [v for fork in m["rawData"] for v in fork]
    # JMH writes the interval as "NaN" (a string) when a run has one iteration.
    err = m["scoreError"]
    err = f"± {err:,.0f}" if isinstance(err, (int, float)) else "n/a"
    print(f"| {r['benchmark'].rsplit('.', 1)[1]} | {r['params']['dim']} | {m['score']:,.0f} | {err} |"
          f" {min(raw):,.0f}-{max(raw):,.0f} |")
PY
