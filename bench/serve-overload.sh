#!/usr/bin/env bash
# bench/serve.sh's overload part alone, with what it leaves out: the server's heap from its GC log (in use
# before each collection, live after it), its RSS every half second, and a probe call every 100 ms (64
# anchors, Python standard library) from 10 s before the overload until 20 s after its calls were all answered,
# which says how long latency takes to come back, and the live heap (a full collection's class histogram) 5 s into
# the overload and 20 s after the load. Same data, server and load as bench/serve.sh: IVF 1M x 384 clustered, nlist
# 4096, nprobe 1, default limits; 64-anchor calls for 10 s at RATE x 20 per second (10x the closed loop when
# RATE is half of it, as bench/serve.sh computes), then 10 s at RATE. Writes bench/data/serve/overload-<date>/.
#
#   bench/serve-overload.sh [--rate R] [--index FILE] [-- SERVE_OPTION...]
#     R: default 79, half the closed loop of bench/README's last serve run; FILE: an IVF index of the same corpus
#     (default bench/data/latency/clustered-1M/corpus.qivf, as bench/serve.sh builds it); options after -- go to
#     quarry serve (e.g. -- --max-connections 256); QUARRY_JAVA_OPTS=-Xmx... sizes its heap
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HALF=79
DATA="$ROOT/bench/data/latency/clustered-1M"
INDEX="$DATA/corpus.qivf"
SERVE_OPTIONS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) HALF="$2"; shift 2 ;;
    --index) INDEX="$2"; shift 2 ;;
    --) shift; SERVE_OPTIONS=("$@"); break ;;
    *) echo "serve-overload: $1: expected --rate R, --index FILE or -- SERVE_OPTION..." >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3
PORT="${QUARRY_BENCH_PORT:-7741}"
URL="http://127.0.0.1:$PORT"
RUN="$ROOT/bench/data/serve/overload-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
log() { echo "serve-overload: $*" >&2; }
[ -f "$INDEX" ] || { log "no $INDEX: run bench/serve.sh once (it makes the data)"; exit 2; }

JDK="$("$ROOT/quarry" jdk)"
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package)
"$ROOT/quarry" build serve >&2
mapfile -t FLAGS < <("$ROOT/quarry" jvm-flags)
java_bench() { "$JDK/bin/java" "${FLAGS[@]}" -cp "$ROOT/bench/target/quarry-bench.jar" "$@"; }
log "positives: each of 4,096 queries' best row at nprobe 64"
java_bench dev.quarry.bench.latency.ServeLoad --positives "$RUN/positives.tsv" --corpus "$DATA/corpus.qvec" \
  --index "$INDEX" --queries "$DATA/queries.qvec" --count 4096
"$PY" "$ROOT/scripts/lib/hostile_client.py" body "$DATA/queries.qvec" "$RUN/positives.tsv" 64 >"$RUN/probe.bin"

SERVER="" SAMPLER=""
stop_all() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
  [ -n "$SERVER" ] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" || true
  rm -rf "$RUN/work"
}
trap stop_all EXIT
log "starting quarry serve with a GC log"
QUARRY_JAVA_OPTS="${QUARRY_JAVA_OPTS:-} -Xlog:gc:file=$RUN/gc.log" "$ROOT/quarry" serve --corpus "$DATA/corpus.qvec" \
  --index "$INDEX" --nprobe 1 --bind "127.0.0.1:$PORT" --work-dir "$RUN/work" ${SERVE_OPTIONS[@]+"${SERVE_OPTIONS[@]}"} \
  >"$RUN/server.log" 2>&1 &
SERVER=$!
until curl -sf "$URL/v1/health" >/dev/null; do
  kill -0 "$SERVER" 2>/dev/null || { cat "$RUN/server.log" >&2; exit 1; }
  sleep 0.2
done
(while kill -0 "$SERVER" 2>/dev/null; do
   echo "$(date +%s.%N) $(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER/status")"; sleep 0.5
 done) >"$RUN/rss.txt" &
