#!/usr/bin/env bash
# Opens an audit report in a real headless browser (Debian's chromium) and checks that it renders:
# the page's own script marks <body data-rendered="yes"> once every chart has content, and the
# browser logs no console message. Saves a screenshot.
#
#   scripts/check-report.sh REPORT.html [SCREENSHOT.png]   check this report
#   scripts/check-report.sh                                build a report from a small demo catalog
#                                                          (eval with an nprobe sweep, audit, review
#                                                          sheet) and check it
#   scripts/check-report.sh --install                      only install chromium when missing
#
# chromium is installed with apt-get when missing (as root, or with sudo).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/apt-install.sh
. "$ROOT/scripts/lib/apt-install.sh"

install_chromium() {
  command -v chromium >/dev/null && return 0
  echo "check-report: chromium is missing; installing Debian's chromium with apt-get" >&2
  apt_install check-report chromium
  command -v chromium >/dev/null || { echo "check-report: chromium could not be installed" >&2; exit 1; }
}

if [ "${1:-}" = "--install" ]; then
  install_chromium
  exit 0
fi
install_chromium

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# A profile of its own: works without a writable HOME and ignores any user profile.
FLAGS=(--headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run
       --disable-extensions --disable-dev-shm-usage --user-data-dir="$WORK/profile"
       --enable-logging=stderr --v=0)
if [ $# -ge 1 ]; then
  REPORT="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  SHOT="${2:-${REPORT%.html}.png}"
  [ -f "$REPORT" ] || { echo "check-report: report=$1, expected an existing HTML file" >&2; exit 3; }
else
  # A small catalog with planted false negatives and wrong labels, mined without defences so
  # that every finding has something to show.
  Q="$ROOT/quarry"
  "$Q" demo --docs 20000 --anchors 2000 --dim 64 --workdir "$WORK/cat" --keep >/dev/null
  C="$WORK/cat"
  "$Q" eval --corpus "$C/corpus.qvec" --queries "$C/queries.qvec" --qrels "$C/qrels.tsv" \
    --index "$C/corpus.qivf" --nprobe 1,2,4,8,16 --k 1,10 --json "$WORK/eval.json" >/dev/null
  "$Q" audit "$C/mined-unfiltered.jsonl" --corpus "$C/corpus.qvec" --queries "$C/queries.qvec" \
    --corpus-text "$C/corpus.jsonl" --queries-text "$C/queries.jsonl" --truth "$C/truth.tsv" \
    --sample 100 --sheet "$WORK/review" --eval "$WORK/eval.json" --html "$WORK/report.html" >/dev/null
  REPORT="$WORK/report.html"
  SHOT="$ROOT/target/report-check.png"
  mkdir -p "$ROOT/target"
fi

# --dump-dom prints the DOM after the load event (scripts have run); console messages go to stderr.
DOM="$(timeout 120 chromium "${FLAGS[@]}" --dump-dom "file://$REPORT" 2>"$WORK/console.log")" || {
  echo "check-report: chromium failed on $REPORT" >&2; cat "$WORK/console.log" >&2; exit 1; }
if grep -q 'CONSOLE' "$WORK/console.log"; then
  echo "check-report: $REPORT logged console messages:" >&2
  grep 'CONSOLE' "$WORK/console.log" >&2
  exit 1
fi
if ! grep -q 'data-rendered="yes"' <<<"$DOM"; then
  echo "check-report: $REPORT did not render: body data-rendered is not \"yes\"" >&2
  exit 1
fi
charts="$(grep -o '<svg class="chart"' <<<"$DOM" | wc -l || true)"
timeout 120 chromium "${FLAGS[@]}" --hide-scrollbars --window-size=1100,1900 --screenshot="$SHOT" \
  "file://$REPORT" 2>>"$WORK/console.log" >/dev/null
[ -s "$SHOT" ] || { echo "check-report: no screenshot written to $SHOT" >&2; exit 1; }
echo "check-report: $REPORT renders in $(chromium --version 2>/dev/null | head -1 | cut -d' ' -f1-2):" \
  "$charts charts, no console message; screenshot $SHOT"
