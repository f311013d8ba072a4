#!/usr/bin/env bash
# quarry embed against the reference implementation in the MiniLM model jar (langchain4j's
# AllMiniLmL6V2EmbeddingModel, default settings: embedAll on its own executor, ONNX Runtime's default
# threads), both on all cores, on N real texts (Python's standard-library docstrings and their
# paragraphs), alternating in the same run; then the peak heap of quarry embed over a generated JSONL of
# HEAP_N short texts (GC log: the most heap in use before any collection, and the committed heap).
# Appends a markdown table to bench/results/embed.md.
#
#   bench/embed.sh [--texts 20000] [--runs 3] [--heap-texts 1000000] [--max-tokens 128]
#
# --max-tokens 128 by default: the reference truncates MiniLM's input at 128 tokens (its tokenizer.json),
# so both do the same work; quarry embed's own default is 256 (sentence-transformers' limit).
# Needs python3 (the texts) and GNU time (apt-get install time).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N=20000
RUNS=3
HEAP_N=1000000
MAX_TOKENS=128
while [ $# -gt 0 ]; do
  case "$1" in
    --texts) N="$2"; shift ;;
    --runs) RUNS="$2"; shift ;;
    --heap-texts) HEAP_N="$2"; shift ;;
    --max-tokens) MAX_TOKENS="$2"; shift ;;
    *) echo "embed.sh: $1: unknown option (--texts N, --runs N, --heap-texts N, --max-tokens N)" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "embed.sh: $*" >&2; }
[ -x /usr/bin/time ] || { log "GNU time is missing: apt-get install time"; exit 1; }
JDK="$("$ROOT/quarry" jdk)"
CORES="$(nproc)"

log "building tools/embed and its test classes (the reference runs from them)"
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -pl tools/cli,tools/embed -am package -DskipTests \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt) >&2
touch "$ROOT/tools/cli/target/quarry.jar" "$ROOT/tools/embed/target/quarry-embed.jar"
REF_CP="$ROOT/tools/embed/target/test-classes:$ROOT/tools/embed/target/classes:$(cat "$ROOT/tools/embed/target/test-classpath.txt")"
mapfile -t FLAGS < <("$ROOT/quarry" jvm-flags)

DATA="$ROOT/bench/data/embed"
mkdir -p "$DATA" "$ROOT/bench/results"
[ -s "$DATA/docstrings.jsonl" ] || python3 -I "$ROOT/tools/cli/src/main/resources/dev/quarry/cli/python_docstrings.py" \
  >"$DATA/docstrings.jsonl" 2>/dev/null
python3 "$ROOT/bench/embed_texts.py" "$DATA/docstrings.jsonl" "$N" >"$DATA/texts-$N.jsonl"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# texts/s as each reports it (model loaded, texts read), and the wall time of the whole command.
Q_RATE=(); R_RATE=(); Q_WALL=(); R_WALL=(); AGREE=""
for r in $(seq "$RUNS"); do
  rm -f "$OUT"/q.qvec*
  /usr/bin/time -f "%e" -o "$OUT/qtime" "$ROOT/quarry" embed --input "$DATA/texts-$N.jsonl" --output "$OUT/q.qvec" \
    --model minilm --threads "$CORES" --max-tokens "$MAX_TOKENS" >"$OUT/qout" 2>"$OUT/qerr"
  q=$(sed -n 's/.*: \([0-9.,]*\) texts\/s.*/\1/p' "$OUT/qout" | tr -d ,)
  /usr/bin/time -f "%e" -o "$OUT/rtime" "$JDK/bin/java" "${FLAGS[@]}" -cp "$REF_CP" \
    dev.quarry.embed.ReferenceThroughput "$DATA/texts-$N.jsonl" "$OUT/q.qvec" >"$OUT/rout" 2>"$OUT/rerr"
  rr=$(sed -n 's/^reference .*: \([0-9.]*\) texts\/s/\1/p' "$OUT/rout")
  AGREE=$(sed -n 's/^cosine to quarry embed //p' "$OUT/rout")
  log "run $r: quarry $q texts/s ($(cat "$OUT/qtime") s wall), reference $rr texts/s ($(cat "$OUT/rtime") s wall); $AGREE"
  Q_RATE+=("$q"); R_RATE+=("$rr"); Q_WALL+=("$(cat "$OUT/qtime")"); R_WALL+=("$(cat "$OUT/rtime")")
