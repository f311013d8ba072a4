#!/usr/bin/env bash
# quarry serve of two commits, A (old) and B (new), timed alternately in one window on the same data: for each pair
# A then B, a fresh server of that commit, 20 warm-up calls, CALLS 64-anchor calls from that commit's Python client
# in a closed loop, then CALLS at a fixed RATE (the same for every leg: half the first A leg's closed loop unless
# given). Percentiles from HdrHistogram (this checkout's ServeLoad, as bench/serve.sh reports them), and the ratio
# new/old of p50, p99 and max per pair and mode. Each commit is built once, from `git archive`, into
# bench/data/serve-ab/tree-<commit>/ (kept for the next run). IVF 1M x 384 clustered, nprobe 1, as bench/serve.sh.
# Writes bench/data/serve-ab/run-<date>/ (results.jsonl, report.md) and prints the report.
# With --first-call a leg is instead a fresh server's first calls against its steady p50: its first 2 calls, timed
# apart, then CALLS calls in a closed loop (HdrHistogram p50/p99/max), the first over the p50 per leg; with
# --refresh too, the same once more after a refresh to a copy of the corpus (the client waits for the new version,
# then times its first 2 calls and CALLS more). These legs use this checkout's bench/serve_client.py and Python client
# for both commits.
# With --interleaved both servers run at once (ports PORT and PORT+1) and the calls alternate between them call by
# call, each commit's own client (bench/serve_ab_interleaved.py): what changes minute to minute on a shared machine
# (other jobs, the page cache) then falls on both sides alike, where legs one after another can differ by 2x.
# With --interleaved, --old-java-opts / --new-java-opts give each side's server JVM options of its own (QUARRY_JAVA_OPTS): with
# --old and --new the same commit a JVM option is compared alone; --less-mine reports each call less its own
# server-side mine too (bench/serve_ab_interleaved.py).
#
#   bench/serve-ab.sh [--old COMMIT] [--new COMMIT] [--calls N] [--pairs P] [--rate R]
#                     [--old-index FILE] [--new-index FILE] [--sync] [--build-only]
#                     [--first-call [--refresh]] [--preset NAME] [--interleaved]
#                     [--old-java-opts OPTS] [--new-java-opts OPTS] [--less-mine]
#     --old: default aa15fe5 (main just before the request schema landed); --new: default HEAD
#     --calls: default 3000 per leg and mode (300 with --first-call); --pairs: default 3 (A B A B A B)
#     --preset: the servers' --preset (latency: each chooses its nprobe) instead of --nprobe 1
#     --old-index / --new-index: an IVF index of the corpus each commit can open (an index is refused by a Quarry
#       of another format version); default bench/data/latency/clustered-1M/corpus.qivf for both
#     --sync: `sync` once a server is ready, before its calls: a server that copies the corpus and index into its work
#       directory leaves about 3 GB to write back, which otherwise lands in its first 30-40 s of calls
#     --build-only: build both commits (and the positives) and stop, so that the timed run builds nothing
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLD=aa15fe5 NEW=HEAD CALLS="" PAIRS=3 RATE="" OLD_INDEX="" NEW_INDEX="" BUILD_ONLY="" SYNC="" FIRST="" REFRESH="" PRESET=""
INTERLEAVED="" LESS_MINE="" OLD_OPTS="${QUARRY_JAVA_OPTS:-}" NEW_OPTS="${QUARRY_JAVA_OPTS:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --old) OLD="$2"; shift 2 ;;
    --new) NEW="$2"; shift 2 ;;
    --calls) CALLS="$2"; shift 2 ;;
    --pairs) PAIRS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --old-index) OLD_INDEX="$2"; shift 2 ;;
    --new-index) NEW_INDEX="$2"; shift 2 ;;
    --sync) SYNC=1; shift ;;
    --build-only) BUILD_ONLY=1; shift ;;
    --first-call) FIRST=1; shift ;;
    --refresh) REFRESH=1; shift ;;
    --preset) PRESET="$2"; shift 2 ;;
    --interleaved) INTERLEAVED=1; shift ;;
    --old-java-opts) OLD_OPTS="$2"; shift 2 ;;
    --new-java-opts) NEW_OPTS="$2"; shift 2 ;;
    --less-mine) LESS_MINE=--less-mine; shift ;;
    *) echo "serve-ab: $1: expected --old, --new, --calls, --pairs, --rate, --old-index, --new-index, --sync," \
         "--build-only, --first-call, --refresh, --preset, --interleaved, --old-java-opts, --new-java-opts or" \
         "--less-mine" >&2
       exit 2 ;;
  esac
