#!/usr/bin/env bash
# Whether the service's parts outside the mine are slower on IVF 1M because each call's mine evicts the caches: a
# fresh `quarry serve` of this checkout on IVF 1M x 384 clustered (nlist 4096, nprobe 1, as bench/serve-parts.sh),
# ROUNDS rounds of bench/serve_cache.py (a 64-anchor probe timed in parts after a 64-anchor call, a 1-anchor call,
# a 1-anchor call and a 64 MB sweep of the client's memory, or a 64-anchor call with the probe at nprobe 8, the kinds
# taking turns). Writes
# bench/data/serve-cache/run-<date>/report.txt and prints it.
#
#   bench/serve-cache.sh [--rounds N]      (default 1500: 12,000 calls)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS=1500
[ "${1:-}" = "--rounds" ] && ROUNDS="$2"
PORT="${QUARRY_BENCH_PORT:-7771}"
# shellcheck source=serve_lib.sh
. "$ROOT/bench/serve_lib.sh"
log() { echo "serve-cache: $*" >&2; }
serve_probe_start serve-cache
log "server ready in $READY s; $ROUNDS rounds"
"$PY" "$ROOT/bench/serve_cache.py" --url "$URL" --queries "$DATA/queries.qvec" --positives "$POSITIVES" \
  --rounds "$ROUNDS" >>"$RUN/report.txt"
echo "load after $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RUN/report.txt"
cat "$RUN/report.txt"