done

# Peak heap: short generated texts (a docstring's summary line and a running number) so a long file goes fast.
python3 - "$DATA/docstrings.jsonl" "$HEAP_N" >"$OUT/heap.jsonl" <<'EOF'
import json, sys
summaries = [json.loads(l)["doc"].split("\n")[0][:200] for l in open(sys.argv[1], encoding="utf-8")]
out = sys.stdout
for i in range(int(sys.argv[2])):
    out.write(json.dumps({"id": "g%d" % i, "text": "%s (%d)" % (summaries[i % len(summaries)], i)}) + "\n")
EOF
rm -f "$OUT"/h.qvec*
QUARRY_JAVA_OPTS="-Xlog:gc:file=$OUT/gc.log" /usr/bin/time -f "%e %M" -o "$OUT/htime" "$ROOT/quarry" embed \
  --input "$OUT/heap.jsonl" --output "$OUT/h.qvec" --model minilm --threads "$CORES" --max-tokens "$MAX_TOKENS" \
  >"$OUT/hout" 2>"$OUT/herr"
HEAP=$(python3 - "$OUT/gc.log" <<'EOF'
import re, sys
# "GC(12) Pause Young (Normal) (G1 Evacuation Pause) 310M->12M(516M) 3.1ms": used before->after(committed)
pairs = [tuple(int(x) for x in m.groups()) for m in
         (re.search(r"(\d+)M->(\d+)M\((\d+)M\)", l) for l in open(sys.argv[1])) if m]
after = [p[1] for p in pairs]
tail = after[len(after) // 2:]
print("%d collections, peak in use %d MiB (before a collection), most committed %d MiB, live after collections:"
      " max %d MiB, second half of the run max %d MiB" % (len(pairs), max(p[0] for p in pairs),
      max(p[2] for p in pairs), max(after), max(tail)))
EOF
)
log "heap over $HEAP_N texts: $HEAP; wall s and max RSS KiB: $(cat "$OUT/htime"); $(cat "$OUT/hout")"

python3 - "$N" "$RUNS" "$CORES" "$MAX_TOKENS" "$HEAP_N" "${Q_RATE[*]}" "${R_RATE[*]}" "${Q_WALL[*]}" "${R_WALL[*]}" \
  "$AGREE" "$HEAP" "$(cat "$OUT/htime")" "$(cat "$OUT/hout")" <<'EOF' | tee -a "$ROOT/bench/results/embed.md"
import statistics, subprocess, sys, datetime
n, runs, cores, mt, heap_n = sys.argv[1:6]
q, r, qw, rw = ([float(x) for x in a.split()] for a in sys.argv[6:10])
agree, heap, htime, hout = sys.argv[10:14]
ratios = [a / b for a, b in zip(q, r)]
wall = [b / a for a, b in zip(qw, rw)]
cpu = subprocess.run("lscpu | sed -n 's/^Model name: *//p' | head -1", shell=True, capture_output=True, text=True).stdout.strip()
def s(xs, f="%.1f"):
    return (f + " [" + f + "-" + f + "]") % (statistics.median(xs), min(xs), max(xs))
print()
print("### quarry embed vs the reference, MiniLM, %s texts, %s cores, max %s tokens (%s, %s)"
      % (n, cores, mt, datetime.date.today(), cpu))
print()
print("| | quarry embed | reference (langchain4j) | quarry / reference |")
print("|---|---:|---:|---:|")
print("| texts/s, model loaded (median [min-max], %s runs) | %s | %s | %s |" % (runs, s(q), s(r), s(ratios, "%.2fx")))
print("| whole command, wall s | %s | %s | %s |" % (s(qw), s(rw), s(wall, "%.2fx")))
print()
print("Agreement (last run): %s." % agree)
print()
print("Heap over %s generated texts: %s. Wall s, max RSS KiB: %s. %s" % (heap_n, heap, htime, hout))
EOF
