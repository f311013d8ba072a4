#!/usr/bin/env bash
# Two real builds of this checkout started at once, as bench/latency.sh's bench jar build and bench/serve-parts.sh's
# `quarry build serve` once ran: the launcher's build and a script's own Maven build under `./quarry build-lock`,
# while a reader opens quarry.jar every 20 ms. One line per check:
#   PASS|FAIL  what must happen -- what was seen
# Exit code: 0 when every check passed, 1 when one did not. It rebuilds this checkout's jars (a few minutes).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JDK="$("$ROOT/quarry" jdk)"
JAR="$ROOT/tools/cli/target/quarry.jar"
WORK="$(mktemp -d -t quarry-builds.XXXXXX)"
READER=""
cleanup() {
  [ -n "$READER" ] && kill "$READER" 2>/dev/null && wait "$READER" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
FAILED=0
pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; FAILED=1; }

# The reader: each look at the jar is "whole" (a zip whose central directory reads), "missing" or "broken".
python3 - "$JAR" >"$WORK/reads" <<'PY' &
import sys, time, zipfile
jar = sys.argv[1]
while True:
    try:
        with zipfile.ZipFile(jar) as z:
            z.getinfo("META-INF/MANIFEST.MF")
        print("whole", flush=True)
    except FileNotFoundError:
        print("missing", flush=True)
    except Exception as e:
        print("broken", type(e).__name__, e, flush=True)
    time.sleep(0.02)
PY
READER=$!

# Sources newer than the jar, so the launcher's command must build; both builds start at once.
touch "$ROOT/tools/cli/src/main/java/dev/quarry/cli/QuarryMain.java"
"$ROOT/quarry" --version >"$WORK/launcher.out" 2>&1 &
LAUNCHER=$!
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package) \
  >"$WORK/bench.out" 2>&1 &
BENCH=$!
wait "$LAUNCHER"; LAUNCHER_RC=$?
wait "$BENCH"; BENCH_RC=$?
kill "$READER" 2>/dev/null; wait "$READER" 2>/dev/null; READER=""

[ "$LAUNCHER_RC" -eq 0 ] && pass "the launcher's build and command succeed -- exit 0" \
  || fail "the launcher's build and command succeed -- exit $LAUNCHER_RC: $(tail -3 "$WORK/launcher.out")"
[ "$BENCH_RC" -eq 0 ] && pass "the bench jar's build succeeds -- exit 0" \
  || fail "the bench jar's build succeeds -- exit $BENCH_RC: $(tail -3 "$WORK/bench.out")"
if grep -q 'waiting for it' "$WORK/launcher.out" "$WORK/bench.out"; then
  pass "one build waited for the other -- $(grep -h 'waiting for it' "$WORK/launcher.out" "$WORK/bench.out" | head -1)"
else
  fail "one build waited for the other -- neither said so"
fi
if "$JDK/bin/jar" tf "$JAR" >"$WORK/entries" 2>&1 && grep -q '^dev/quarry/cli/QuarryMain.class$' "$WORK/entries"; then
  pass "quarry.jar is whole afterwards -- $(wc -l <"$WORK/entries") entries, $(stat -c %s "$JAR") bytes"
else
  fail "quarry.jar is whole afterwards -- $(head -2 "$WORK/entries")"
fi
broken="$(grep -c '^broken' "$WORK/reads")"
[ "$broken" -eq 0 ] && pass "a reader never sees a broken jar -- $(sort "$WORK/reads" | uniq -c | tr -s ' ' | tr '\n' ',')" \
  || fail "a reader never sees a broken jar -- $broken of $(wc -l <"$WORK/reads") reads: $(grep -m1 '^broken' "$WORK/reads")"
exit "$FAILED"
