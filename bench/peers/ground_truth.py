#!/usr/bin/python3
"""Exact top-k by inner product, the oracle every contender's recall is measured against.

Computed with numpy in float64 (OpenBLAS dgemm), so that float32 rounding in any contender, Quarry
included, cannot move the reference: a contender that finds the exact top-k scores recall 1.0 up to
ties at the k-th score. Corpus rows are taken in chunks and merged into a running top-k per query.

    ground_truth.py CORPUS.qvec QUERIES.qvec K OUT.npy   (int32 [queries, K], best first)
"""
import sys
import time

import numpy as np

from qvec import open_qvec


def exact_top_k(corpus, queries, k, chunk=65536):
    q = np.asarray(queries, dtype=np.float64)
    best_scores = np.full((q.shape[0], k), -np.inf)
    best_ids = np.zeros((q.shape[0], k), dtype=np.int64)
    for start in range(0, corpus.shape[0], chunk):
        rows = np.asarray(corpus[start:start + chunk], dtype=np.float64)
        scores = q @ rows.T
        # The chunk's own top k first (no id matrix of the chunk's size), then merged with the best so far.
        kk = min(k, rows.shape[0])
        local = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        all_scores = np.concatenate([best_scores, np.take_along_axis(scores, local, axis=1)], axis=1)
        all_ids = np.concatenate([best_ids, local + start], axis=1)
        keep = np.argpartition(-all_scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(all_scores, keep, axis=1)
        best_ids = np.take_along_axis(all_ids, keep, axis=1)
    order = np.argsort(-best_scores, axis=1, kind="stable")
    return np.take_along_axis(best_ids, order, axis=1).astype(np.int32)


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    corpus, queries = open_qvec(sys.argv[1]), open_qvec(sys.argv[2])
    k = int(sys.argv[3])
    start = time.perf_counter()
    ids = exact_top_k(corpus, queries, k)
    np.save(sys.argv[4], ids)
    print(f"ground truth: {queries.shape[0]} queries x {corpus.shape[0]} rows, top {k}, "
          f"{time.perf_counter() - start:.1f}s -> {sys.argv[4]}", file=sys.stderr)


if __name__ == "__main__":
    main()
