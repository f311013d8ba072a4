#!/usr/bin/env bash
# What checking a store's rows against its footer costs the whole scan that does it: the JMH benchmark
# RowsCheckBenchmark runs, side by side in one run, the first exact search of a block of queries over a
# freshly opened .qvec (the scan sums the rows' checksum on the way: "checked"), the same search over the same
# mapped rows with nothing to check ("unchecked"), a search over a store already checked ("afterCheck"), and the
# checksum of every row alone ("checksumAlone": the work the check adds, which bounds its cost when the noise of
# fresh mappings hides it).
# Prints a Markdown table (ms per search, mean and JMH's 99.9% interval; checked / unchecked) with the load
# average, and keeps JMH's JSON in bench/data/rows-check/run-<date>/.
#
#   bench/rows-check.sh                 200,000 x 384, blocks of 256 and 64 queries (about 4 minutes)
#   bench/rows-check.sh -p queries=256  any JMH option
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/jmh_lib.sh"
jmh_run rows-check RowsCheckBenchmark "$@"
/usr/bin/python3 - "$RUN/jmh.json" "$LOAD_BEFORE" "$LOAD_AFTER" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))
by = {}
for r in runs:
    name = r["benchmark"].rsplit(".", 1)[1]
    key = (int(r["params"]["rows"]), int(r["params"]["dim"]), int(r["params"]["queries"]))
    m = r["primaryMetric"]
    by.setdefault(key, {})[name] = (m["score"], m["scoreError"], m["rawData"])
print(f"load average {sys.argv[2]} before, {sys.argv[3]} after (2 cores)\n")
print("| rows x dim | queries | unchecked ms | checked ms | after the check ms | checked / unchecked |"
      " checksum alone ms | checksum alone / search after the check |")
print("|---|---|---|---|---|---|---|---|")
for (rows, dim, queries), b in sorted(by.items()):
    u, c, a, k = b["unchecked"], b["checked"], b["afterCheck"], b["checksumAlone"]
    # JMH writes the interval as "NaN" (a string) when a run has one iteration.
    cell = lambda v: f"{v[0]:.1f} ± {v[1]:.1f}" if isinstance(v[1], (int, float)) else f"{v[0]:.1f}"
    print(f"| {rows:,} x {dim} | {queries} | {cell(u)} | {cell(c)} | {cell(a)} | {c[0] / u[0]:.3f} | {cell(k)} |"
          f" {k[0] / a[0]:.3f} |")
PY
