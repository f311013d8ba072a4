#!/usr/bin/env bash
# Runs the Python client's unit tests (tools/python/tests) with Debian's /usr/bin/python3; every case
# runs with numpy and again with numpy hidden from the client. Debian's python3 and python3-numpy are
# installed with apt-get when missing (as root, or with sudo), and python3-torch, for the check of
# quarry tune's training against torch (test_tune_reference.py, which runs ./quarry: required here, so a
# missing torch fails instead of skipping). Arguments go to unittest (e.g. -v).
# Exit code: the tests'.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
# shellcheck source=lib/apt-install.sh
. "$ROOT/scripts/lib/apt-install.sh"

if [ ! -x "$PY" ] || ! "$PY" -c 'import numpy' 2>/dev/null; then
  echo "python-test: installing Debian's python3-numpy with apt-get (the tests run with and without it)" >&2
  apt_install python-test python3 python3-numpy
  "$PY" -c 'import numpy' || { echo "python-test: python3-numpy could not be installed" >&2; exit 1; }
fi

if ! "$PY" -c 'import torch' 2>/dev/null; then
  echo "python-test: installing Debian's python3-torch with apt-get (quarry tune's training is checked against it)" >&2
  apt_install python-test python3-torch
  "$PY" -c 'import torch' || { echo "python-test: python3-torch could not be installed" >&2; exit 1; }
fi
export QUARRY_TORCH_REQUIRED=1

cd "$ROOT"
exec "$PY" -m unittest discover -s tools/python/tests "$@"
