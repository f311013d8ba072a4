#!/usr/bin/env bash
# quarry spark-mine against quarry mine on the same machine: 200,000 anchors against 1M x 384 clustered, flat and
# IVF (nlist 4096), whole commands timed back to back (JVM start included for both): quarry mine, spark-mine
# replicated in local[2], spark-mine sharded (2 shards; IVF shards of nlist 2048 each, the same centroid work).
# Prints each run's wall clock, the ratios to quarry mine measured in the same round, and the runs'
# Spark stages (its merge: the reduce stage, which reads the shuffle, merges the shards' candidates and runs the
# filters and the encoder, and the shuffle's bytes). With --cluster, also spark-mine replicated on a standalone
# cluster of two workers of one core (scripts/spark-cluster.sh, started once before the runs and stopped after),
# executors in JVMs of their own. --no-sharded leaves the sharded runs out; --nprobe sets IVF's probes (default 1).
# Every spark-mine run writes Spark's event log; bench/spark_stages.py reads where its time went from it (to the
# SparkContext, executors added, each stage's wall and task times). Each round's load average is recorded.
# Appends a markdown report to bench/results/spark.md.
#
#   bench/spark.sh [--runs 3] [--modes ivf,flat] [--anchors 200000] [--data DIR] [--cluster] [--no-sharded]
#                  [--nprobe 1]
#
# DATA holds c1m.qvec (made when missing, with q20k.qvec), c1m.qivf (nlist 4096, built when missing) and
# a${POOL}.qvec, the anchors (POOL = max(ANCHORS, 200000) rows; made when missing): links to other files do too.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/bench/data/lat"
RUNS=3
MODES=ivf,flat
ANCHORS=200000
CLUSTER=""
SHARDED=1
NPROBE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift ;;
    --modes) MODES="$2"; shift ;;
    --anchors) ANCHORS="$2"; shift ;;
    --data) DATA="$2"; shift ;;
    --cluster) CLUSTER=1 ;;
    --no-sharded) SHARDED="" ;;
    --nprobe) NPROBE="$2"; shift ;;
    *) echo "spark.sh: $1: unknown option (--runs N, --modes ivf,flat, --anchors N, --data DIR, --cluster," \
         "--no-sharded, --nprobe N)" >&2; exit 2 ;;
  esac
  shift
done
export SPARK_LOCAL_IP=127.0.0.1 # Spark binds to the machine's external address otherwise
Q="$ROOT/quarry"
log() { echo "spark.sh: $*" >&2; }
mkdir -p "$DATA" "$ROOT/bench/results"
# The data of bench/README.md's latency and IVF sections (DESIGN's clustered set, seed 7); made when missing.
[ -f "$DATA/c1m.qvec" ] || "$Q" generate --kind clustered --count 1000000 --dim 384 --output "$DATA/c1m.qvec" \
  --queries 20000 --queries-output "$DATA/q20k.qvec" >&2
[ -f "$DATA/c1m.qivf" ] || "$Q" index build --store "$DATA/c1m.qvec" --type ivf --nlist 4096 --output "$DATA/c1m.qivf" >&2
# Anchors made as the queries are (a random corpus row, perturbed): a pool of at least 200,000, of which the
# first ANCHORS are mined (the qrels name only those).
POOL=$((ANCHORS > 200000 ? ANCHORS : 200000))
A="$DATA/a${POOL}.qvec"
if [ ! -f "$A" ]; then
  "$Q" generate --kind clustered --count 1000000 --dim 384 --output "$DATA/c1m-again.qvec" --queries "$POOL" \
    --queries-output "$A" >&2
  rm -f "$DATA/c1m-again.qvec"
fi
"$Q" build spark >&2
# Untimed: the start-up cache of the new jar (made by the first command after a build) and the inputs read once
# into the page cache, so that no timed run pays either.
"$Q" info "$DATA/c1m.qvec" >/dev/null 2>&1 || true
cat "$DATA/c1m.qvec" "$DATA/c1m.qivf" "$A" >/dev/null
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
MASTER=""
if [ -n "$CLUSTER" ]; then
  MASTER="$("$ROOT/scripts/spark-cluster.sh" start --dir "$OUT/cluster" --lifetime 14400)"
  trap '"$ROOT/scripts/spark-cluster.sh" stop --dir "$OUT/cluster"; rm -rf "$OUT"' EXIT
