#!/usr/bin/env bash
# Kernel benchmark: measures one core's FMA peak with a C probe, then runs the JMH kernel benchmark
# (scalar vs SIMD dot and block kernels at d = 100, 384, 768, 1024) and writes
# bench/results/kernels.md: GFLOP/s with spread, SIMD/scalar, and % of the peak measured in this run.
#
#   bench/kernels.sh            full run (2 forks x 5 iterations per case, about 6 minutes)
#   bench/kernels.sh --quick    d = 384 only, short iterations (about 1 minute)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JDK="$("$ROOT/quarry" jdk)"
OUT="$ROOT/bench/results"
mkdir -p "$OUT"

echo "bench: building..." >&2
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package)

# Fine for GCC >= 8 with AVX2 or AVX-512; -O3 keeps the FMA chains in registers (see the probe).
gcc -O3 -march=native -o "$ROOT/bench/probe/fma_peak" "$ROOT/bench/probe/fma_peak.c"
probe() { "$ROOT/bench/probe/fma_peak" | tee -a "$OUT/fma_peak.txt" | awk '/^peak_gflops/ {print $2}'; }
: > "$OUT/fma_peak.txt"
PEAK_BEFORE="$(probe)"

CPU="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
WIDTH="$(grep -qw avx512f /proc/cpuinfo && echo AVX-512 || (grep -qw avx2 /proc/cpuinfo && echo AVX2 || echo SSE))"
"$JDK/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "$ROOT/bench/target/quarry-bench.jar" dev.quarry.bench.KernelReport \
  --peak "$PEAK_BEFORE" --cpu "$CPU, $WIDTH, $("$JDK/bin/java" -version 2>&1 | head -1)" \
  --output "$OUT/kernels.md" "$@"

PEAK_AFTER="$(probe)"
echo "FMA peak probe: ${PEAK_BEFORE} GFLOP/s before the benchmark, ${PEAK_AFTER} after (the table uses the first)." \
  | tee -a "$OUT/kernels.md"