done
[ -z "$REFRESH" ] || [ -n "$FIRST" ] || { echo "serve-ab: --refresh goes with --first-call" >&2; exit 2; }
CALLS="${CALLS:-$([ -n "$FIRST" ] && echo 300 || echo 3000)}"
SEARCH=(--nprobe 1)
[ -z "$PRESET" ] || SEARCH=(--preset "$PRESET")
PORT="${QUARRY_BENCH_PORT:-7751}"
# shellcheck source=serve_lib.sh
. "$ROOT/bench/serve_lib.sh"
OLD_INDEX="${OLD_INDEX:-$DATA/corpus.qivf}" NEW_INDEX="${NEW_INDEX:-$DATA/corpus.qivf}"
log() { echo "serve-ab: $*" >&2; }
for f in "$DATA/corpus.qvec" "$DATA/queries.qvec" "$OLD_INDEX" "$NEW_INDEX"; do
  [ -f "$f" ] || { log "no $f: bench/serve.sh makes the data"; exit 2; }
done
OLD_SHA="$(git -C "$ROOT" rev-parse --verify "$OLD^{commit}")" NEW_SHA="$(git -C "$ROOT" rev-parse --verify "$NEW^{commit}")"
AB="$ROOT/bench/data/serve-ab"
mkdir -p "$AB"

# tree SHA: the commit's files, its command line and serve module built (once; two runs never build one tree at once)
tree() {
  local sha="$1" dir="$AB/tree-${1:0:12}"
  (
    flock 9
    if [ ! -f "$dir/tools/serve/target/quarry-serve.jar" ]; then
      log "building ${sha:0:12} into $dir"
      rm -rf "$dir.tmp"
      mkdir -p "$dir.tmp"
      git -C "$ROOT" archive "$sha" | tar -x -C "$dir.tmp"
      nice -n 19 "$dir.tmp/quarry" build serve >&2
      rm -rf "$dir" && mv "$dir.tmp" "$dir"
    fi
  ) 9>"$AB/.build.lock"
  # the launcher would rebuild a tree whose sources look newer than its jars (a tar's times, a moved directory)
  touch "$dir/tools/cli/target/quarry.jar" "$dir/tools/serve/target/quarry-serve.jar"
  echo "$dir"
}
OLD_TREE="$(tree "$OLD_SHA")" NEW_TREE="$(tree "$NEW_SHA")"
serve_setup
# the positives are corpus ids of the data set: a data set other than the default keeps its own
POSITIVES="$AB/positives-16384.tsv"
[ "$DATA" = "$ROOT/bench/data/latency/clustered-1M" ] || POSITIVES="$AB/positives-16384-$(basename "$DATA").tsv"
if [ ! -f "$POSITIVES" ]; then
  log "positives: each of 16,384 queries' best row at nprobe 64"
  serve_positives "$POSITIVES.tmp-$$" "$NEW_INDEX" 16384 && mv "$POSITIVES.tmp-$$" "$POSITIVES"
fi
[ -z "$BUILD_ONLY" ] || { log "built $OLD_TREE and $NEW_TREE"; exit 0; }

# The estimate: a leg is a server's start (about 20 s: the corpus copied and checked), 20 calls, CALLS at the closed
# loop's pace (about 140/s in bench/README's runs) and CALLS at RATE (about 70/s).
EST=$(( 2 * PAIRS * (25 + CALLS / 140 + CALLS / ${RATE:-70}) ))
if [ -n "$FIRST" ]; then
  EST=$(( 2 * PAIRS * (25 + CALLS / 70) ))
  [ -z "$REFRESH" ] || EST=$(( EST + 2 * PAIRS * (30 + CALLS / 70) ))
fi
if [ -n "$INTERLEAVED" ]; then
  log "two servers at once, $CALLS rounds of one call each: about $(( 50 + CALLS / 70 )) s on a quiet machine"
else
  log "$PAIRS pairs of $CALLS + $CALLS calls: about $((EST / 60)) min $((EST % 60)) s on a quiet machine"
fi
RUN="$AB/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
RESULTS="$RUN/results.jsonl"
trap 'serve_stop || true; rm -rf "$RUN"/work-* "$RUN/epoch2"' EXIT
if [ -n "$REFRESH" ]; then
  log "copying the corpus for the refreshes (the re-embedded corpus a trainer would write)"
  mkdir -p "$RUN/epoch2" && cp "$DATA/corpus.qvec" "$RUN/epoch2/corpus.qvec"
fi
{ echo "old $OLD_SHA $(git -C "$ROOT" log -1 --format=%s "$OLD_SHA" | cut -c1-100)"
  echo "new $NEW_SHA $(git -C "$ROOT" log -1 --format=%s "$NEW_SHA" | cut -c1-100)"
  echo "calls $CALLS pairs $PAIRS old-index $OLD_INDEX new-index $NEW_INDEX${SYNC:+ (sync after each start)}"
  echo "servers: ${SEARCH[*]}${FIRST:+; first calls of a fresh server}${REFRESH:+, and after a refresh}"
  echo "JVM options: old '$OLD_OPTS' new '$NEW_OPTS'"
  echo "load before $(cut -d' ' -f1-3 /proc/loadavg)"; } >"$RUN/about.txt"
