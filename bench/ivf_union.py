#!/usr/bin/python3
"""The bytes a trainer's call must read from an IVF index: for batches of anchors, each anchor's nprobe best lists
(scored against the index's own centroids, as the exact coarse stage does), the union of those lists over the batch,
and the bytes of that union stored as float32 or int8 panels (each list padded to 16 rows, as the .qivf stores it),
beside the centroids the coarse stage reads. A list-major search reads each list of the union once a call, so this
union, not batch x nprobe lists, is what the memory must deliver.

    bench/ivf_union.py --index I.qivf --queries Q.qvec --nprobe 160,384 --batches 1,64 [--calls 64] [--json OUT]

Batches are windows of consecutive queries among the first 4,096, as LatencyBenchmark takes them; the report gives
the median and the largest union over --calls batches, and for one anchor the mean. Reads the .qvec with numpy
(bench/peers/qvec.py) and the .qivf header and sections as IvfHeader lays them out (format versions 4 and 5).
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from qvec import open_qvec  # noqa: E402

PANEL = 16
HEADER = 4096


def align(offset):
    return (offset + 63) // 64 * 64


def read_ivf(path):
    """(metric, centroids [nlist, dim], list sizes [nlist]) of a .qivf, read as IvfHeader lays the file out."""
    with open(path, "rb") as f:
        head = f.read(80)
    magic, version, metric, dim, nlist, count = struct.unpack_from("<4sHHiiq", head, 0)
    if magic != b"QIVF" or version not in (4, 5):
        sys.exit(f"ivf_union: {path}: magic={magic!r} version={version}, expected a .qivf of version 4 or 5")
    centroids = np.memmap(path, dtype="<f4", mode="r", offset=HEADER, shape=(nlist, dim))
    offsets_at = align(HEADER + 4 * nlist * dim)
    offsets = np.memmap(path, dtype="<u8", mode="r", offset=offsets_at, shape=(nlist + 1,)).astype(np.int64)
    sizes = np.diff(offsets)
    if sizes.sum() != count or (sizes < 0).any():
        sys.exit(f"ivf_union: {path}: list offsets sum to {sizes.sum()}, expected count={count}")
    return metric, np.asarray(centroids, dtype=np.float32), sizes


def best_lists(queries, centroids, metric, nprobe):
    """Each query's nprobe best lists: inner product (spherical), or q.c - |c|^2 / 2 (euclidean: nearest)."""
    scores = queries @ centroids.T
    if metric == 1:
        scores -= 0.5 * np.einsum("ij,ij->i", centroids, centroids)[None, :]
    return np.argpartition(-scores, nprobe - 1, axis=1)[:, :nprobe]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--nprobe", required=True, help="comma-separated")
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--calls", type=int, default=64, help="batches measured per (nprobe, batch size)")
    ap.add_argument("--json", help="append one JSON line per (nprobe, batch size)")
    a = ap.parse_args()

    metric, centroids, sizes = read_ivf(a.index)
    nlist, dim = centroids.shape
    padded = (sizes + PANEL - 1) // PANEL * PANEL
    total = int(padded.sum())
    queries = np.asarray(open_qvec(a.queries)[:4096], dtype=np.float32)
    print(f"{os.path.basename(a.index)}: nlist {nlist}, dim {dim}, {int(sizes.sum()):,} rows "
          f"({total:,} padded to panels of {PANEL}): lists {total * dim * 4 / 1e6:.1f} MB float32, "
          f"{total * dim / 1e6:.1f} MB int8; centroids {nlist * dim * 4 / 1e6:.2f} MB")
    print("nprobe  batch  lists a call: median / max   rows: median / max   share of rows: median / max   "
          "MB float32: median / max   MB int8: median / max")
    out = open(a.json, "a") if a.json else None
    for nprobe in (int(p) for p in a.nprobe.split(",")):
        if not 1 <= nprobe <= nlist:
            sys.exit(f"ivf_union: --nprobe={nprobe}, expected 1 <= nprobe <= nlist={nlist}")
        probes = best_lists(queries, centroids, metric, nprobe)
        for batch in (int(b) for b in a.batches.split(",")):
            lists, rows = [], []
            for c in range(a.calls):
                lo = (c * batch) % (len(queries) - batch + 1)
                union = np.unique(probes[lo:lo + batch])
                lists.append(len(union))
                rows.append(int(padded[union].sum()))
            lists, rows = np.array(lists), np.array(rows)
            med, top = float(np.median(rows)), float(rows.max())
            line = {"index": os.path.basename(a.index), "nlist": nlist, "nprobe": nprobe, "batch": batch,
                    "calls": a.calls, "lists_median": float(np.median(lists)), "lists_max": int(lists.max()),
                    "rows_median": med, "rows_max": top, "share_median": med / total, "share_max": top / total,
                    "mb_float32_median": med * dim * 4 / 1e6, "mb_float32_max": top * dim * 4 / 1e6,
                    "mb_int8_median": med * dim / 1e6, "mb_int8_max": top * dim / 1e6,
                    "mb_centroids": nlist * dim * 4 / 1e6}
            print(f"{nprobe:6d} {batch:6d}   {line['lists_median']:8.0f} / {line['lists_max']:<6d}"
                  f"   {med:9,.0f} / {top:<9,.0f}   {line['share_median']:6.1%} / {line['share_max']:<6.1%}"
                  f"          {line['mb_float32_median']:7.1f} / {line['mb_float32_max']:<7.1f}"
                  f"      {line['mb_int8_median']:6.1f} / {line['mb_int8_max']:.1f}")
            if out:
                out.write(json.dumps(line) + "\n")
    if out:
        out.close()


if __name__ == "__main__":
    main()
