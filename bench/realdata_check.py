#!/usr/bin/python3
"""Checks one exact top-k against another (Quarry's flat index against FAISS's IndexFlatIP, bench/realdata.sh):
the two may differ only where float32 rounding reorders rows whose scores tie at the k-th place.

    realdata_check.py CORPUS.qvec QUERIES.qvec A.npy B.npy   (int32 [queries, k] each, best first)

Prints the mean overlap of the two id sets, the queries whose sets are equal, and, over the rows found by
one side only, the largest gap between that row's score and the k-th score of the other side (in float64):
a real miss would show a gap far above float32 rounding (1e-6 on unit vectors). Exits 1 when a gap exceeds
1e-5.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from qvec import open_qvec  # noqa: E402

TOLERANCE = 1e-5


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    corpus, queries = open_qvec(sys.argv[1]), open_qvec(sys.argv[2])
    a, b = np.load(sys.argv[3]), np.load(sys.argv[4])
    if a.shape != b.shape or a.shape[0] != queries.shape[0]:
        raise SystemExit(f"realdata_check: shapes {a.shape} and {b.shape} for {queries.shape[0]} queries")
    k = a.shape[1]
    overlap, equal, gap = 0, 0, 0.0
    for q in range(a.shape[0]):
        sa, sb = set(a[q].tolist()), set(b[q].tolist())
        common = len(sa & sb)
        overlap += common
        if common == k:
            equal += 1
            continue
        x = np.asarray(queries[q], dtype=np.float64)
        score = lambda ids: np.asarray(corpus[sorted(ids)], dtype=np.float64) @ x  # noqa: E731
        kth_a, kth_b = score(sa).min(), score(sb).min()
        only_a, only_b = score(sa - sb), score(sb - sa)
        # A row only A found must score at least B's k-th (else B's choice was right), and vice versa.
        gap = max(gap, float(np.max(kth_b - only_a)), float(np.max(kth_a - only_b)))
    n = a.shape[0]
    print(f"queries {n}, k {k}: mean overlap {overlap / (n * k):.6f}, identical sets {equal} ({equal / n:.2%}); "
          f"largest score gap of a row found by one side only below the other's k-th: {gap:.2e} "
          f"(float32 rounding: about 1e-6)")
    if gap > TOLERANCE:
        sys.exit(f"realdata_check: a row differs by {gap:.2e} > {TOLERANCE}: one of the exact searches missed it")


if __name__ == "__main__":
    main()
