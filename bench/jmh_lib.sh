# Sourced by the bench scripts that run one JMH benchmark class and print its results as a table:
#   jmh_run NAME BENCHMARK [JMH options...]
# finds the JDK, builds the bench jar, runs BENCHMARK with its JSON results in bench/data/NAME/run-<date>/jmh.json
# (JMH's own output beside it in jmh.log, whose tail is shown if JMH fails), and sets RUN, LOAD_BEFORE and
# LOAD_AFTER (the 1/5/15-minute load averages around the run, which every printed table carries).
jmh_run() {
  local name="$1" benchmark="$2" root jdk
  shift 2
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  RUN="$root/bench/data/$name/run-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$RUN"
  jdk="$("$root/quarry" jdk)"
  echo "$name: building the bench jar" >&2
  (cd "$root" && JAVA_HOME="$jdk" "$root/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package)
  LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
  "$jdk/bin/java" -jar "$root/bench/target/quarry-bench.jar" "$benchmark" -rf json -rff "$RUN/jmh.json" "$@" \
    >"$RUN/jmh.log" 2>&1 || { tail -30 "$RUN/jmh.log" >&2; exit 1; }
  LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
}
