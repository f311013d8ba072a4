#!/usr/bin/env bash
# Runs the Python client's unit tests (tools/python/tests) with Debian's /usr/bin/python3; every case
# runs with numpy and again with numpy hidden from the client. Debian's python3 and python3-numpy are
# installed with apt-get when missing (as root, or with sudo). Arguments go to unittest (e.g. -v).
# Exit code: the tests'.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3

if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' 2>/dev/null; then
  echo "python-test: installing Debian's python3-numpy with apt-get (the tests run with and without it)" >&2
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "python-test: python3-numpy is missing and this user cannot install it: run as root, or" \
        "apt-get install python3 python3-numpy" >&2; exit 1; }
    sudo=(sudo)
  fi
  # The variable goes after sudo, which resets the environment.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-numpy >&2
  "$PY" -c 'import numpy' || { echo "python-test: python3-numpy could not be installed" >&2; exit 1; }
fi

cd "$ROOT"
exec "$PY" -m unittest discover -s tools/python/tests "$@"
