# The data sets and Quarry indexes of the nlist x nprobe sweeps (bench/mine_e2e.sh, bench/latency.sh), sourced
# by them. Expects ROOT, PY and a log function. Everything is built once into bench/data (shared between
# worktrees through the bench/data symlink), written to a temp name and renamed (quarry's own outputs are):
# files other scripts also write (the clustered set, GloVe, FAISS's build) under the lock bench/data/.lock,
# the sweep's own files (bench/data/sweep/) under bench/data/sweep/.lock, so they never wait for another
# script's long work.
#
#   sweep_set NAME   sets SET_NAME (the name in caches and reports), CORPUS, QUERIES (recall and latency queries), ANCHORS (.qvec of 1,000,000 rows),
#                    QRELS (TSV: anchor row -> corpus row, for the first N anchors), ROWIDS and ANCHOR_ROWIDS
#                    (row numbers: the ids the qrels use), fetching or generating what is missing:
#     clustered-1M   DESIGN's clustered 1M x 384 (seed 7), anchors generated as its queries are, each paired
#                    with row (i x 7919) mod 1M
#     glove          GloVe 6B 100-d (bench/glove.sh), 341,479 words; anchors: the words in a seeded order,
#                    repeated to 1M rows, each paired with another word (recall queries: the first 2,000)
#     realdata       bench/realdata.sh: 208,284 dictionary texts, MiniLM 384-d; anchors: WordNet definitions
#                    repeated to 1M rows with their positives
#     DIR (with a /) a set of one's own: DIR/corpus.qvec, queries.qvec, anchors.qvec and qrels.tsv (anchor row
#                    -> corpus row); its name in the cache and reports is DIR's last component
#   quarry_index NAME NLIST [BUILD-OPTS...]   prints the cached .qivf (NLIST may be "auto")
#   index_nlist FILE.qivf                       prints the nlist stored in an index
#   nprobes_upto NPROBES NLIST                  prints the values of NPROBES (comma-separated) that NLIST lists allow
#   recall_table_rows TABLE                     "nprobe recall coarse" per row of a quarry index recall table
#   sweep_load                                  "load 1.23 1.10 0.98" (uptime's averages)
#   faiss_path                                  the PYTHONPATH of FAISS's AVX2 build
SWEEP_DATA="$ROOT/bench/data/sweep"
LOCK="$ROOT/bench/data/.lock"
mkdir -p "$SWEEP_DATA"
SWEEP_LOCK="$SWEEP_DATA/.lock"

sweep_load() { echo "load $(cut -d' ' -f1-3 /proc/loadavg)"; }

# The PYTHONPATH of FAISS's AVX2 build (bench/peers/build-faiss.sh), built under the lock when missing.
faiss_path() {
  if [ -f "$ROOT/bench/data/faiss-avx2/faiss/_swigfaiss_avx2.so" ]; then
    "$ROOT/bench/peers/build-faiss.sh" | tail -1
  else
    flock "$LOCK" "$ROOT/bench/peers/build-faiss.sh" | tail -1
  fi
}

# Row numbers 0..N-1 as ids, once per set.
row_ids() { # count file
  [ -f "$2" ] || flock "$SWEEP_LOCK" sh -c "[ -f '$2' ] || { seq 0 $(($1 - 1)) >'$2.tmp' && mv '$2.tmp' '$2'; }"
}

# A .qvec of ROWS anchors: the rows of SRC in a seeded order, repeated (bench/peers/tile_rows.py).
tiled_anchors() { # src.qvec out.qvec rows
  [ -f "$2" ] || flock "$SWEEP_LOCK" sh -c '[ -f "$2" ] || { "$PY" "$ROOT/bench/peers/tile_rows.py" "$1" "$2.npy" "$3" 7 \
    && "$ROOT/quarry" import --input "$2.npy" --output "$2" >&2; rm -f "$2.npy"; }' _ "$1" "$2" "$3"
}

