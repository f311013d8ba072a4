#!/usr/bin/env bash
# Build FAISS 1.7.3 (Debian bookworm's source package) the way its pip wheels are built: the AVX2
# flavour (FAISS_OPT_LEVEL=avx2: libfaiss_avx2 compiled with -mavx2 -mfma -mf16c -mpopcnt, linked
# statically into the _swigfaiss_avx2 python module), BLAS = OpenBLAS. Debian's own python3-faiss
# is the generic build (no AVX code): it is installed too, so both can be compared.
#
# Usage: bench/peers/build-faiss.sh
# Last line of stdout: the directory to put on PYTHONPATH (with /usr/bin/python3) to import the
# AVX2 build as `faiss`; without it, /usr/bin/python3 imports Debian's python3-faiss.
# Idempotent: once built and importable, it only checks and prints that directory.
# Takes about 3 minutes on 2 cores (most of it the SWIG wrapper).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="$ROOT/bench/data"
SRC_PARENT="$DATA/faiss-src"             # apt-get source unpacks faiss-1.7.3/ here
SRC="$SRC_PARENT/faiss-1.7.3"
BUILD="$SRC_PARENT/build-avx2"
OUT="$DATA/faiss-avx2"                   # PYTHONPATH: holds the faiss/ package
PY=/usr/bin/python3                      # Debian's python (its numpy); not the pyenv one on PATH
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

die() { echo "build-faiss.sh: $*" >&2; exit 1; }
log() { echo "build-faiss.sh: $*" >&2; }

# Import check: the loader must have taken the AVX2 module (it silently falls back to the generic
# `swigfaiss`, which this build does not have, so a failure shows up as an ImportError).
check() {
  PYTHONPATH="$OUT" "$PY" -c '
import faiss, sys
assert hasattr(faiss, "swigfaiss_avx2"), "loader did not pick swigfaiss_avx2"
print(f"build-faiss.sh: loaded {faiss.__file__} version {faiss.__version__} simd=avx2", file=sys.stderr)
' >&2
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Cached: the package imports with the AVX2 module, and Debian's build is there to compare with.
if [ -f "$OUT/faiss/_swigfaiss_avx2.so" ] && installed python3-faiss && check; then
  echo "$OUT"; exit 0
fi

# OpenBLAS installed and selected as libblas.so.3/liblapack.so.3 (Debian's python3-faiss uses those).
"$ROOT/bench/peers/blas.sh" --no-probe >&2 || die "BLAS setup failed"

# deb-src entry for bookworm, in the deb822 format of debian.sources (added once).
if ! apt-cache showsrc faiss 2>/dev/null | grep '^Package: faiss' >/dev/null; then
  list=/etc/apt/sources.list.d/quarry-deb-src.sources
  if [ ! -f "$list" ]; then
    log "adding deb-src for bookworm in $list"
    printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm bookworm-updates' \
      'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' | $SUDO tee "$list" >/dev/null
  fi
  $SUDO apt-get update -q >&2 || die "apt-get update failed"
  apt-cache showsrc faiss 2>/dev/null | grep '^Package: faiss' >/dev/null || die "no faiss source package after adding $list"
fi

# Minimum build deps (not build-dep: it pulls debhelper, gtest, reference BLAS/LAPACK...), plus
# dpkg-dev to unpack the source and Debian's python3-faiss for the comparison.
need=()
for p in cmake make g++ swig python3-dev python3-numpy python3-distutils libopenblas-dev dpkg-dev python3-faiss; do
  installed "$p" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2 || die "apt-get install failed"
fi

# Source (with Debian's patches applied by dpkg-source).
if [ ! -f "$SRC/CMakeLists.txt" ]; then
  mkdir -p "$SRC_PARENT"
  (cd "$SRC_PARENT" && apt-get source -q faiss >&2) || die "apt-get source faiss failed"
  [ -f "$SRC/CMakeLists.txt" ] || die "expected $SRC after apt-get source (other FAISS version?): $(ls "$SRC_PARENT")"
fi

# Configure. Python_EXECUTABLE: else CMake may find the pyenv python first on PATH.
# BLA_VENDOR=OpenBLAS: link libopenblas directly, as the wheels do, not the libblas.so.3 alternative.
log "configuring in $BUILD"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DFAISS_OPT_LEVEL=avx2 \
  -DFAISS_ENABLE_GPU=OFF -DFAISS_ENABLE_PYTHON=ON -DFAISS_ENABLE_C_API=OFF -DBUILD_TESTING=OFF \
  -DBLA_VENDOR=OpenBLAS -DPython_EXECUTABLE="$PY" >"$BUILD.configure.log" 2>&1 \
  || die "cmake configure failed, see $BUILD.configure.log"
grep -q 'libopenblas' "$BUILD/CMakeCache.txt" || die "CMake did not pick OpenBLAS (see $BUILD/CMakeCache.txt)"

log "building faiss_avx2 and swigfaiss_avx2 (-j2, about 3 minutes; log: $BUILD.build.log)"
start=$SECONDS
cmake --build "$BUILD" --target faiss_avx2 swigfaiss_avx2 -j2 >"$BUILD.build.log" 2>&1 \
  || { tail -20 "$BUILD.build.log" >&2; die "build failed, see $BUILD.build.log"; }
log "built in $((SECONDS - start)) s"

# Assemble the package as FAISS's python/setup.py does (it only copies files), without setuptools.
PYB="$BUILD/faiss/python"
rm -rf "$OUT"; mkdir -p "$OUT/faiss"
cp "$PYB"/{__init__,loader,class_wrappers,gpu_wrappers,extra_wrappers,array_conversions,swigfaiss_avx2}.py "$OUT/faiss/"
cp "$PYB/_swigfaiss_avx2.so" "$OUT/faiss/"
cp -r "$PYB/contrib" "$OUT/faiss/contrib"
check || die "the built package does not import with the AVX2 module (PYTHONPATH=$OUT)"
echo "$OUT"
