#!/usr/bin/env bash
# What watching held-out recall costs quarry serve: the same refreshes (a re-embedded corpus: a copy of the
# corpus, rows reassigned to the index's centroids) on a server without a held-out set and on one with
# --heldout-queries (HELDOUT queries, exact recall@10/@100 and nDCG@10 over every row, measured after each
# refresh on the monitor's own thread), with closed-loop mine calls (BATCH anchors each) running all the
# time. Per refresh (bench/serve_heldout_run.py): the refresh's wall time (POST /v1/refresh until the new
# version serves), the time until its held-out figures are in, and the mine calls' p50/p99/max before the
# refresh, during it, during the evaluation after it, and after; the page cache at the POST (the machine's, the
# refresh's source file's share) and what the machine read from and wrote to the disk during the refresh.
# The POSTs come every PERIOD seconds, the first PERIOD seconds after the server's launch, for both servers
# alike, so that the evaluation (which only the watching server runs between its refreshes) does not space one
# server's refreshes further apart than the other's. IVF 1M x 384 clustered (bench/serve.sh's data). The
# relevant document of each held-out query is a row drawn with a seed: an exact search costs the same whatever
# it finds. The two servers run in ROUNDS rounds of N refreshes each, the order alternating from round to
# round (without first, then with first; --monitor-first starts with the watching server), so that the order's
# effect leaves the ratio. Prints, per server, every refresh's wall time, the median and the spread, the phases
# the server timed itself (its "refresh phases" log lines: copy, check, assign, write, open, total), the ratios
# of the medians (same run, same machine), and the page cache figures; the lines and server logs stay in
# bench/data/serve-heldout/run-<date>/.
#
#   bench/serve-heldout.sh [--refreshes N] [--rounds R] [--heldout N] [--data DIR] [--batch N] [--idle S] [--period S] [--monitor-first] [--settle] [--cold-source]
#     (default 5 refreshes a server a round, 2 rounds: 10 refreshes a server; 2000 held-out queries, DIR
#     bench/data/latency/clustered-1M: corpus.qvec, corpus.qivf and queries.qvec, ids beside them when they
#     have any; 64 anchors a call; 10 s of load alone before and after each refresh; a POST every 90 s, which
#     must hold a refresh, its evaluation and twice the idle time (a POST that comes late says so in its line
#     and the summary); --settle: every dirty page of the machine written out after each refresh's after phase,
#     so that no refresh meets the writeback of an earlier version's files; the refresh's file read through
#     shortly before each POST, as a trainer's just-written file is in the page cache, unless --cold-source:
#     bench/serve_heldout_run.py)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REFRESHES=5
ROUNDS=2
HELDOUT=2000
BATCH=64
IDLE=10
PERIOD=90
MODES="without with"
SETTLE=()
COLD=()
DATA="$ROOT/bench/data/latency/clustered-1M"
while [ $# -gt 0 ]; do
  case "$1" in
    --refreshes) REFRESHES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --heldout) HELDOUT="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --idle) IDLE="$2"; shift 2 ;;
    --period) PERIOD="$2"; shift 2 ;;
    --monitor-first) MODES="with without"; shift ;;
    --settle) SETTLE=(--settle); shift ;;
    --cold-source) COLD=(--cold-source); shift ;;
    *) echo "usage: bench/serve-heldout.sh [--refreshes N] [--rounds R] [--heldout N] [--data DIR] [--batch N] [--idle S] [--period S] [--monitor-first] [--settle] [--cold-source]" >&2; exit 2 ;;
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

reverse() { local out=""; for m in $1; do out="$m $out"; done; echo $out; }
order="$MODES"
for round in $(seq 1 "$ROUNDS"); do
 for mode in $order; do
  extra=()
  [ "$mode" = with ] && extra=(--heldout-queries "$DATA/queries.qvec" --heldout-qrels "$RUN/heldout.tsv")
  log "round $round of $ROUNDS: starting a server $mode the held-out monitor (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  started="$(date +%s.%N)"  # the first POST comes PERIOD seconds after this, for either server
  "$ROOT/quarry" serve --corpus "$DATA/corpus.qvec" --index "$DATA/corpus.qivf" --nprobe 1 --bind "127.0.0.1:$PORT" \
    --refresh-dir "$RUN" --work-dir "$RUN/work-$mode-$round" "${extra[@]}" >"$RUN/server-$mode-$round.log" 2>&1 &
  SERVER=$!
  until curl -sf "$URL/v1/health" >/dev/null; do
    kill -0 "$SERVER" 2>/dev/null || { cat "$RUN/server-$mode-$round.log" >&2; exit 1; }
    sleep 0.5
  done
  /usr/bin/python3 "$ROOT/bench/serve_heldout_run.py" --url "$URL" --mode "$mode" --round "$round" \
    --queries "$DATA/queries.qvec" --corpus corpus-epoch2.qvec --refresh-dir "$RUN" --refreshes "$REFRESHES" \
    --batch "$BATCH" --idle "$IDLE" --period "$PERIOD" --started "$started" --out "$RUN/refreshes.txt" \
    ${SETTLE[@]+"${SETTLE[@]}"} ${COLD[@]+"${COLD[@]}"}
  stop_server
 done
 order="$(reverse "$order")"
done
grep -h "refresh phases\|held-out recall" "$RUN"/server-*.log >&2 || true
/usr/bin/python3 "$ROOT/bench/serve_heldout_summary.py" "$RUN"
