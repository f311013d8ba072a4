#!/usr/bin/env bash
# Tests the Python client (tools/python) as its users get it: installed with Debian's pip into a virtual
# environment that sees Debian's packages, exactly as tools/python/README.md says, then
#   - mypy --strict over the installed package and tests/typing_check.py (calls the typed signatures must
#     refuse: a misspelled setting, a wrong type, a choice that is not one);
#   - the unit tests (tools/python/tests) on the installed package: every case with numpy and again with
#     numpy hidden, against the real `quarry serve` started by the tests on loopback (./quarry builds the
#     server module first when its jar is missing or stale), and the examples end to end, the ANCE
#     example included (torch), and the check of quarry tune's adapter training against the same training
#     in torch (test_tune_reference.py, which runs ./quarry: required here, so a missing torch fails).
# Debian's python3, python3-venv, python3-wheel (pip builds with it), python3-numpy, python3-torch (about
# 75 s to install) and python3-mypy are installed with apt-get when missing (as root, or with sudo).
# Arguments go to unittest (e.g. -v, or -k refresh). Exit code: 0 when every step passed, else the first
# failing step's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
# shellcheck source=lib/apt-install.sh
. "$ROOT/scripts/lib/apt-install.sh"

NEEDED='import ensurepip, wheel, numpy, torch, mypy'
if [ ! -x "$PY" ] || ! "$PY" -c "$NEEDED" 2>/dev/null; then
  echo "python-test: installing Debian's python3-venv, -wheel, -numpy, -torch and -mypy with apt-get" >&2
  apt_install python-test python3 python3-venv python3-wheel python3-numpy python3-torch python3-mypy
  "$PY" -c "$NEEDED" || { echo "python-test: the packages could not be installed" >&2; exit 1; }
fi

cd "$ROOT"
WORK="$(mktemp -d -t quarry-python-test.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
VENV="$WORK/venv"

# The README's install, with the environment in a temporary directory. setuptools builds in the source
# tree (tools/python/build, git-ignored); removed first so that a module deleted since the last build
# does not ride along in the wheel.
rm -rf tools/python/build
"$PY" -m venv --system-site-packages "$VENV"
"$VENV/bin/pip" install --quiet --no-deps --no-build-isolation tools/python
echo "python-test: installed $("$VENV/bin/pip" list 2>/dev/null | grep -i '^quarry-client ' | tr -s ' ') into $VENV" >&2

echo "python-test: mypy --strict on the installed package and tests/typing_check.py" >&2
(cd "$WORK" && "$VENV/bin/python" -m mypy --strict --no-incremental -p quarry_client \
  && "$VENV/bin/python" -m mypy --strict --warn-unused-ignores --no-incremental "$ROOT/tools/python/tests/typing_check.py")

# From the repository's root, where the checkout's quarry_client (under tools/python) is not importable.
QUARRY_CLIENT_INSTALLED=1 QUARRY_TORCH_REQUIRED=1 "$VENV/bin/python" -m unittest discover -s tools/python/tests "$@"
