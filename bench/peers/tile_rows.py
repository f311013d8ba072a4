#!/usr/bin/python3
"""Writes ROWS rows of a .qvec as .npy (float32): the source's rows in an order shuffled with SEED (or kept
with SEED -1), repeated until ROWS. The anchors of a throughput run when a data set has fewer rows than it
needs (bench/sweep_lib.sh: GloVe's words as 1,000,000 anchors).

    tile_rows.py SRC.qvec OUT.npy ROWS SEED
"""
import sys

import numpy as np

from qvec import open_qvec


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    src = np.asarray(open_qvec(sys.argv[1]))  # read whole: only used for sets that fit in memory
    rows, seed = int(sys.argv[3]), int(sys.argv[4])
    order = np.arange(len(src)) if seed < 0 else np.random.default_rng(seed).permutation(len(src))
    out = np.lib.format.open_memmap(sys.argv[2], mode="w+", dtype="<f4", shape=(rows, src.shape[1]))
    for start in range(0, rows, len(order)):
        n = min(rows - start, len(order))
        out[start:start + n] = src[order[:n]]
    out.flush()


if __name__ == "__main__":
    main()