sweep_set() { # name
  local dir
  SET_NAME="$(basename "$1")"
  case "$1" in
    clustered-1M)
      dir="$ROOT/bench/data/latency/clustered-1M"
      mkdir -p "$dir"
      [ -f "$dir/corpus.qvec" ] || flock "$LOCK" sh -c "[ -f '$dir/corpus.qvec' ] || '$ROOT/quarry' generate \
        --kind clustered --count 1000000 --dim 384 --output '$dir/corpus.qvec' --queries 20000 \
        --queries-output '$dir/queries.qvec' >&2"
      [ -f "$dir/anchors-1M.qvec" ] || flock "$LOCK" sh -c "[ -f '$dir/anchors-1M.qvec' ] || { '$ROOT/quarry' \
        generate --kind clustered --count 1000000 --dim 384 --output '$dir/corpus-again.qvec' --queries 1000000 \
        --queries-output '$dir/anchors-1M.qvec' >&2; rm -f '$dir/corpus-again.qvec'*; }"
      CORPUS="$dir/corpus.qvec"; QUERIES="$dir/queries.qvec"; ANCHORS="$dir/anchors-1M.qvec"
      QRELS="$SWEEP_DATA/clustered-1M/qrels-1M.tsv"; ROWIDS="$SWEEP_DATA/clustered-1M/rows.ids"
      mkdir -p "$SWEEP_DATA/clustered-1M"
      [ -f "$QRELS" ] || flock "$SWEEP_LOCK" sh -c '[ -f "$1" ] || { awk "BEGIN { for (i = 0; i < 1000000; i++) \
        printf \"%d\t%d\n\", i, (i * 7919) % 1000000 }" >"$1.tmp" && mv "$1.tmp" "$1"; }' _ "$QRELS"
      row_ids 1000000 "$ROWIDS"
      ;;
    glove)
      [ -f "$ROOT/bench/data/glove/glove.qvec" ] || flock "$LOCK" "$ROOT/bench/glove.sh"
      dir="$SWEEP_DATA/glove"
      mkdir -p "$dir"
      CORPUS="$ROOT/bench/data/glove/glove.qvec"; ANCHORS="$dir/anchors-1M.qvec"
      tiled_anchors "$CORPUS" "$ANCHORS" 1000000
      QUERIES="$ANCHORS"; QRELS="$dir/qrels-1M.tsv"; ROWIDS="$dir/rows.ids"
      [ -f "$QRELS" ] || flock "$SWEEP_LOCK" sh -c '[ -f "$1" ] || { awk "BEGIN { for (i = 0; i < 1000000; i++) \
        printf \"%d\t%d\n\", i, (i * 7919) % 341479 }" >"$1.tmp" && mv "$1.tmp" "$1"; }' _ "$QRELS"
      row_ids 341479 "$ROWIDS"
      ;;
    realdata)
      dir="$ROOT/bench/data/realdata"
      [ -f "$dir/anchors-1M.qvec" ] && [ -f "$dir/gt.npy" ] || "$ROOT/bench/realdata.sh"
      CORPUS="$dir/corpus.qvec"; QUERIES="$dir/queries.qvec"; ANCHORS="$dir/anchors-1M.qvec"
      QRELS="$dir/qrels-1M.tsv"; ROWIDS="$SWEEP_DATA/realdata/rows.ids"
      mkdir -p "$SWEEP_DATA/realdata"
      row_ids "$("$PY" -c "import sys; sys.path.insert(0, '$ROOT/bench/peers'); from qvec import open_qvec; \
print(open_qvec('$CORPUS').shape[0])")" "$ROWIDS"
      ;;
    */*) # a directory of one's own: corpus.qvec, queries.qvec, anchors.qvec, qrels.tsv (anchor row -> corpus row)
      dir="$(cd "$1" && pwd)"
      for f in corpus.qvec queries.qvec anchors.qvec qrels.tsv; do
        [ -f "$dir/$f" ] || { log "$dir/$f: missing (a set directory holds corpus.qvec, queries.qvec, anchors.qvec" \
          "and qrels.tsv)"; return 3; }
      done
      CORPUS="$dir/corpus.qvec"; QUERIES="$dir/queries.qvec"; ANCHORS="$dir/anchors.qvec"; QRELS="$dir/qrels.tsv"
      mkdir -p "$SWEEP_DATA/$(basename "$dir")"
      ROWIDS="$SWEEP_DATA/$(basename "$dir")/rows.ids"
      row_ids "$("$PY" -c "import sys; sys.path.insert(0, '$ROOT/bench/peers'); from qvec import open_qvec; \
print(open_qvec('$CORPUS').shape[0])")" "$ROWIDS"
      ;;
    *) log "unknown set $1 (clustered-1M, glove, realdata, or a directory)"; return 2 ;;
  esac
  ANCHOR_ROWIDS="$SWEEP_DATA/$SET_NAME/anchor-rows.ids"
  row_ids "$("$PY" -c "import sys; sys.path.insert(0, '$ROOT/bench/peers'); from qvec import open_qvec; \
print(open_qvec('$ANCHORS').shape[0])")" "$ANCHOR_ROWIDS"
}

# The index of NAME's corpus for NLIST with Quarry's build options, cached; k-means on up to 256 points per
# centroid, as FAISS trains.
quarry_index() { # name nlist build-opts...
  local name="$1" nlist="$2"
  shift 2
  local tag=""
  [ $# -gt 0 ] && tag="-$(printf '%s ' "$@" | md5sum | cut -c1-8)"
  local out="$SWEEP_DATA/$name/quarry-nlist$nlist$tag.qivf"
  mkdir -p "$SWEEP_DATA/$name"
  if [ -f "$out" ] && [ -z "$(index_nlist "$out")" ]; then
    # Rebuilt only when quarry refuses the file itself (an older version, another store's rows: its error names the
    # file); a quarry that does not start (its jar being rebuilt, a full heap) leaves the index and its tables alone.
    local why
    why="$("$ROOT/quarry" index recall --store "$CORPUS" --index "$out" --sample 1 --nprobe 1 --throughput-anchors 0 \
      2>&1 >/dev/null | grep -F "$(basename "$out"):" | head -1 || true)"
    if [ -z "$why" ]; then
      log "$out: quarry index recall failed without naming the index: left as it is"
      return 1
    fi
    log "$out does not open with this quarry ($why): rebuilt"
    flock "$SWEEP_LOCK" sh -c 'rm -f "$1" "$1".recall-*' _ "$out"
  fi
  if [ ! -f "$out" ]; then
    log "$name: quarry index build --nlist $nlist $* ($(sweep_load))"
    flock "$SWEEP_LOCK" sh -c '[ -f "$1" ] || { out="$1"; shift; exec "$@" --output "$out"; }' _ "$out" \
      "$ROOT/quarry" index build --store "$CORPUS" --type ivf --nlist "$nlist" --max-points-per-centroid 256 "$@" \
      2> >(tee "$out.log" >&2) >&2
    [ $# -eq 0 ] || printf '%s\n' "$*" >"$out.options"
  fi
  echo "$out"
}

index_nlist() { # "ivf nlist=N (file)" in quarry index recall's first line
  "$ROOT/quarry" index recall --store "$CORPUS" --index "$1" --sample 1 --nprobe 1 --throughput-anchors 0 2>/dev/null \
    | sed -n 's/.*ivf nlist=\([0-9]*\).*/\1/p' | head -1
}

