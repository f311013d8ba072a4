#!/usr/bin/env bash
# quarry tune at the scale of its target: 10,000 training anchors and 2,000 held-out queries (a seeded split
# of 12,000 labelled anchors) against a corpus of about 100,000 x 384 (the planted-truth catalog: 73,000
# documents plus about 27,000 planted copies), the default candidates (8) and in-batch only, 3 seeds each.
# Times the whole command (JVM start, opening, mining, training, evaluation) RUNS times, with the load
# average before each run, the time of each phase (from its progress lines) and the CPU seconds the command
# used (user + system: on a machine other jobs share, CPU seconds / threads is the wall time the run would
# take with the cores to itself); prints median [min-max] and appends a markdown row to
# bench/results/tune.md. Target: <= 5 minutes on 2 cores.
#
#   bench/tune.sh [--runs 3] [--threads 2]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS=3
THREADS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    *) echo "tune.sh: $1: unknown option (--runs N, --threads N)" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "tune.sh: $*" >&2; }
mkdir -p "$ROOT/bench/data" "$ROOT/bench/results"
DIR="$ROOT/bench/data/tune-100k"
# The catalog is written once, under the shared data directory's lock, into a temp name renamed when complete.
flock "$ROOT/bench/data/.lock" sh -c '
  [ -f "$1/qrels.tsv" ] && exit 0
  tmp="$1.tmp-$$"
  rm -rf "$tmp"
  "$2/quarry" demo --index flat --docs 73000 --anchors 12000 --dim 384 --workdir "$tmp" >&2
  rm -f "$tmp"/mined-*
  mv "$tmp" "$1"' sh "$DIR" "$ROOT"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
# Built when a source is newer than the jar, and the start-up cache made when missing, before any timed run:
# neither is the command's time (`quarry build` would always rebuild the jar, and the first run remake the cache).
"$ROOT/quarry" --version >&2
times=()
cpus=()
for r in $(seq "$RUNS"); do
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  timed=$( { /usr/bin/time -f "%e %U %S" "$ROOT/quarry" tune --corpus "$DIR/corpus.qvec" --queries "$DIR/queries.qvec" \
    --qrels "$DIR/qrels.tsv" --truth "$DIR/truth.tsv" --heldout-split 2000 --threads "$THREADS" \
    --json "$OUT/tune-$r.json" --output "$OUT/best.options" >"$OUT/out-$r" 2>"$OUT/err-$r"; } 2>&1; tail -1 "$OUT/err-$r")
  s=${timed%% *}
  cpu=$(echo "$timed" | awk '{ printf "%.1f", $2 + $3 }')
  mining=$(grep -o 'tune: mine .*done in [0-9:.s]*' "$OUT/err-$r" | sed 's/.*done in //')
  training=$(grep -o 'tune: train and evaluate.*done in [0-9:.s]*' "$OUT/err-$r" | sed 's/.*done in //')
  log "run $r: ${s}s wall, ${cpu}s CPU (mining $mining, training and evaluation $training), load before: $load"
  times+=("$s")
  cpus+=("$cpu")
done
sed -n '/recall@10/,/^\* best/p' "$OUT/out-$RUNS" >&2
med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }')
lo=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
hi=$(printf '%s\n' "${times[@]}" | sort -n | tail -1)
cmed=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }')
RESULTS="$ROOT/bench/results/tune.md"
[ -f "$RESULTS" ] || echo "| date | threads | runs | whole command, wall s: median [min-max] | CPU s (user + system): median | load (1/5/15 min) before the last run |" >"$RESULTS"
[ "$(wc -l <"$RESULTS")" -gt 1 ] || echo "|---|---:|---:|---|---:|---|" >>"$RESULTS"
echo "| $(date -u +%Y-%m-%dT%H:%MZ) | $THREADS | $RUNS | $med [$lo-$hi] | $cmed | $load |" >>"$RESULTS"
echo "quarry tune, 10,000 training anchors, 2,000 held-out, ~100k x 384, 8 candidates + in-batch only x 3 seeds, $THREADS threads: median ${med}s wall [$lo-$hi], ${cmed}s CPU, over $RUNS runs (target: 300 s wall)"
