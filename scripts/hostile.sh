#!/usr/bin/env bash
# Replays the hostile cases once tried on the surfaces around the engine (the server, the negatives store,
# embed, Spark, the README's flows) against this checkout, as a user or an attacker does them: real
# commands, real files, servers on loopback on a free port, every wait bounded. One line per case:
#   PASS|FAIL|SKIP  case  what must happen -- what was seen
# Exit code: 0 when no case failed, 1 when one did (2 for a bad argument).
#   scripts/hostile.sh          every case
#   scripts/hostile.sh 5 8 9    only these
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
Q="$ROOT/quarry"
# shellcheck source=lib/apt-install.sh
. "$ROOT/scripts/lib/apt-install.sh"
command -v curl >/dev/null || apt_install hostile curl
for arg in "$@"; do
  [[ "$arg" =~ ^[0-9]+$ ]] || { echo "hostile: $arg is not a case number (1 to 18)" >&2; exit 2; }
done

WORK="$(mktemp -d -t quarry-hostile.XXXXXX)"
SERVERS=()
cleanup() {
  local pid
  for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
FAILED=0
CASE=""

CASE_T0=$SECONDS
# begin N: the case that the next lines replay (its line says how long it took).
begin() { CASE="$1" CASE_T0=$SECONDS; }
pass() { printf 'PASS  %-2s %s (%d s)\n' "$CASE" "$*" $((SECONDS - CASE_T0)); }
fail() { printf 'FAIL  %-2s %s (%d s)\n' "$CASE" "$*" $((SECONDS - CASE_T0)); FAILED=1; }
skip() { printf 'SKIP  %-2s %s\n' "$CASE" "$*"; }
wanted() { [ ${#SELECTED[@]} -eq 0 ] && return 0; local n; for n in "${SELECTED[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }
SELECTED=("$@")

# run CMD...: runs it with its output in files; sets RC, and ERR to its stderr's first line from quarry (a
# message), else its first line.
run() {
  "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
  RC=$?
  ERR="$(grep -v -e '^quarry: building' -e '^quarry: preparing' "$WORK/err" | grep -m1 '^quarry: ' | cut -c1-220)"
  [ -n "$ERR" ] || ERR="$(grep -v -e '^WARNING: ' -e '^quarry: building' -e '^quarry: preparing' "$WORK/err" | head -1 | cut -c1-220)"
}

# serve NAME ARGS...: starts `quarry serve --bind 127.0.0.1:0 --work-dir WORK/NAME.work ARGS` in $WORK (where a
# crashed JVM would leave its hs_err file) and waits (90 s at most) for its listening line; sets URL and PID.
# Its log is $WORK/NAME.log.
serve() {
  local name="$1" log="$WORK/$1.log" deadline=$((SECONDS + 90))
  shift
  (cd "$WORK" && exec "$Q" serve --bind 127.0.0.1:0 --work-dir "$WORK/$name.work" "$@" >"$log" 2>&1 </dev/null) &
  PID=$!
  SERVERS+=("$PID")
  URL=""
  while [ $SECONDS -lt $deadline ] && kill -0 "$PID" 2>/dev/null; do
    URL="$(sed -n 's|.*listening on \(http://[0-9.]*:[0-9]*\)/.*|\1|p' "$log" | head -1)"
    [ -n "$URL" ] && return 0
    sleep 0.2
  done
  return 1
}

# stop PID: SIGTERM (the server drains and exits), SIGKILL after 30 s.
stop() {
  local pid="$1" deadline=$((SECONDS + 30))
  kill "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# A Python client (standard library) for what curl cannot do: stalled uploads, raw requests, many clients.
client() { timeout 180 /usr/bin/python3 "$ROOT/scripts/lib/hostile_client.py" "$@"; }
# post PATH BODY_FILE [CONTENT_TYPE]: one call to $URL, its answer in $WORK/body; prints the HTTP status.
post() {
  timeout 60 curl -s -o "$WORK/body" -w '%{http_code}' -H "Content-Type: ${3:-application/octet-stream}" \
    --data-binary "@$2" "$URL$1"
}
get() { timeout 60 curl -s -o "$WORK/body" -w '%{http_code}' "$URL$1"; }
# rss PID: the process's resident memory in MiB.
rss() { awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
# stack_traces LOG: how many stack-trace lines a server logged.
stack_traces() { grep -cE '^[[:space:]]+at [a-zA-Z]|Exception' "$1"; }
# verdict CONDITION_STATUS TEXT: PASS when the condition (an exit status) held, else FAIL.
verdict() { if [ "$1" = 0 ]; then pass "$2"; else fail "$2"; fi; }

# A small catalog (ids, texts, qrels, an IVF index) shared by the cases.
CAT="$WORK/catalog"
# The launcher builds what is missing or stale once, here, so that no case waits on a build.
"$Q" serve --help >/dev/null 2>&1 && "$Q" embed --help >/dev/null 2>&1 \
  || { echo "hostile: the build failed: ./quarry serve --help says why" >&2; exit 1; }
if ! "$Q" demo --docs 3000 --anchors 300 --dim 32 --workdir "$CAT" >/dev/null 2>"$WORK/demo.err"; then
  echo "hostile: the catalog could not be made: $(tail -1 "$WORK/demo.err")" >&2
  exit 1
fi
# A negatives store as quarry mine writes it (a copy for each case that damages one).
"$Q" mine --corpus "$CAT/corpus.qvec" --queries "$CAT/queries.qvec" --qrels "$CAT/qrels.tsv" \
  --negatives-store "$WORK/negs.cmap" --output "$WORK/negs.jsonl" >/dev/null 2>&1 \
  || { echo "hostile: quarry mine --negatives-store failed" >&2; exit 1; }
store_copy() {
  cp "$WORK/negs.cmap" "$WORK/$1" && cp "$WORK/negs.cmap.quarry-users" "$WORK/$1.quarry-users"
}

# One server for the cases on a single call (2, 3, 4, 10, 11): one running slot, two waiting places, bodies up to
# 1 MiB read at 1 s per MiB, a negatives store; started on first use.
MAIN_URL=""
main_server() {
  [ -n "$MAIN_URL" ] && { URL="$MAIN_URL"; PID="$MAIN_PID"; return 0; }
  serve main --corpus "$CAT/corpus.qvec" --index "$CAT/corpus.qivf" --negatives-store "$WORK/served.cmap" \
    --max-running 1 --max-waiting 2 --body-timeout 1 --max-body-mb 1 || return 1
  MAIN_URL="$URL" MAIN_PID="$PID"
}
# on_server NAME CHECK [SERVE_ARGS...]: runs CHECK (a function below: its requests and its verdict) against a server.
# NAME main is the shared one (main_server: started on first use, left running for the next case); any other NAME is
# started with SERVE_ARGS for CHECK alone and stopped after it. A server that does not start fails the case, naming
# it and its log's last line.
on_server() {
  local name="$1" check="$2"
  shift 2
  if [ "$name" = main ]; then main_server; else serve "$name" "$@"; fi \
    || { fail "a server ($name): it did not start: $(tail -1 "$WORK/$name.log")"; return 0; }
  "$check"
  [ "$name" = main ] || stop "$PID"
}
client body "$CAT/queries.qvec" "$CAT/qrels.tsv" 3 >"$WORK/three.bin"
client body "$CAT/queries.qvec" "$CAT/qrels.tsv" 1 >"$WORK/one.bin"

begin 1
if wanted 1; then
  # The trainer's files: the corpus served at start and the one a refresh names, each rewritten or cut short once
  # the server accepted it (as np.save to the same path each epoch does).
  R1="$WORK/trainer" && mkdir -p "$R1"
  cp "$CAT/corpus.qvec" "$CAT/corpus.qvec.ids" "$CAT/corpus.qivf" "$R1/" && cp "$CAT/corpus.qvec" "$R1/epoch1.qvec"
  trainer_files() {
    first="$(post "/v1/mine?n=3" "$WORK/three.bin")" && cp "$WORK/body" "$WORK/before.bin"
    truncate -s 4096 "$R1/corpus.qvec" && head -c 100 /dev/zero >"$R1/corpus.qivf"
    same="$(post "/v1/mine?n=3" "$WORK/three.bin")"; cmp -s "$WORK/body" "$WORK/before.bin"; same_bytes=$?
    printf '{"corpus": "%s"}' "$R1/epoch1.qvec" >"$WORK/refresh.json"
    refresh="$(post /v1/refresh "$WORK/refresh.json" application/json)"
    # Accepted: cut short and deleted at once, while the refresh checks and indexes its copy.
    truncate -s 100 "$R1/epoch1.qvec" && rm -f "$R1/epoch1.qvec"
    during="" deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ]; do
      get /v1/status >/dev/null
      grep -q '"index_version":2' "$WORK/body" && grep -q '"refreshing":false' "$WORK/body" && break
      during+="$(post "/v1/mine?n=3" "$WORK/three.bin") "
    done
    get /v1/status >/dev/null; version="$(grep -o '"index_version":[0-9]*' "$WORK/body")"
    after="$(post "/v1/mine?n=3" "$WORK/three.bin")"; cmp -s "$WORK/body" "$WORK/before.bin"; after_bytes=$?
    bad="$(tr ' ' '\n' <<<"$during" | grep -cv -e '^200$' -e '^$')"
    alive=0; kill -0 "$PID" 2>/dev/null || alive=1
    crashes="$(find "$WORK" -maxdepth 1 -name 'hs_err*' | wc -l)"
    seen="first $first, after the rewrite $same (same bytes: $([ $same_bytes = 0 ] && echo yes || echo no)),"
    seen+=" refresh $refresh, $(wc -w <<<"$during") calls during it ($bad not 200), $version, after it $after"
    seen+=" (same bytes: $([ $after_bytes = 0 ] && echo yes || echo no)), alive: $([ $alive = 0 ] && echo yes || echo no),"
    seen+=" hs_err files: $crashes, stack traces logged: $(stack_traces "$WORK/trainer.log")"
    [ "$first" = 200 ] && [ "$same" = 200 ] && [ $same_bytes = 0 ] && [ "$refresh" = 202 ] && [ "$bad" = 0 ] \
      && [ "$version" = '"index_version":2' ] && [ "$after" = 200 ] && [ $after_bytes = 0 ] && [ $alive = 0 ] \
      && [ "$crashes" = 0 ] && [ "$(stack_traces "$WORK/trainer.log")" = 0 ]
    verdict $? "files rewritten or cut once accepted (at start, right after POST /v1/refresh): the same answers, no 500, no crash -- $seen"
  }
  on_server trainer trainer_files --corpus "$R1/corpus.qvec" --index "$R1/corpus.qivf"
fi

begin 2
if wanted 2; then
  stalled_uploads() {
    out="$(client stall "$URL" "$WORK/one.bin")"
    [[ "$out" == "other=200 "* ]] && [[ "$out" == *"stalled=closed/none;closed/none "* ]] \
      && [ "$(stack_traces "$WORK/main.log")" = 0 ]
    verdict $? "two stalled uploads (Content-Length 600, 10 bytes sent), one running slot: another call answered 200, the stalled ones cut off unanswered, no stack trace -- $out"
  }
  on_server main stalled_uploads
fi

begin 3
if wanted 3; then
  range_max_depth() {
    before="$(rss "$PID")" seen=""
    ok=0
    # What the command line says of the same depth (1e8 is the integer 100000000 at every door).
    run "$Q" mine --corpus "$CAT/corpus.qvec" --queries "$CAT/queries.qvec" --qrels "$CAT/qrels.tsv" \
      --range-max 1e8 --output "$WORK/deep.jsonl"
    cli="${ERR#*expected }"
    [ "$RC" = 2 ] && [[ "$cli" == "at most the corpus size"* ]] || ok=1
    bound="${cli%% in *}" # "at most the corpus size (3681 rows": the CLI then names its file, the server "the corpus served"
    for depth in 2000000000 100000000 1e8; do
      t0=$(date +%s%N)
      status="$(post "/v1/mine?n=3&range_max=$depth" "$WORK/three.bin")"
      ms=$(( ($(date +%s%N) - t0) / 1000000 ))
      seen+="range_max=$depth: $status in $ms ms $(grep -o '"field":"range_max","value":"[^"]*","expected":"[^"]*"' "$WORK/body" | head -c 120); "
      [ "$status" = 400 ] && grep -qF "\"field\":\"range_max\",\"value\":\"${depth/1e8/100000000}\",\"expected\":\"$bound" "$WORK/body" \
        && [ $ms -lt 10000 ] || ok=1
    done
    after="$(rss "$PID")"
    [ $ok = 0 ] && [ $((after - before)) -lt 100 ]
    verdict $? "range_max beyond the corpus (1e8 too): 400 naming it with the command line's words within 10 s (as the module test), RSS grows < 100 MiB -- CLI --range-max 1e8: exit $RC, expected $cli; ${seen}RSS $before -> $after MiB"
  }
  on_server main range_max_depth
fi

begin 4
if wanted 4; then
  surrogate_id() {
    client json "$CAT/queries.qvec" "$CAT/qrels.tsv" 3 '"a"' '"b"' '"\ud800"' >"$WORK/ids.json"
    get /v1/status >/dev/null; stored="$(grep -o '"negatives_stored":[0-9]*' "$WORK/body")"
    status="$(post /v1/mine "$WORK/ids.json" application/json)"; answer="$(head -c 200 "$WORK/body")"
    get /v1/status >/dev/null; stored_after="$(grep -o '"negatives_stored":[0-9]*' "$WORK/body")"
    get "/v1/negatives?anchor=a&anchor=b" >/dev/null; read="$(cat "$WORK/body")"
    [ "$status" = 400 ] && [[ "$answer" == *'"field":"anchor_ids[2]"'* ]] && [ "$stored" = "$stored_after" ] \
      && [ "$read" = '{"negatives":{"a":null,"b":null}}' ]
    verdict $? "anchor_ids a, b, then a lone surrogate: 400 naming anchor_ids[2], nothing stored -- $status $answer; $stored -> $stored_after; GET a, b: $read"
  }
  on_server main surrogate_id
fi

begin 5
if wanted 5; then
  store_copy flipped.cmap
  # A negative id of an entry, changed in place (its last digit): the store must refuse the entry, not answer it.
  victim="$(sed -n 's/.*"negative":"\(d[0-9]*\)".*/\1/p' "$WORK/negs.jsonl" | head -1)"
  at="$(grep -obaP "${victim}(?![0-9])" "$WORK/flipped.cmap" | head -1 | cut -d: -f1)"
  last="${victim: -1}"
  printf '%s' "$(( (last + 1) % 10 ))" | dd of="$WORK/flipped.cmap" bs=1 seek=$((at + ${#victim} - 1)) conv=notrunc status=none
  anchors="$(sed -n 's/.*"anchor":"\(q[0-9]*\)".*/anchor=\1/p' "$WORK/negs.jsonl" | sort -u | paste -sd'&')"
  if serve flipped --corpus "$CAT/corpus.qvec" --negatives-store "$WORK/flipped.cmap"; then
    status="$(curl -s -o "$WORK/body" -w '%{http_code}' "$URL/v1/negatives?$anchors")"
    if [ "$status" != 200 ] && grep -q "entry of anchor" "$WORK/body"; then
      pass "2 bytes of a stored entry changed: an error naming its anchor -- HTTP $status $(head -c 160 "$WORK/body")"
    else
      fail "2 bytes of a stored entry changed: an error naming its anchor -- HTTP $status $(head -c 160 "$WORK/body")"
    fi
    stop "$PID"
  else
    fail "a server on the damaged store: an answer per entry -- it did not start: $(tail -1 "$WORK/flipped.log")"
  fi
fi

begin 6
if wanted 6; then
  store_copy half.cmap
  truncate -s $(( $(stat -c %s "$WORK/half.cmap") / 2 )) "$WORK/half.cmap"
  run "$Q" mine --corpus "$CAT/corpus.qvec" --queries "$CAT/queries.qvec" --qrels "$CAT/qrels.tsv" \
    --negatives-store "$WORK/half.cmap" --output "$WORK/half.jsonl"
  if [ "$RC" = 3 ] && [[ "$ERR" == *"half.cmap"* ]] && [ ! -e "$WORK/half.jsonl" ]; then
    pass "a store cut to half: refused with the numbers, exit 3 -- exit $RC: $ERR"
  else
    fail "a store cut to half: refused with the numbers, exit 3 -- exit $RC: $ERR"
  fi
fi

begin 7
if wanted 7; then
  export SPARK_LOCAL_IP=127.0.0.1
  sharded=(--master 'local[2]' --placement sharded --shards "$WORK/shards" --corpus "$CAT/corpus.qvec"
           --queries "$CAT/queries.qvec" --qrels "$CAT/qrels.tsv" --num-negatives 4)
  run "$Q" spark-mine "${sharded[@]}" --shard-count 2 --output "$WORK/sharded.jsonl"
  cut="$RC"
  shard="$WORK/shards/shard-00001.qvec"
  # 4 bytes of one row changed in place: the header, the size and the footer still look right.
  printf '\x01\x02\x03\x04' | dd of="$shard" bs=1 seek=$((4096 + 4 * 33)) conv=notrunc status=none
  run "$Q" spark-mine "${sharded[@]}" --output "$WORK/after.jsonl"
  if [ "$cut" = 0 ] && [ "$RC" = 3 ] && [[ "$ERR" == *shard-00001.qvec* ]] && [ ! -e "$WORK/after.jsonl" ]; then
    pass "4 bytes of a shard's rows changed: spark-mine --placement sharded exits 3 naming it -- exit $RC: $ERR"
  else
    fail "4 bytes of a shard's rows changed: spark-mine --placement sharded exits 3 naming it -- exit $cut, then $RC: $ERR"
  fi
fi

begin 8
if wanted 8; then
  printf '{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\n{"id": "a", "text": "three"}\n' >"$WORK/dup.jsonl"
  run "$Q" embed --input "$WORK/dup.jsonl" --output "$WORK/dup.qvec"
  if [ "$RC" = 3 ] && [[ "$ERR" == *"line 3 id=a"*"line 1"* ]] && [ ! -e "$WORK/dup.qvec" ]; then
    pass "embed, two lines with one id: exit 3 naming both lines, nothing written -- exit $RC: $ERR"
  else
    fail "embed, two lines with one id: exit 3 naming both lines, nothing written -- exit $RC: $ERR"
  fi
  printf '{"id": "a", "text": "ok"}\n{"id": "b", "text": "caf\xe9"}\n' >"$WORK/latin1.jsonl"
  at="$(LC_ALL=C grep -obaP '\xe9' "$WORK/latin1.jsonl" | cut -d: -f1)"
  run "$Q" embed --input "$WORK/latin1.jsonl" --output "$WORK/latin1.qvec"
  if [ "$RC" = 3 ] && [[ "$ERR" == *"line 2 byte offset $at "* ]] && [ ! -e "$WORK/latin1.qvec" ]; then
    pass "embed, a Latin-1 byte: exit 3 naming line and byte offset -- exit $RC: $ERR"
  else
    fail "embed, a Latin-1 byte: exit 3 naming line and byte offset -- exit $RC: $ERR"
  fi
  run "$Q" embed --input "$WORK/latin1.jsonl" --output "$WORK/latin1.qvec" --on-invalid-utf8 replace
  if [ "$RC" = 0 ] && [ -s "$WORK/latin1.qvec" ]; then
    pass "embed --on-invalid-utf8 replace: embedded -- exit $RC: $(head -1 "$WORK/out" | cut -c1-120)"
  else
    fail "embed --on-invalid-utf8 replace: embedded -- exit $RC: $ERR"
  fi
fi

begin 9
if wanted 9; then
  # README: "Mine your own data" (texts in the output), then "Check a mined set before training on it", verbatim,
  # with the catalog's queries and qrels standing for the held-out ones.
  ln -s queries.qvec "$CAT/heldout-queries.qvec" && ln -s queries.qvec.ids "$CAT/heldout-queries.qvec.ids" \
    && ln -s qrels.tsv "$CAT/heldout.tsv"
  (cd "$CAT" && "$Q" mine --corpus corpus.qvec --queries queries.qvec --qrels qrels.tsv \
              --num-negatives 8 --range-min 10 --range-max 100 --output-format n-tuple \
              --corpus-text corpus.jsonl --queries-text queries.jsonl --output mined.jsonl \
    && "$Q" eval --corpus corpus.qvec --queries heldout-queries.qvec --qrels heldout.tsv \
              --index corpus.qivf --nprobe 1,4,16,64 --k 10,100 --json eval.json) >/dev/null 2>"$WORK/err9"
  ready=$?
  ERR9="$([ "$ready" = 0 ] || grep -v '^WARNING: ' "$WORK/err9" | tail -1 | cut -c1-200)"
  run bash -c "cd '$CAT' && '$Q' audit mined.jsonl --corpus corpus.qvec --queries queries.qvec \
               --corpus-text corpus.jsonl --queries-text queries.jsonl \
               --sample 200 --eval eval.json --html report.html"
  ranks="$(grep -m1 '^negative ranks' "$WORK/out" | tr -s ' ')"
  if [ "$ready" = 0 ] && [ "$RC" = 0 ] && [ -n "$ranks" ] && ! grep -q "name no row" "$WORK/err"; then
    pass "README's mine (texts) then its audit: scored from the embeddings -- exit $RC: $ranks"
  else
    fail "README's mine (texts) then its audit: scored from the embeddings -- exit $RC: $ERR${ERR9:+ (before it: $ERR9)}"
  fi
fi

begin 10
if wanted 10; then
  chunked_bodies() {
    {
      printf 'POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n'
      printf 'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n'
      chunk="$(head -c 4096 /dev/zero | tr '\0' a)"
      for _ in $(seq 512); do printf '1000\r\n%s\r\n' "$chunk"; done   # 2 MiB, the limit is 1
      printf '0\r\n\r\n'
    } >"$WORK/chunked-big.http"
    printf 'POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n' \
      >"$WORK/chunked-zz.http"
    big="$(client raw "$URL" "$WORK/chunked-big.http")"
    zz="$(client raw "$URL" "$WORK/chunked-zz.http")"
    traces="$(stack_traces "$WORK/main.log")"
    [[ "$big" == "statuses=413 end=closed "* ]] && [[ "$zz" == "statuses=400 end=closed "* ]] && [ "$traces" = 0 ]
    verdict $? "a chunked body over --max-body-mb with Connection: close: one 413, connection closed; a chunk size zz: one 400, connection closed; no stack trace logged -- over: $big; zz: $zz; stack traces: $traces"
  }
  on_server main chunked_bodies
fi

begin 11
if wanted 11; then
  same_refusals() {
    run "$Q" mine --corpus "$CAT/corpus.qvec" --queries "$CAT/queries.qvec" --qrels "$CAT/qrels.tsv" \
      --index "$CAT/corpus.qivf" --nprobe 0 --output "$WORK/nprobe0.jsonl"
    cli="$RC: $ERR"
    http="$(post "/v1/mine?n=3&nprobe=0" "$WORK/three.bin") $(head -c 200 "$WORK/body")"
    expected="$(sed -n 's/.*"expected":"\([^"]*\)".*/\1/p' "$WORK/body")"
    twice="$(post "/v1/mine?n=3&num_negatives=4&num-negatives=5" "$WORK/three.bin") $(head -c 160 "$WORK/body")"
    printf '{"anchors": [], "positives": [], "num_negatives": 4, "num-negatives": 5}' >"$WORK/twice.json"
    twice_json="$(post /v1/mine "$WORK/twice.json" application/json) $(head -c 160 "$WORK/body")"
    [ "$RC" = 2 ] && [[ "$ERR" == *nprobe*0* ]] && [ -n "$expected" ] && [[ "$ERR" == *"$expected"* ]] \
      && [[ "$http" == '400 '*'"field":"nprobe","value":"0"'* ]] \
      && [[ "$twice" == '400 '*'one value'*'"field":"num_negatives"'* ]] \
      && [[ "$twice_json" == '400 '*'one value'*'"field":"num_negatives"'* ]]
    verdict $? "nprobe=0 refused as the CLI refuses it; num_negatives and num-negatives in one request refused (query and JSON) -- CLI exit $cli; HTTP $http; twice: $twice; JSON: $twice_json"
  }
  on_server main same_refusals
fi

begin 12
if wanted 12; then
  : >"$WORK/a-file"
  seen="" ok=0
  for given in "$WORK/nonexistent" "$WORK/a-file"; do
    t0=$SECONDS
    run timeout 120 "$Q" serve --corpus "$CAT/corpus.qvec" --bind 127.0.0.1:0 --work-dir "$WORK/refresh-dir.work" \
      --refresh-dir "$given"
    seen+="${given##*/}: exit $RC in $((SECONDS - t0)) s: $ERR; "
    [ "$RC" = 3 ] && [[ "$ERR" == *"--refresh-dir="*"expected an existing directory"* ]] \
      && ! grep -q "warming up" "$WORK/err" || ok=1
  done
  verdict $ok "--refresh-dir missing, or a file: exit 3 naming it, before the warm-up -- $seen"
fi

begin 13
if wanted 13; then
  # A server killed (SIGKILL) while a retrain refresh writes its index, and what an older one left, then a
  # server started on the same work directory; and a directory of a user's given as the work directory.
  R13="$WORK/killed" && mkdir -p "$R13" && cp "$CAT/corpus.qvec" "$CAT/corpus.qvec.ids" "$R13/"
  cp "$CAT/corpus.qvec" "$R13/epoch1.qvec" && echo "the user's" >"$R13/notes.txt"
  seen=""
  if serve killed --corpus "$R13/corpus.qvec" --index "$CAT/corpus.qivf" --refresh-dir "$R13"; then
    printf '{"corpus": "%s", "retrain": true}' "$R13/epoch1.qvec" >"$WORK/retrain.json"
    seen+="refresh $(post /v1/refresh "$WORK/retrain.json" application/json), "
    sleep 0.3   # into the refresh; whatever it wrote by then is what a kill leaves
    kill -9 "$PID"; wait "$PID" 2>/dev/null
    for stale in v7-corpus.qvec v7-corpus.qivf v7-corpus.qivf.quarry-4242-1.tmp v7-corpus.qivf.quarry.lock; do
      echo "left by a killed server" >"$WORK/killed.work/$stale"
    done
    left="$(ls -A "$WORK/killed.work" | grep -v '^\.quarry-serve' | wc -l)"
    seen+="killed, $left files left; "
    if serve killed --corpus "$R13/corpus.qvec" --index "$CAT/corpus.qivf" --refresh-dir "$R13"; then
      removed="$(grep -m1 -o 'removed [0-9]* files[^.;]*' "$WORK/killed.log")"
      # the restarted server's own files: its marker, its lock and the copies of version 1
      now="$(ls -A "$WORK/killed.work" | grep -v -e '^\.quarry-serve' -e '^v1-' | tr '\n' ' ')"
      seen+="restarted: ${removed:-nothing said}, stale files now: ${now:-0}; "
      stop "$PID"
    else
      seen+="the restart failed: $(tail -1 "$WORK/killed.log"); "
    fi
  else
    seen+="it did not start: $(tail -1 "$WORK/killed.log"); "
  fi
  mkdir -p "$WORK/users-dir" && echo mine >"$WORK/users-dir/notes.txt"
  run timeout 120 "$Q" serve --corpus "$R13/corpus.qvec" --bind 127.0.0.1:0 --work-dir "$WORK/users-dir"
  seen+="--work-dir of a user's: exit $RC: $ERR"
  [ -n "${removed:-}" ] && [ -z "${now:-}" ] && [ "$(cat "$R13/notes.txt")" = "the user's" ] \
    && [ -e "$R13/epoch1.qvec" ] && [ "$RC" = 3 ] && [[ "$ERR" == *"--work-dir="* ]] \
    && [ "$(cat "$WORK/users-dir/notes.txt")" = mine ]
  verdict $? "what a killed server left is removed at the next start, a user's file never -- $seen"
fi

begin 14
if wanted 14; then
  printf '0123456789abcdef0123456789abcdef\n' >"$WORK/token.txt" && chmod 644 "$WORK/token.txt"
  run timeout 120 "$Q" serve --corpus "$CAT/corpus.qvec" --bind 127.0.0.1:0 --work-dir "$WORK/token.work" \
    --token-file "$WORK/token.txt"
  [ "$RC" = 3 ] && [[ "$ERR" == *"token.txt"*"chmod 600"* ]]
  verdict $? "a token file everyone can read: refused at start (exit 3, chmod 600), as the README says -- exit $RC: $ERR"
fi

begin 15
if wanted 15; then
  export SPARK_LOCAL_IP=127.0.0.1
  spark=(--corpus "$CAT/corpus.qvec" --queries "$CAT/queries.qvec" --qrels "$CAT/qrels.tsv" --num-negatives 4
         --output "$WORK/never.jsonl")
  run timeout 120 "$Q" spark-mine --master bogus://x "${spark[@]}"
  bogus="exit $RC: $ERR"; ok=0
  [ "$RC" = 2 ] && [[ "$ERR" == *"--master=bogus://x"* ]] || ok=1
  t0=$SECONDS
  run timeout 60 "$Q" spark-mine --master spark://127.0.0.1:1 "${spark[@]}"
  took=$((SECONDS - t0))
  [ "$RC" = 3 ] && [ $took -lt 30 ] && grep -q 'spark://127.0.0.1:1' "$WORK/err" && ! grep -q "stopped SparkContext" "$WORK/err" \
    && [ ! -e "$WORK/never.jsonl" ] || ok=1
  verdict $ok "spark-mine --master bogus://x: exit 2; spark://127.0.0.1:1: exit 3 within 30 s naming it -- $bogus; unreachable: exit $RC in $took s: $ERR"
fi

begin 16
if wanted 16; then
  run "$Q" frobnicate --help
  if [ "$RC" = 2 ] && [[ "$ERR" == "quarry: "*"'frobnicate'"* ]]; then
    pass "quarry frobnicate --help: a usage error naming it, exit 2 -- exit $RC: $ERR"
  else
    fail "quarry frobnicate --help: a usage error naming it, exit 2 -- exit $RC: $ERR"
  fi
  run "$Q" index build --nlist x --store "$CAT/corpus.qvec" --output "$WORK/x.qivf"
  if [ "$RC" = 2 ] && [[ "$ERR" == "quarry index build: "*"--nlist"* ]]; then
    pass "quarry index build --nlist x: the whole command named, exit 2 -- exit $RC: $ERR"
  else
    fail "quarry index build --nlist x: the whole command named, exit 2 -- exit $RC: $ERR"
  fi
fi
begin 17
if wanted 17; then
  # IvfConcurrentSearchTest's case from outside: an index of 512 lists, so a block of 4 to 127 anchors is split
  # between the call's two threads; four clients at once, and a refresh midway. Every answer of one index
  # version must be the same bytes.
  R17="$WORK/ivf" && mkdir -p "$R17" && cp "$CAT/corpus.qvec" "$CAT/corpus.qvec.ids" "$R17/"
  cp "$CAT/corpus.qvec" "$R17/epoch1.qvec" && cp "$CAT/corpus.qvec.ids" "$R17/epoch1.qvec.ids"
  run "$Q" index build --store "$R17/corpus.qvec" --nlist 512 --output "$R17/corpus.qivf"
  client body "$CAT/queries.qvec" "$CAT/qrels.tsv" 64 >"$WORK/sixty-four.bin"
  client body "$CAT/queries.qvec" "$CAT/qrels.tsv" 17 >"$WORK/seventeen.bin"
  if [ "$RC" = 0 ] && serve ivf --corpus "$R17/corpus.qvec" --index "$R17/corpus.qivf" --threads 2 \
       --max-running 4 --max-waiting 16; then
    printf '{"corpus": "%s"}' "$R17/epoch1.qvec" >"$WORK/refresh17.json"
    through="$(client concurrent "$URL" "$WORK/sixty-four.bin" 64 4 9 "$(cat "$WORK/refresh17.json")")"
    seventeen="$(client concurrent "$URL" "$WORK/seventeen.bin" 17 4 6)"
    [[ "$through" == *" failed=0 refresh=202 "*"differing=0" ]] && [[ "$through" == *"v1:"*"v2:"* ]] \
      && [[ "$seventeen" == *" failed=0 "*"differing=0" ]]
    verdict $? "4 clients, one body, an IVF search split between 2 threads, a refresh midway: one answer per index version -- 64 anchors: $through; 17 anchors: $seventeen"
    stop "$PID"
  else
    fail "a server on a 512-list index: it did not start: exit $RC $ERR $(tail -1 "$WORK/ivf.log" 2>/dev/null)"
  fi
fi

begin 18
if wanted 18; then
  # bench/serve.sh's overload, small and in a closed loop: 32 callers with no pause for 10 s, each body 512 anchors (64 KiB); the
  # bodies' budget 1 MiB, so that it is what refuses. The server runs in the heap README.md documents for it ("Memory under
  # overload": -Xmx96m). Judged: every call answered 200 or 503 (no 500, and no call without an answer: a reset or a broken
  # pipe loses the client its 503), no OutOfMemoryError, the server alive after it, its live heap (after a full collection:
  # jcmd GC.class_histogram, 4 and 8 s into the overload) at most 32 MiB, and a probe call every 100 ms answered 200 once every
  # caller had its last answer, taking again at most twice its time before within 10 s of the end. A probe call begun before the
  # callers' last calls were answered may be refused as any call beside them was: it is listed, not judged. The live heap, not
  # the GC log's "live after a young collection", which also counts old objects not yet collected and grows with the calls
  # answered.
  client body "$CAT/corpus.qvec" "$CAT/qrels.tsv" 512 >"$WORK/big.bin"
  HEAP18="-Xmx96m -XX:+ExitOnOutOfMemoryError -Xlog:gc:file=$WORK/gc18.log"
  export QUARRY_JAVA_OPTS="${QUARRY_JAVA_OPTS:-} $HEAP18"
  overload() {
    local jdk; jdk="$("$Q" jdk)"
    # the live heap in MiB: a full collection's census (its last line: "Total <objects> <bytes>")
    live() { "$jdk/bin/jcmd" "$PID" GC.class_histogram 2>/dev/null | awk '$1 == "Total" { printf "%d", $3 / 1048576 }'; }
    (sleep 7; live >"$WORK/live18.a"; sleep 4; live >"$WORK/live18.b") &
    local census=$!
    out="$(client overload "$URL" "$WORK/big.bin" 512 32 10 3 12)"
    wait "$census"
    live_a="$(cat "$WORK/live18.a")" live_b="$(cat "$WORK/live18.b")"
    # "GC(7) Pause Young (Normal) (G1 Evacuation Pause) 80M->14M(96M) 3.1ms": the heap in use before a collection (MiB)
    peak="$(sed -n 's/.* \([0-9]*\)M->[0-9]*M([0-9]*M).*/\1/p' "$WORK/gc18.log" | sort -n | tail -1)"
    hwm="$(awk '/^VmHWM:/ { printf "%d", $2 / 1024 }' "/proc/$PID/status" 2>/dev/null)"
    alive=yes; kill -0 "$PID" 2>/dev/null || alive=no
    oom="$(grep -c OutOfMemoryError "$WORK/overload.log")"
    back="$(sed -n 's/.*back_to_normal_s=\([0-9.]*\).*/\1/p' <<<"$out")"
    callers="$(sed -n 's/.*callers=\([^ ]*\).*/\1/p' <<<"$out")"
    [[ "$callers" =~ ^(200:[0-9]+)?,?(503:[0-9]+)?$ ]] && [ -n "$callers" ] \
      && [[ "$out" == *"probe_after_failed=0 probe_unanswered=0 "* ]] && [ -n "$back" ] \
      && awk -v b="$back" 'BEGIN { exit !(b <= 10) }' && [ "$alive" = yes ] && [ "$oom" = 0 ] \
      && [ -n "$live_a" ] && [ -n "$live_b" ] && [ "$live_a" -le 32 ] && [ "$live_b" -le 32 ]
    verdict $? "overload by 32 callers in a closed loop (64 KiB bodies, a 1 MiB budget) in -Xmx96m: every call answered 200 or 503, no OutOfMemoryError, live heap <= 32 MiB, the probe answered 200 once the callers were, latency back within 10 s -- $out; alive: $alive, OutOfMemoryError logged: $oom; live heap ${live_a:-?} / ${live_b:-?} MiB (4 / 8 s in), in use at most ${peak:-?} MiB, peak RSS ${hwm:-?} MiB"
  }
  # --body-timeout 30 (a slow link's pace): a read's deadline check left on the timer until due, as before, held each call's
  # connection for 30 s, and the live heap grew with the calls answered (past 96 MiB: OutOfMemoryError).
  on_server overload overload --corpus "$CAT/corpus.qvec" --index "$CAT/corpus.qivf" --max-body-mb 1 --max-bodies-mb 1 \
    --body-timeout 30
  export QUARRY_JAVA_OPTS="${QUARRY_JAVA_OPTS% $HEAP18}"
fi

exit "$FAILED"
