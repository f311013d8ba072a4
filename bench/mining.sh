#!/usr/bin/env bash
# Flat mining throughput, end to end: anchors/minute on clustered 100k and 1M x 384 corpora, 1 and 2
# threads, with GFLOP/s and the share of the FMA peak measured by the probe in the same run.
# Writes bench/results/mining.md. Data is generated once into bench/data/ (about 1.6 GB, not committed).
#
#   bench/mining.sh                         both sizes, 3 timed runs each (about 5 minutes)
#   bench/mining.sh --sizes 100000 --repeats 2
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JDK="$("$ROOT/quarry" jdk)"
OUT="$ROOT/bench/results"
mkdir -p "$OUT" "$ROOT/bench/data"

echo "bench: building..." >&2
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package)
gcc -O3 -march=native -o "$ROOT/bench/probe/fma_peak" "$ROOT/bench/probe/fma_peak.c"
PEAK="$("$ROOT/bench/probe/fma_peak" | awk '/^peak_gflops/ {print $2}')"
CPU="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"

"$JDK/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xmx2g \
  -cp "$ROOT/bench/target/quarry-bench.jar" dev.quarry.bench.MiningThroughput \
  --peak "$PEAK" --cpu "$CPU" --data "$ROOT/bench/data" --output "$OUT/mining.md" "$@"
echo "FMA peak probe after the run: $("$ROOT/bench/probe/fma_peak" | awk '/^peak_gflops/ {print $2}') GFLOP/s per core" \
  | tee -a "$OUT/mining.md"
