#!/usr/bin/env bash
# Negatives store throughput: gets/s and puts/s of one process alone, and of two processes sharing one
# store at once (a writer and a reader, two readers, two writers), each process one thread, beside the
# same operations on an on-heap ConcurrentHashMap in one process (the baseline). Anchors are picked at
# random among ANCHORS (default 1,000,000) filled first; values are 8 negatives with 10-byte ids.
# Prints a Markdown table (median [min-max] over REPEATS runs of SECONDS each) and keeps the raw JSON
# lines in bench/data/store/run-<date>/.
#
#   bench/store.sh [ANCHORS] [REPEATS] [SECONDS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ANCHORS="${1:-1000000}"
REPEATS="${2:-3}"
SECONDS_EACH="${3:-5}"
RUN="$ROOT/bench/data/store/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
RAW="$RUN/results.jsonl"
JDK="$("$ROOT/quarry" jdk)"
echo "store: building the bench jar" >&2
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package)
mapfile -t FLAGS < <("$ROOT/quarry" jvm-flags)
STORE="$RUN/negatives.cmap"
run() { # label args... : one process, its JSON line tagged with the label
  "$JDK/bin/java" "${FLAGS[@]}" -Xmx1g -cp "$ROOT/bench/target/quarry-bench.jar" \
    dev.quarry.bench.store.StoreThroughput --anchors "$ANCHORS" --seconds "$SECONDS_EACH" "${@:2}" 2>/dev/null \
    | sed "s/^{/{\"case\":\"$1\",/"
}
echo "store: filling $ANCHORS anchors" >&2
run fill --store "$STORE" --op fill >>"$RAW"
for r in $(seq "$REPEATS"); do
  echo "store: round $r of $REPEATS" >&2
  run "heap get, 1 process" --heap --op get >>"$RAW"
  run "heap put, 1 process" --heap --op put >>"$RAW"
  run "get, 1 process" --store "$STORE" --op get >>"$RAW"
  run "put, 1 process" --store "$STORE" --op put >>"$RAW"
  { run "put + get, 2 processes" --store "$STORE" --op put --seed 2 &
    run "put + get, 2 processes" --store "$STORE" --op get --seed 3 & wait; } >>"$RAW"
  { run "get + get, 2 processes" --store "$STORE" --op get --seed 4 &
    run "get + get, 2 processes" --store "$STORE" --op get --seed 5 & wait; } >>"$RAW"
  { run "put + put, 2 processes" --store "$STORE" --op put --seed 6 &
    run "put + put, 2 processes" --store "$STORE" --op put --seed 7 & wait; } >>"$RAW"
done
ls -l "$STORE" >"$RUN/store-size.txt"
rm -f "$STORE" "$STORE.quarry-users"
/usr/bin/python3 - "$RAW" "$ANCHORS" "$(nproc)" <<'PY'
import json, statistics, sys
from collections import defaultdict
rows = [json.loads(l) for l in open(sys.argv[1])]
fill = next(r for r in rows if r["case"] == "fill")
by = defaultdict(lambda: defaultdict(list))
for r in rows[1:]:
    by[r["case"]][r["op"]].append(r["ops_per_s"])
def spread(v):
    return f"{statistics.median(v)/1e3:,.0f}k [{min(v)/1e3:,.0f}k-{max(v)/1e3:,.0f}k]"
heap = {op: statistics.median(by[f"heap {op}, 1 process"][op]) for op in ("get", "put")}
print(f"{int(sys.argv[2]):,} anchors, {sys.argv[3]} cores, one thread per process; filled at "
      f"{fill['ops_per_s']/1e3:,.0f}k puts/s. Ops/s per process, median [min-max] of the runs; "
      "ratio: the median against the on-heap map's in the same run.\n")
print("| case | gets/s | puts/s | ratio to on-heap map |")
print("|---|---|---|---|")
for case, ops in by.items():
    n = 2 if "2 processes" in case else 1
    cells = []
    ratio = []
    for op in ("get", "put"):
        v = ops.get(op)
        if not v:
            cells.append("·")
            continue
        # with two processes of the same op, each run gave two lines: per-process figures
        cells.append(spread(v) + (" each" if n == 2 and len(ops) == 1 else ""))
        if not case.startswith("heap"):
            ratio.append(f"{op} {statistics.median(v)/heap[op]:.2f}x")
    print(f"| {case} | {cells[0]} | {cells[1]} | {', '.join(ratio) or '1.00x'} |")
PY
