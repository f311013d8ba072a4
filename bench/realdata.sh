#!/usr/bin/env bash
# The real sentence-embedding set: 208,284 dictionary texts (GCIDE, Debian's dict-gcide) and 50,000 queries
# asking for them by meaning (WordNet 3.0 definitions, Debian's wordnet-base), embedded once with
# `quarry embed --model minilm` (384-d, normalized) and cached in bench/data/realdata/:
#
#   corpus.qvec (+ .ids, row numbers)  208,284 x 384: "headword: definition, quotation or note"
#   anchors.qvec (+ .ids)               50,000 x 384: WordNet definitions (shuffled, seed in realdata_texts.py)
#   queries.qvec                        the first 10,000 anchors: the query set of recall and latency runs
#   qrels.tsv                           anchor -> its positive: of the corpus texts whose headword is one of
#                                       the anchor synset's words, the one scoring highest
#   anchors-1M.qvec, qrels-1M.tsv       the 50,000 anchors repeated to 1,000,000 rows (throughput runs)
#   gt.npy                              exact top-100 of queries.qvec by Quarry's flat index (int32
#                                       [10000, 100]), checked against FAISS's IndexFlatIP: gt-check.txt
#   corpus.jsonl, queries.jsonl, *.words   the texts, and each row's headword(s)
#
# Fetched with apt-get download (pinned versions, no install), unpacked with dpkg-deb into a temp directory.
# Each step is skipped when its output exists; the embedding resumes from its checkpoint when a run was
# killed (run the script again). Progress on stderr. Takes the set's own lock (bench/data/realdata/.lock),
# so two runs never write it at once; every file is written to a temp name and renamed.
#
#   bench/realdata.sh            everything (the embedding: about 10 minutes at 600 texts/s on 2 idle cores)
#   bench/realdata.sh --no-check  skip the ground truth and its check against FAISS
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bench/data/realdata"
PY=/usr/bin/python3
GCIDE=dict-gcide=0.48.5+nmu2
WORDNET=wordnet-base=1:3.0-37
ANCHORS=50000
QUERIES=10000
CHECK=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-check) CHECK=0 ;;
    *) echo "realdata: $1: unknown option (--no-check)" >&2; exit 2 ;;
  esac
  shift
done
log() { echo "realdata: $*" >&2; }
load() { uptime | sed 's/.*load average: /load /'; }
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock -n 9 || { log "another run holds $OUT/.lock; waiting"; flock 9; }
TMP="$(mktemp -d "$OUT/.tmp.XXXXXX")" # inside the set, so renames stay on one file system
trap 'rm -rf "$TMP"' EXIT

if [ ! -s "$OUT/corpus.jsonl" ] || [ ! -s "$OUT/queries.jsonl" ]; then
  log "fetching $GCIDE and $WORDNET with apt-get download"
  (cd "$TMP" && apt-get download -q "$GCIDE" "$WORDNET" >&2 2>/dev/null) \
    || { log "apt-get download failed (run apt-get update once; the versions are pinned)"; exit 1; }
  for deb in "$TMP"/*.deb; do dpkg-deb -x "$deb" "$TMP/root"; done
  $PY "$ROOT/bench/realdata_texts.py" "$TMP/root/usr/share/dictd" "$TMP/root/usr/share/wordnet" "$ANCHORS" "$OUT"
fi

embed() { # texts.jsonl out.qvec: resumes a killed run
  local resume=()
  [ -f "$2.checkpoint" ] && resume=(--resume)
  log "embedding $(basename "$1") -> $(basename "$2") ${resume[*]} ($(load))"
  "$ROOT/quarry" embed --input "$1" --output "$2" --model minilm "${resume[@]}" >&2
  log "embedded $(basename "$2") ($(load))"
}
[ -f "$OUT/corpus.qvec" ] || embed "$OUT/corpus.jsonl" "$OUT/corpus.qvec"
[ -f "$OUT/anchors.qvec" ] || embed "$OUT/queries.jsonl" "$OUT/anchors.qvec"

if [ ! -f "$OUT/anchors-1M.qvec" ] || [ ! -f "$OUT/qrels-1M.tsv" ]; then
  log "queries, positives and the 1M-anchor file"
  $PY "$ROOT/bench/realdata_derive.py" "$OUT" "$QUERIES" 1000000 "$TMP"
  "$ROOT/quarry" import --input "$TMP/queries.npy" --output "$OUT/queries.qvec" >&2
  rm -f "$TMP/queries.npy"
  "$ROOT/quarry" import --input "$TMP/anchors-1M.npy" --output "$OUT/anchors-1M.qvec" >&2
  rm -f "$TMP/anchors-1M.npy"
  mv "$TMP/qrels.tsv" "$OUT/qrels.tsv"
  mv "$TMP/qrels-1M.tsv" "$OUT/qrels-1M.tsv"
fi

[ "$CHECK" = 1 ] || exit 0
[ -f "$OUT/gt.npy" ] && [ -s "$OUT/gt-check.txt" ] && { log "ready in $OUT"; cat "$OUT/gt-check.txt" >&2; exit 0; }
log "ground truth: Quarry's flat index, then FAISS's IndexFlatIP ($(load))"
JDK="$("$ROOT/quarry" jdk)"
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package)
mapfile -t FLAGS < <("$ROOT/quarry" jvm-flags)
"$JDK/bin/java" "${FLAGS[@]}" -Xmx4g -cp "$ROOT/bench/target/quarry-bench.jar" dev.quarry.bench.peers.PeerRunner \
  --contender quarry-flat --corpus "$OUT/corpus.qvec" --queries "$OUT/queries.qvec" --k 100 --threads "$(nproc)" \
  --runs 1 --dataset realdata --label quarry-flat --ids-out "$TMP/quarry" --json-out "$TMP/flat.jsonl" >&2
unset OPENBLAS_CORETYPE OPENBLAS_NUM_THREADS OMP_NUM_THREADS
if [ -f "$ROOT/bench/data/faiss-avx2/faiss/_swigfaiss_avx2.so" ]; then # built: only checked
  FAISS="$("$ROOT/bench/peers/build-faiss.sh" | tail -1)"
else
  FAISS="$(flock "$ROOT/bench/data/.lock" "$ROOT/bench/peers/build-faiss.sh" | tail -1)"
fi
PYTHONPATH="$FAISS" $PY "$ROOT/bench/peers/faiss_bench.py" --build avx2 --corpus "$OUT/corpus.qvec" \
  --queries "$OUT/queries.qvec" --k 100 --index flat --runs 1 --dataset realdata --label faiss-flat \
  --ids-out "$TMP/faiss" --json-out "$TMP/flat.jsonl" >&2
$PY "$ROOT/bench/realdata_check.py" "$OUT/corpus.qvec" "$OUT/queries.qvec" "$(ls "$TMP"/quarry-*.npy)" \
  "$TMP/faiss-flat.npy" >"$TMP/gt-check.txt"
cp "$(ls "$TMP"/quarry-*.npy)" "$OUT/gt.npy.tmp" && mv "$OUT/gt.npy.tmp" "$OUT/gt.npy"
mv "$TMP/gt-check.txt" "$OUT/gt-check.txt"
cat "$OUT/gt-check.txt" >&2
log "ready in $OUT ($(load))"
