#!/usr/bin/env bash
# BLAS setup and check for the FAISS peers, then the sgemm probe.
#
# Why: FAISS's flat search (and numpy's matmul) is one sgemm per tile; on Debian it goes through
# the libblas.so.3 / liblapack.so.3 alternatives, which may point at the slow reference BLAS
# (libblas3) instead of OpenBLAS. This script makes sure OpenBLAS is installed and selected, then
# measures what sgemm rate OpenBLAS reaches here (bench/probe/sgemm_peak.c), the ceiling for FAISS.
#
# Usage: bench/peers/blas.sh [THREADS...]   (default: 1 2; "--no-probe" to only set up)
# Output: config and "sgemm_gflops threads=T shape=MxNxK GFLOPS" lines on stdout, notes on stderr.
# Idempotent: installs and sets only what is missing, rebuilds the probe only when its source changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="$ROOT/bench/data"
PROBE_SRC="$ROOT/bench/probe/sgemm_peak.c"
PROBE_BIN="$DATA/sgemm_peak"            # bench/data/ is gitignored
ARCH="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)"
OB_DIR="/usr/lib/$ARCH/openblas-pthread"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

die() { echo "blas.sh: $*" >&2; exit 1; }

# 1. Packages: OpenBLAS (pthread flavour, as FAISS and numpy users get it), its headers, numpy.
missing=()
for p in libopenblas0-pthread libopenblas-dev python3-numpy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "blas.sh: installing ${missing[*]}" >&2
  $SUDO apt-get update -q >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 \
    || die "apt-get install ${missing[*]} failed"
fi

# 2. Alternatives: libblas.so.3 / liblapack.so.3 must resolve to OpenBLAS, not the reference BLAS.
for lib in libblas liblapack; do
  name="$lib.so.3-$ARCH"; want="$OB_DIR/$lib.so.3"
  [ -e "$want" ] || die "$want missing: is libopenblas0-pthread installed?"
  have="$(update-alternatives --query "$name" 2>/dev/null | sed -n 's/^Value: //p')"
  if [ "$have" != "$want" ]; then
    echo "blas.sh: alternative $name pointed at '${have:-nothing}'; setting it to $want" >&2
    $SUDO update-alternatives --set "$name" "$want" >&2 || die "update-alternatives --set $name $want failed"
  fi
  echo "blas_alternative $name $(readlink -f "/usr/lib/$ARCH/$lib.so.3")"
done
echo "openblas_version $(dpkg-query -W -f='${Version}' libopenblas0-pthread)"

# 3. The probe: rebuild when missing or older than its source.
mkdir -p "$DATA"
if [ ! -x "$PROBE_BIN" ] || [ "$PROBE_SRC" -nt "$PROBE_BIN" ]; then
  gcc -O2 -Wall -I"/usr/include/$ARCH/openblas-pthread" "$PROBE_SRC" -o "$PROBE_BIN" \
      -L"$OB_DIR" -Wl,-rpath,"$OB_DIR" -lopenblas -lm || die "building $PROBE_SRC failed"
fi

# OPENBLAS_CORETYPE forces a kernel family (this workplace sets Haswell = AVX2 on some CPUs, as
# older OpenBLAS misbehaved there); say so when it differs from what OpenBLAS would pick itself,
# as it can halve sgemm (Haswell vs Cooperlake/SkylakeX AVX-512 kernels on Zen 4/5).
core="$("$PROBE_BIN" --info | sed -n 's/^openblas_corename //p')"
auto="$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PROBE_BIN" --info | sed -n 's/^openblas_corename //p')"
echo "openblas_core_autodetected $auto"
if [ "$core" != "$auto" ]; then
  echo "blas.sh: note: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-} makes OpenBLAS use $core kernels; without it: $auto" >&2
fi

[ "${1:-}" = "--no-probe" ] && exit 0
# OPENBLAS_NUM_THREADS would cap openblas_set_num_threads: unset it for the probe.
[ $# -gt 0 ] || set -- 1 2
exec env -u OPENBLAS_NUM_THREADS -u OMP_NUM_THREADS "$PROBE_BIN" "$@"
