#!/usr/bin/env bash
# Fuzzes every parser a user's file reaches (the @FuzzTest targets of the engine), one target after
# the other, each for SECONDS_PER_TARGET seconds in a JVM of its own, and prints the executions each
# one ran. Exits non-zero on the first finding: an exception other than QuarryDataException, an
# assertion, an execution over 10 s, or a heap blown by a claimed size (the JVM has 512 MiB).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [Class#method ...]   default 10 s, every target
#   scripts/fuzz.sh 600 MatrixLayoutFuzzTest#npy              one target, ten minutes
#
# A finding is saved by Jazzer as crash-<sha1> (timeout-<sha1> for a hang) in that target's corpus
# directory, engine/src/test/resources/<package>/<Class>Inputs/<method>/, so `mvn test` replays it
# from then on and fails until the parser is fixed; then rename it to say what it holds and commit it.
# Inputs that found new coverage go to engine/.cifuzz-corpus/ (not committed; later runs start from it).
# The full log of each target is engine/target/fuzz/<Class>-<method>.log.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SECONDS_PER_TARGET="${1:-10}"
[ $# -gt 0 ] && shift
case "$SECONDS_PER_TARGET" in
  ''|*[!0-9]*) echo "fuzz: SECONDS_PER_TARGET=$SECONDS_PER_TARGET, expected a whole number of seconds" >&2; exit 2 ;;
esac

TARGETS=(
  MatrixLayoutFuzzTest#npy
  MatrixLayoutFuzzTest#fvecs
  MatrixLayoutFuzzTest#qvec
  IvfIndexFuzzTest#open
  QrelsReaderFuzzTest#detected
  QrelsReaderFuzzTest#jsonl
  RunFileFuzzTest#trec
  RunFileFuzzTest#jsonl
  JsonlTextsFuzzTest#open
  ReviewSheetFuzzTest#read
  MinedSetReaderFuzzTest#jsonl
  MinedSetReaderFuzzTest#npy
  CheckpointFuzzTest#read
  CheckpointFuzzTest#framed
)
[ $# -gt 0 ] && TARGETS=("$@")

JAVA_HOME="$("$ROOT/quarry" jdk)"
export JAVA_HOME
LOGS="$ROOT/engine/target/fuzz"
mkdir -p "$LOGS"

# Compile once (reactor build, never install); each target then only runs the engine's `fuzz` Surefire
# execution. JUnit's own timeout is switched off there: it would bound the whole fuzzing run, while
# Jazzer turns the tests' @Timeout(10) into libFuzzer's limit for one execution. Corpus copies left in
# target/ by an earlier build are dropped first, so the corpus is exactly what the sources hold.
echo "fuzz: compiling the engine and its tests"
find "$ROOT/engine/target/test-classes" -type d -name '*FuzzTestInputs' -prune -exec rm -rf {} + 2>/dev/null || true
mvn -B -ntp -q -pl engine test-compile >"$LOGS/compile.log" 2>&1 || { cat "$LOGS/compile.log" >&2; exit 1; }

start=$(date +%s)
printf '%-32s %12s %8s  %s\n' target executions seconds result
for target in "${TARGETS[@]}"; do
  log="$LOGS/${target/\#/-}.log"
  t0=$(date +%s)
  # The corpus is replayed before fuzzing starts, outside libFuzzer's timeout: the watchdog bounds that.
  if JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${SECONDS_PER_TARGET}s" timeout -k 10 $(( SECONDS_PER_TARGET + 180 )) \
      mvn -B -ntp -pl engine surefire:test@fuzz -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false \
      -Djunit.jupiter.execution.timeout.mode=disabled >"$log" 2>&1; then
    status=ok
  elif [ $? -eq 124 ]; then
    status=HANG
  else
    status=FINDING
  fi
  # libFuzzer's last status line ("#1234 DONE ..." or the line before a crash) counts the executions.
  runs="$(grep -aoE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)"
  printf '%-32s %12s %8s  %s\n' "$target" "${runs:-?}" "$(( $(date +%s) - t0 ))" "$status"
  if [ "$status" = HANG ]; then
    echo "fuzz: $target ran $(( SECONDS_PER_TARGET + 180 ))s and was stopped: an input of its corpus hangs when" \
      "replayed before fuzzing (mvn test names it after its 10 s timeout); the full log is $log" >&2
    exit 1
  fi
  if [ "$status" != ok ]; then
    echo "fuzz: $target found a problem; the full log is $log" >&2
    if grep -aq '^Caused by:' "$log"; then # an exception or assertion from the target
      grep -a -m1 -A14 '^Caused by:' "$log" >&2
    elif grep -aq 'ERROR: libFuzzer' "$log"; then # a timeout, or the fuzzer's own error
      grep -a -m1 -A20 'ERROR: libFuzzer' "$log" >&2
    else
      grep -avE '^(INFO: (Loaded|Instrumented)|#[0-9]+)' "$log" | tail -30 >&2
    fi
    grep -a 'Test unit written to' "$log" >&2 || true
    echo "fuzz: inputs saved by Jazzer (they replay in mvn test from their corpus directory):" >&2
    git -C "$ROOT" status --porcelain --untracked-files=all -- 'engine/src/test/resources' >&2 || true
    exit 1
  fi
done
echo "fuzz: ${#TARGETS[@]} targets passed in $(( $(date +%s) - start ))s ($SECONDS_PER_TARGET s of fuzzing each)"
