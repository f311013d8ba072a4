#!/usr/bin/env bash
# The service's own cost of a 64-anchor call, in parts, in one run: a fresh `quarry serve` of this checkout on IVF
# 1M x 384 clustered (nlist 4096, nprobe 1, as bench/serve.sh), N calls from the Python client taken apart step by
# step (bench/serve_parts.py: the client's encoding, sending, waiting and decoding, the server's own phases from
# the answer's Server-Timing header, and what is outside the handler), then the same 64-anchor calls through
# `Miner` in process (LatencyBenchmark, closed loop), and the difference of the two p50s: what the service adds.
# Writes bench/data/serve-parts/run-<date>/ (results.jsonl, report.txt) and prints the report.
#
#   bench/serve-parts.sh [--calls N]      (default 2000; about 2 minutes once bench/serve.sh's data exists)
#   bench/serve-parts.sh --data bench/data/realdata --index bench/data/sweep/realdata/quarry-nlist1024.qivf \
#     --nprobe 160                        another set: DIR/corpus.qvec and DIR/queries.qvec, an index of that corpus
#                                         and its nprobe (defaults: bench/serve.sh's clustered 1M, its nlist 4096
#                                         index DIR/corpus.qivf, nprobe 1)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALLS=2000
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "serve-parts: $1: unknown option or missing value (see bench/serve-parts.sh's comment)" >&2; exit 2; }
  case "$1" in
    --calls) CALLS="$2" ;;
    --data) DATA="$(cd "$2" && pwd)" ;;
    --index) INDEX="$2" ;;
    --nprobe) NPROBE="$2" ;;
    *) echo "serve-parts: $1: unknown option (see the comment at the top of bench/serve-parts.sh)" >&2; exit 2 ;;
  esac
  shift 2
done
PORT="${QUARRY_BENCH_PORT:-7761}"
# shellcheck source=serve_lib.sh
. "$ROOT/bench/serve_lib.sh"
log() { echo "serve-parts: $*" >&2; }
serve_probe_start serve-parts
RESULTS="$RUN/results.jsonl"
log "server ready in $READY s; $CALLS calls from the Python client, in parts"
"$PY" "$ROOT/bench/serve_parts.py" --url "$URL" --queries "$DATA/queries.qvec" --positives "$POSITIVES" \
  --calls "$CALLS" --json "$RESULTS" >>"$RUN/report.txt"
serve_stop
log "the same calls through Miner in process"
serve_java_bench dev.quarry.bench.latency.LatencyBenchmark --label "$(basename "$DATA")" --corpus "$DATA/corpus.qvec" \
  --queries "$DATA/queries.qvec" --index "$INDEX" --nprobe "$NPROBE" --batches 64 --calls "$CALLS" --rates 0.5 \
  --json "$RESULTS" >/dev/null 2>"$RUN/miner.log"
"$PY" - "$RESULTS" >>"$RUN/report.txt" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
whole = next(r for r in rows if r.get("part") == "whole call")
mine = next(r for r in rows if r.get("part") == "server: mine")
miner = next(r for r in rows if r.get("engine") == "quarry" and r.get("mode") == "closed loop")
print(f"\nMiner in process, closed loop ({miner['calls_per_s']:.0f}/s): p50 {miner['p50_ms']:.3f} ms, p99 "
      f"{miner['p99_ms']:.3f} ms")
print(f"the service's cost at the p50: Python client {whole['p50_ms']:.3f} - Miner {miner['p50_ms']:.3f} = "
      f"{whole['p50_ms'] - miner['p50_ms']:.3f} ms (the server's own mine phase: p50 {mine['p50_ms']:.3f} ms)")
EOF
echo "load after $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RUN/report.txt"
cat "$RUN/report.txt"
