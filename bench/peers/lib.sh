# Helpers shared by bench/peers.sh and bench/peers/avx2.sh: one contender configuration per call,
# appending its JSON line to $RESULTS. Expects ROOT, DATA, RUN, RESULTS, PY and FAISS_AVX2_PATH to be
# set, and peer_java to have been called.

log() { echo "peers: $*" >&2; }

peer_java() { # extra-jvm-flags... -> JAVA: java with Quarry's JVM flags and the harness's main class
  local jdk
  jdk="$("$ROOT/quarry" jdk)"
  local flags
  mapfile -t flags < <("$ROOT/quarry" jvm-flags)
  JAVA=("$jdk/bin/java" "${flags[@]}" "$@" -Xmx6g
        -cp "$ROOT/bench/target/quarry-bench.jar" dev.quarry.bench.peers.PeerRunner)
}

java_peer() { # dataset corpus queries contender runs extra-args...
  local set="$1" corpus="$2" queries="$3" contender="$4" runs="$5"
  shift 5
  log "$set: $contender $*"
  "${JAVA[@]}" --contender "$contender" --corpus "$corpus" --queries "$queries" --k 100 --runs "$runs" \
    --dataset "$set" --label "$contender" --ids-out "$RUN/ids/$set-$contender" --json-out "$RESULTS" \
    --ground-truth "$RUN/gt-$set.npy" --index-cache "$DATA/index-cache" "$@" >&2
}
faiss_peer() { # dataset corpus queries build omp blas runs extra-args...
  local set="$1" corpus="$2" queries="$3" build="$4" omp="$5" blas="$6" runs="$7"
  shift 7
  local env=(env)
  [ "$build" = avx2 ] && env+=(PYTHONPATH="$FAISS_AVX2_PATH")
  [ "$blas" != default ] && env+=(OPENBLAS_NUM_THREADS="$blas")
  local omp_arg=()
  [ "$omp" != default ] && omp_arg=(--omp-threads "$omp")
  log "$set: faiss $build omp=$omp blas=$blas $*"
  "${env[@]}" $PY "$ROOT/bench/peers/faiss_bench.py" --build "$build" --corpus "$corpus" --queries "$queries" \
    --k 100 --runs "$runs" --dataset "$set" --label "faiss-$build" "${omp_arg[@]}" \
    --ids-out "$RUN/ids/$set-faiss-$build-omp$omp-blas$blas" --json-out "$RESULTS" \
    --index-cache "$DATA/index-cache" "$@" >&2
}