SAMPLER=$!
uptime >"$RUN/uptime.txt"
log "probe from now; overload ($((HALF * 20))/s for 10 s) in 10 s, then $HALF/s for 10 s"
# (the probe alone: no callers of its own, 10 min at most; stopped 20 s after the load ends)
HOSTILE_TIMELINE="$RUN/probe.txt" "$PY" "$ROOT/scripts/lib/hostile_client.py" overload "$URL" "$RUN/probe.bin" 64 \
  0 600 10 0 >/dev/null &
PROBE=$!
sleep 10
date +%s.%N >"$RUN/overload-start.txt"
# The live heap (a full collection's census, jcmd GC.class_histogram) 5 s into the overload and 20 s after the load.
census() { "$JDK/bin/jcmd" "$SERVER" GC.class_histogram >"$RUN/histogram-$1.txt" 2>&1 || true; }
(sleep 5; census during) &
java_bench dev.quarry.bench.latency.ServeLoad --url "$URL" --queries "$DATA/queries.qvec" \
  --positives-file "$RUN/positives.tsv" --batch 64 --rate "$((HALF * 20))" --seconds 10 \
  --label "overload 10x" --json "$RUN/results.jsonl" >&2
date +%s.%N >"$RUN/overload-end.txt"
java_bench dev.quarry.bench.latency.ServeLoad --url "$URL" --queries "$DATA/queries.qvec" \
  --positives-file "$RUN/positives.tsv" --batch 64 --rate "$HALF" --seconds 10 \
  --label "after overload" --json "$RUN/results.jsonl" >&2
sleep 20
census after
kill "$PROBE"; wait "$PROBE" 2>/dev/null || true
uptime >>"$RUN/uptime.txt"
"$PY" - "$RUN" <<'EOF'
import re, sys
run = sys.argv[1]
start = float(open(f"{run}/overload-start.txt").read())
end = float(open(f"{run}/overload-end.txt").read())
probe = [tuple(float(x) if i < 2 else x for i, x in enumerate(line.split())) for line in open(f"{run}/probe.txt")]
before = sorted(lat for t, lat, s in probe if t < start and s == "200")
p50 = before[len(before) // 2] if before else float("nan")  # no answer before: nothing is ever back
after = [(t, lat, s) for t, lat, s in probe if t >= end]
back = next((w[0][0] - end for w in (after[i:i + 5] for i in range(len(after)))
             if len(w) == 5 and all(s == "200" and lat <= 2 * p50 for _, lat, s in w)), None)
gc = [tuple(map(int, m.groups())) for m in re.finditer(r"(\d+)M->(\d+)M\((\d+)M\)", open(f"{run}/gc.log").read())]
rss = [(float(t), int(kb)) for t, kb in (line.split() for line in open(f"{run}/rss.txt") if len(line.split()) == 2)]
during = [kb for t, kb in rss if start <= t <= end + 20]
print(f"probe: {len(before)} answered before, p50 {p50 * 1000:.1f} ms; back to at most 2x it (5 calls in a row) "
      f"{'never' if back is None else f'{max(back, 0):.1f} s'} after the overload's end")
print(f"heap in use before a collection at most {max(g[0] for g in gc)} MiB, live after one at most "
      f"{max(g[1] for g in gc)} MiB, committed at most {max(g[2] for g in gc)} MiB ({len(gc)} collections)")
for when in ("during", "after"):
    lines = open(f"{run}/histogram-{when}.txt").read().splitlines()
    total = next((int(l.split()[2]) for l in lines if l.startswith("Total")), None)
    connections = sum(int(l.split()[1]) for l in lines if l.rstrip().endswith("io.helidon.webserver.http1.Http1Connection"))
    print(f"live heap {'5 s into the overload' if when == 'during' else '20 s after the load'}: "
          f"{'?' if total is None else total >> 20} MiB (full collection), {connections} connections open")
print(f"RSS before the overload {rss[0][1] // 1024} MiB, at most {max(during) // 1024} MiB from its start to 20 s after,"
      f" at the end {rss[-1][1] // 1024} MiB")
print(open(f"{run}/uptime.txt").read().strip())
EOF
cat "$RUN/results.jsonl"