start_run=$SECONDS
if [ -n "$INTERLEAVED" ]; then
  sides=()
  servers=()
  trap 'for s in "${servers[@]}"; do kill -TERM "$s" 2>/dev/null || true; done; wait; rm -rf "$RUN"/work-*' EXIT
  for side in old new; do
    if [ "$side" = old ]; then tree="$OLD_TREE" index="$OLD_INDEX" opts="$OLD_OPTS"
    else tree="$NEW_TREE" index="$NEW_INDEX" opts="$NEW_OPTS"; fi
    URL="http://127.0.0.1:$PORT" work=()
    grep -q '"--work-dir"' "$tree/tools/serve/src/main/java/dev/quarry/serve/ServeCommand.java" \
      && work=(--work-dir "$RUN/work-$side")
    QUARRY_JAVA_OPTS="$opts" serve_start "$tree" "$RUN/server-$side.log" --index "$index" "${SEARCH[@]}" \
      "${work[@]}" || exit 1
    servers+=("$SERVER") sides+=(--side "$tree=$URL")
    log "$side: ready in $READY s on $URL"
    PORT=$((PORT + 1))
  done
  [ -z "$SYNC" ] || sync
  "$PY" "$ROOT/bench/serve_ab_interleaved.py" "${sides[@]}" --queries "$DATA/queries.qvec" --positives "$POSITIVES" \
    --calls "$CALLS" --out "$RUN" $LESS_MINE | tee "$RUN/report.md"
  echo "load after $(cut -d' ' -f1-3 /proc/loadavg); $((SECONDS - start_run)) s" | tee -a "$RUN/about.txt"
  exit 0
fi
for pair in $(seq "$PAIRS"); do
  for side in old new; do
    if [ "$side" = old ]; then tree="$OLD_TREE" index="$OLD_INDEX"; else tree="$NEW_TREE" index="$NEW_INDEX"; fi
    leg="$side-$pair" work=()
    # a server that copies what it serves into a work directory of its own gets one per leg (older ones map the corpus)
    grep -q '"--work-dir"' "$tree/tools/serve/src/main/java/dev/quarry/serve/ServeCommand.java" \
      && work=(--work-dir "$RUN/work-$leg")
    refresh=()
    [ -z "$REFRESH" ] || refresh=(--refresh-dir "$RUN/epoch2")
    serve_start "$tree" "$RUN/server-$leg.log" --index "$index" "${SEARCH[@]}" "${work[@]}" "${refresh[@]}" || exit 1
    [ -z "$SYNC" ] || sync
    if [ -n "$FIRST" ]; then
      load="$(cut -d' ' -f1-3 /proc/loadavg)"
      refresh=()
      [ -z "$REFRESH" ] || refresh=(--refresh "$RUN/epoch2/corpus.qvec" --refresh-first-out "$RUN/refresh-first-$leg.txt"
        --refresh-out "$RUN/refresh-$leg.txt")
      serve_client "$ROOT" "$POSITIVES" --first 2 --first-out "$RUN/first-$leg.txt" --calls "$CALLS" \
        --out "$RUN/steady-$leg.txt" "${refresh[@]}" 2>"$RUN/client-$leg.log"
      serve_stop
      serve_java_bench dev.quarry.bench.latency.ServeLoad --percentiles "$RUN/steady-$leg.txt" --first \
        "$RUN/first-$leg.txt" --ready "$READY" --load "$load" --label "$side" --mode "fresh server, pair $pair" \
        --json "$RESULTS" >/dev/null
      [ -z "$REFRESH" ] || serve_java_bench dev.quarry.bench.latency.ServeLoad --percentiles "$RUN/refresh-$leg.txt" \
        --first "$RUN/refresh-first-$leg.txt" --load "$load" --label "$side" --mode "after a refresh, pair $pair" \
        --json "$RESULTS" >/dev/null
      log "$leg: ready in $READY s, $(tail -1 "$RESULTS" | cut -c1-200), $((SECONDS - start_run)) s so far"
      continue
    fi
    serve_client "$tree" "$POSITIVES" --first 20 --calls 0 --out /dev/null
    serve_client "$tree" "$POSITIVES" --calls "$CALLS" --out "$RUN/closed-$leg.txt" 2>"$RUN/closed-$leg.log"
    closed=$(sed -E 's/.*: ([0-9.]+) calls\/s/\1/' "$RUN/closed-$leg.log")
    [ -n "$RATE" ] || RATE=$(echo "$closed / 2" | bc -l | xargs printf '%.0f')
    serve_client "$tree" "$POSITIVES" --calls "$CALLS" --rate "$RATE" --out "$RUN/rate-$leg.txt" 2>"$RUN/rate-$leg.log"
    serve_stop
    serve_percentiles "$RUN/closed-$leg.txt" "$side" "closed loop, pair $pair" "$RESULTS"
    serve_percentiles "$RUN/rate-$leg.txt" "$side" "fixed $RATE/s, pair $pair" "$RESULTS"
    log "$leg: ready in $READY s, closed loop $closed calls/s, load $(cut -d' ' -f1-3 /proc/loadavg), $((SECONDS - start_run)) s so far"
  done
done
echo "load after $(cut -d' ' -f1-3 /proc/loadavg); $((SECONDS - start_run)) s" >>"$RUN/about.txt"
"$PY" "$ROOT/bench/serve_ab_report.py" "$RESULTS" "$RUN/about.txt" | tee "$RUN/report.md"