# The values of a comma-separated nprobe grid at most nlist (quarry index recall refuses a larger one), so one grid
# serves every nlist of a sweep; nlist itself when none is.
nprobes_upto() { # nprobes nlist
  local out="" p
  for p in ${1//,/ }; do [ "$p" -le "$2" ] && out="$out${out:+,}$p"; done
  echo "${out:-$2}"
}

# The smallest nprobe of NPROBES whose recall@100 on the first 2,000 queries (`quarry index recall`, against
# exact search) reaches TARGET: prints "nprobe recall", or nothing when none does. The recall table is kept
# beside the index (per query file and search options), so both sweeps share it; the query file is named by its
# resolved path, so every checkout reaching the shared data through its bench/data symlink shares it too.
quarry_nprobe_for() { # index target nprobes search-opts...
  local index="$1" target="$2" nprobes="$3"
  shift 3
  local table
  table="$(recall_table_path "$index" "$nprobes" "$@")"
  if [ ! -s "$table" ]; then
    "$ROOT/quarry" index recall --store "$CORPUS" --index "$index" --queries "$QUERIES" --sample 2000 \
      --nprobe "$nprobes" "$@" >"$table.$$.tmp" && mv "$table.$$.tmp" "$table" \
      || { rm -f "$table.$$.tmp"; log "$index: quarry index recall failed (its error above)"; return 1; }
  fi
  recall_table_nprobe "$table" "$target"
}

# Every "nprobe recall coarse" line of the table quarry_nprobe_for made (same arguments, run it first).
quarry_recall_table() { # index nprobes search-opts...
  local index="$1" nprobes="$2"
  shift 2
  recall_table_rows "$(recall_table_path "$index" "$nprobes" "$@")"
}

# Where quarry_nprobe_for keeps an index's recall table for a query file, an nprobe grid and search options.
recall_table_path() { # index nprobes search-opts...
  local index="$1"
  shift
  echo "$index.recall-$(printf '%s ' "$(realpath "$QUERIES")" "$@" | md5sum | cut -c1-8).txt"
}

# "nprobe recall coarse" for each row of a `quarry index recall` table. An index with a centroid graph has a row
# per coarse stage for each nprobe (exact: every centroid scored; graph), so the stage names the row; "-" for a
# table without the column.
recall_table_rows() { # table
  awk '$1 == "nprobe" { c = 0; for (i = 1; i <= NF; i++) if ($i == "coarse") c = i; next }
       $1 ~ /^[0-9]+$/ && NF >= 3 { print $1, $2, (c ? $c : "-") }' "$1"
}

# The first row of the table's first coarse stage (exact unless --coarse put another first) whose recall reaches
# TARGET, as "nprobe recall": quarry mine is then timed at the nprobe of the stage it searches with, never at a
# graph row's.
recall_table_nprobe() { # table target
  recall_table_rows "$1" | awk -v t="$2" 'NR == 1 { stage = $3 } $3 == stage && $2 + 0 >= t + 0 { print $1, $2; exit }'
}