fi
awk -v n="$ANCHORS" 'BEGIN { for (i = 0; i < n; i++) printf "%d\t%d\n", i, (i * 7919) % 1000000 }' >"$OUT/qrels.tsv"
echo 0 >"$OUT/one-anchor.txt"
# Eight negatives from ranks [0, 100) unfiltered (the positive is a random row here, so the margin would drop all),
# written as npy by both: the comparison is of the mining, not of the filters.
COMMON=(--corpus "$DATA/c1m.qvec" --queries "$A" --qrels "$OUT/qrels.tsv" --num-negatives 8 --no-defences
  --output-format npy)
timed() { # label, then the command; prints its wall-clock seconds (the last line of its stderr, from time)
  local label="$1"; shift
  date +%s%3N >"$OUT/$label.started"
  /usr/bin/time -f "%e %U %S" "$@" >"$OUT/$label.out" 2>"$OUT/$label.err" \
    || { log "$label failed:"; tail -20 "$OUT/$label.err" >&2; exit 1; }
  tail -1 "$OUT/$label.err" | cut -d' ' -f1
}
cpu() { # the CPU seconds (user + system) of run LABEL's own process (a cluster's executors are not its children)
  tail -1 "$OUT/$1.err" | awk '{ printf "%.1f", $2 + $3 }'
}
events() { # spark-mine's settings for an event log of run LABEL in $OUT/events/LABEL
  mkdir -p "$OUT/events/$1"
  echo --conf spark.eventLog.enabled=true --conf "spark.eventLog.dir=file://$OUT/events/$1" \
    --conf spark.eventLog.compress=false
}
stages() { # a spark-mine run's stage lines, joined
  grep '^spark-mine: stage ' "$OUT/$1.err" | sed 's/^spark-mine: //; s/ at SparkMiner.java:[0-9]*//' | paste -sd ';' - || true
}
summary() { # run LABEL's own summary line (mined N anchors in T: R anchors/s ...) and its process's CPU seconds
  echo "$(grep -h -m1 '^mined ' "$OUT/$1.out" "$OUT/$1.err" | head -1 || true); CPU $(cpu "$1") s"
}
spent() { # where run LABEL's time went, from Spark's event log
  local log
  log="$(find "$OUT/events/$1" -mindepth 1 -maxdepth 1 | head -1)" # Spark 4: a directory of rolled files
  [ -n "$log" ] || { echo "no event log"; return 0; }
  "$ROOT/bench/spark_stages.py" "$log" --started "$(cat "$OUT/$1.started")" || true
}
REPORT=()
REPORT_STAGES=()
for mode in ${MODES//,/ }; do
  case "$mode" in
    ivf) INDEX=(--index "$DATA/c1m.qivf" --nprobe "$NPROBE"); SHARDS="$DATA/c1m-2shards-ivf"; NLIST=(--shard-nlist 2048); PROBE=(--nprobe "$NPROBE") ;;
    flat) INDEX=(); SHARDS="$DATA/c1m-2shards-flat"; NLIST=(); PROBE=() ;;
    *) log "unknown mode $mode"; exit 2 ;;
  esac
  if [ -n "$SHARDED" ] && [ ! -f "$SHARDS/shards.json" ]; then # cut once, untimed (it is a preparation step, like index build)
    log "cutting $SHARDS"
    "$Q" spark-mine --master 'local[2]' --placement sharded --shards "$SHARDS" --shard-count 2 "${NLIST[@]}" \
      "${COMMON[@]}" "${PROBE[@]}" --anchors "$OUT/one-anchor.txt" --output "$OUT/cut.npy" >/dev/null 2>"$OUT/cut.err" \
      || { tail -20 "$OUT/cut.err" >&2; exit 1; }
  fi
  for r in $(seq "$RUNS"); do
    rm -f "$OUT"/m.* "$OUT"/s.* "$OUT"/h.*
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
    t1=$(timed "mine-$mode-$r" "$Q" mine "${COMMON[@]}" "${INDEX[@]}" --output "$OUT/m.npy")
    # shellcheck disable=SC2046 # events prints whole --conf pairs, no spaces inside
    t2=$(timed "spark-$mode-$r" "$Q" spark-mine --master 'local[2]' $(events "spark-$mode-$r") "${COMMON[@]}" \
      "${INDEX[@]}" --output "$OUT/s.npy")
    t3="" same_sh="-" merge=""
    if [ -n "$SHARDED" ]; then
      # shellcheck disable=SC2046
      t3=$(timed "sharded-$mode-$r" "$Q" spark-mine --master 'local[2]' $(events "sharded-$mode-$r") \
        --placement sharded --shards "$SHARDS" "${COMMON[@]}" "${PROBE[@]}" --output "$OUT/h.npy")
      same_sh=$(cmp -s "$OUT/m.ids.npy" "$OUT/h.ids.npy" && echo yes || echo no)
      merge=$(stages "sharded-$mode-$r")
    fi
    t4="" same_c=""
    if [ -n "$MASTER" ]; then
      # shellcheck disable=SC2046
      t4=$(timed "cluster-$mode-$r" "$Q" spark-mine --master "$MASTER" $(events "cluster-$mode-$r") "${COMMON[@]}" \
        "${INDEX[@]}" --output "$OUT/c.npy")
      same_c=$(cmp -s "$OUT/m.ids.npy" "$OUT/c.ids.npy" && echo yes || echo NO)
    fi
    same=$(cmp -s "$OUT/m.ids.npy" "$OUT/s.ids.npy" && echo yes || echo NO)
    line=$(awk -v m="$mode" -v r="$r" -v l="$load" -v a="$t1" -v b="$t2" -v c="$t3" -v s="$same" -v h="$same_sh" \
      'BEGIN { printf "| %s | %d | %s | %.1f | %.1f | %.2fx | %s | %s | %s | %s |", m, r, l, a, b, b / a,
               c == "" ? "-" : sprintf("%.1f", c), c == "" ? "-" : sprintf("%.2fx", c / a), s, h }')
    if [ -n "$MASTER" ]; then
      line="$line$(awk -v a="$t1" -v d="$t4" -v s="$same_c" 'BEGIN { printf " %.1f | %.2fx | %s |", d, d / a, s }')"
    fi
    log "$line"
    log "  replicated stages: $(stages "spark-$mode-$r")"
    [ -z "$SHARDED" ] || log "  sharded stages: $merge"
    [ -z "$MASTER" ] || log "  cluster stages: $(stages "cluster-$mode-$r")"
    REPORT+=("$line")
    REPORT_STAGES+=("- $mode run $r, quarry mine: $(summary "mine-$mode-$r")")
    REPORT_STAGES+=("- $mode run $r, local[2] replicated: $(summary "spark-$mode-$r")")
    REPORT_STAGES+=("- $mode run $r, local[2] replicated, event log: $(spent "spark-$mode-$r")")
    [ -z "$SHARDED" ] || REPORT_STAGES+=("- $mode run $r, sharded: $merge")
    [ -z "$SHARDED" ] || REPORT_STAGES+=("- $mode run $r, sharded, event log: $(spent "sharded-$mode-$r")")
    [ -z "$MASTER" ] || REPORT_STAGES+=("- $mode run $r, standalone cluster: $(stages "cluster-$mode-$r")")
    [ -z "$MASTER" ] || REPORT_STAGES+=("- $mode run $r, standalone cluster: $(summary "cluster-$mode-$r")")
    [ -z "$MASTER" ] || REPORT_STAGES+=("- $mode run $r, standalone cluster, event log: $(spent "cluster-$mode-$r")")
  done
done
{
  echo
  echo "### spark-mine vs quarry mine, $ANCHORS anchors, 1M x 384 clustered, IVF nprobe $NPROBE ($(date +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg))"
  echo
  if [ -n "$MASTER" ]; then
    echo "| index | run | load before | quarry mine s | spark-mine replicated local[2] s | ratio | spark-mine sharded (2) s | ratio | replicated ids == mine | sharded ids == mine | standalone cluster (2 workers x 1 core) s | ratio | cluster ids == mine |"
    echo "|---|---:|---|---:|---:|---:|---:|---:|---|---|---:|---:|---|"
  else
    echo "| index | run | load before | quarry mine s | spark-mine replicated local[2] s | ratio | spark-mine sharded (2) s | ratio | replicated ids == mine | sharded ids == mine |"
    echo "|---|---:|---|---:|---:|---:|---:|---:|---|---|"
  fi
  printf '%s\n' "${REPORT[@]}"
  echo
  printf '%s\n' "${REPORT_STAGES[@]}"
} | tee -a "$ROOT/bench/results/spark.md"
