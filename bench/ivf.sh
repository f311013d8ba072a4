#!/usr/bin/env bash
# IVF benchmark: recall@100 against exact search and end-to-end mining anchors/minute for an nprobe
# sweep, on 1M x 384 clustered, 1M x 384 uniform and GloVe 100-d (fetched by bench/glove.sh), with
# build time, peak heap (JVM run with -Xmx1g) and peak RSS. Writes bench/results/ivf.md.
#
#   bench/ivf.sh                                  all three data sets (about 25 minutes)
#   bench/ivf.sh --sets clustered --nprobe 1,2,4,8
#
# The whole `quarry mine` command against FAISS, each at its best nlist and nprobe: bench/mine_e2e.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JDK="$("$ROOT/quarry" jdk)"
OUT="$ROOT/bench/results"
mkdir -p "$OUT" "$ROOT/bench/data"
"$ROOT/bench/glove.sh" || echo "ivf: no GloVe data (npm unavailable?); it is skipped" >&2
echo "bench: building..." >&2
(cd "$ROOT" && JAVA_HOME="$JDK" "$ROOT/quarry" build-lock mvn -B -q -ntp -DskipTests -pl bench -am package)
CPU="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
"$JDK/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -Xmx1g \
  -cp "$ROOT/bench/target/quarry-bench.jar" dev.quarry.bench.IvfBenchmark \
  --cpu "$CPU" --data "$ROOT/bench/data" --output "$OUT/ivf.md" "$@"
