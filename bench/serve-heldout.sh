#!/usr/bin/env bash
# What watching held-out recall adds to a refresh of quarry serve: the same refreshes (a re-embedded
# corpus: a copy of the corpus, rows reassigned to the index's centroids) timed from POST /v1/refresh
# until /v1/status says refreshing=false, by a server without a held-out set and by one with
# --heldout-queries (HELDOUT queries, exact recall@10/@100 and nDCG@10 over every row after each swap).
# IVF 1M x 384 clustered (bench/serve.sh's data). The relevant document of each held-out query is a row
# drawn with a seed: an exact search costs the same whatever it finds. Prints one line per refresh and
# the ratio of the median refresh times (same run, same machine); the server logs stay in
# bench/data/serve-heldout/run-<date>/.
#
#   bench/serve-heldout.sh [--refreshes N] [--heldout N] [--data DIR]
#     (default 2 refreshes, 2000 held-out queries, DIR bench/data/latency/clustered-1M: corpus.qvec,
#     corpus.qivf and queries.qvec, ids beside them when they have any)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REFRESHES=2
HELDOUT=2000
DATA="$ROOT/bench/data/latency/clustered-1M"
while [ $# -gt 0 ]; do
  case "$1" in
    --refreshes) REFRESHES="$2"; shift 2 ;;
    --heldout) HELDOUT="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    *) echo "usage: bench/serve-heldout.sh [--refreshes N] [--heldout N] [--data DIR]" >&2; exit 2 ;;
  esac
done
PORT="${QUARRY_BENCH_PORT:-7732}"
URL="http://127.0.0.1:$PORT"
RUN="$ROOT/bench/data/serve-heldout/run-$(date +%Y%m%d-%H%M%S)"
log() { echo "serve-heldout: $*" >&2; }
if [ ! -f "$DATA/corpus.qivf" ] || [ ! -f "$DATA/queries.qvec" ]; then
  echo "serve-heldout: $DATA/corpus.qvec, corpus.qivf and queries.qvec are missing: run bench/serve.sh first" >&2
  exit 3
fi
mkdir -p "$RUN"
"$ROOT/quarry" build serve >&2
/usr/bin/python3 - "$HELDOUT" "$RUN/heldout.tsv" "$DATA" <<'EOF'
import os, random, struct, sys
n, out, data = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def ids(name):
    path = os.path.join(data, name + ".ids")
    if os.path.exists(path):
        return open(path, encoding="utf-8").read().splitlines()
    with open(os.path.join(data, name), "rb") as f:  # .qvec header: magic, version, dim, count
        f.read(8)
        _, count = struct.unpack("<IQ", f.read(12))
    return [str(i) for i in range(count)]
queries, docs = ids("queries.qvec"), ids("corpus.qvec")
r = random.Random(1)
with open(out, "w", encoding="utf-8") as f:
    f.writelines(f"{queries[q]}\t{docs[r.randrange(len(docs))]}\t1\n" for q in r.sample(range(len(queries)), n))
EOF
log "copying the corpus for the refreshes (the re-embedded corpus a trainer would write)"
cp "$DATA/corpus.qvec" "$RUN/corpus-epoch2.qvec"
SERVER=""
stop_server() { [ -n "$SERVER" ] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" || true; SERVER=""; }
trap 'stop_server; rm -f "$RUN/corpus-epoch2.qvec"; rm -rf "$RUN"/work-*' EXIT

status_field() { curl -sf "$URL/v1/status" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

for mode in without with; do
  extra=()
  [ "$mode" = with ] && extra=(--heldout-queries "$DATA/queries.qvec" --heldout-qrels "$RUN/heldout.tsv")
  log "starting a server $mode the held-out monitor (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  "$ROOT/quarry" serve --corpus "$DATA/corpus.qvec" --index "$DATA/corpus.qivf" --nprobe 1 --bind "127.0.0.1:$PORT" \
    --refresh-dir "$RUN" --work-dir "$RUN/work-$mode" "${extra[@]}" >"$RUN/server-$mode.log" 2>&1 &
  SERVER=$!
  until curl -sf "$URL/v1/health" >/dev/null; do
    kill -0 "$SERVER" 2>/dev/null || { cat "$RUN/server-$mode.log" >&2; exit 1; }
    sleep 0.5
  done
  for i in $(seq 1 "$REFRESHES"); do
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    start=$(date +%s.%N)
    curl -sf -X POST "$URL/v1/refresh" -H 'Content-Type: application/json' -d '{"corpus": "corpus-epoch2.qvec"}' >/dev/null
    until [ "$(status_field refreshing)" = False ]; do sleep 0.2; done
    end=$(date +%s.%N)
    echo "$mode refresh $i: $(echo "$end - $start" | bc) s (load $load)" | tee -a "$RUN/refreshes.txt"
  done
  stop_server
done
grep -h "refreshed in\|held-out recall" "$RUN"/server-*.log >&2 || true
/usr/bin/python3 - "$RUN/refreshes.txt" <<'EOF'
import statistics, sys
times = {"with": [], "without": []}
for line in open(sys.argv[1]):
    mode, _, _, seconds, *_ = line.split()
    times[mode].append(float(seconds))
w, wo = statistics.median(times["with"]), statistics.median(times["without"])
print(f"median refresh: {wo:.1f} s without the monitor {times['without']}, {w:.1f} s with {times['with']}: "
      f"ratio {w / wo:.3f} (+{100 * (w / wo - 1):.1f}%)")
EOF
