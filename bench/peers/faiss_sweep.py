#!/usr/bin/python3
"""FAISS's side of the nlist x nprobe sweep of bench/mine_e2e.sh: for each nlist, k-means trained once (FAISS's
own, seed 1234, up to 256 points per centroid, cached), then each IVF variant built from those centroids:

  ivf           IndexIVFFlat, exact (flat) coarse quantizer
  ivf-hnsw      IndexIVFFlat with an IndexHNSWFlat coarse quantizer (M 32, efSearch --quantizer-ef)
  ivf-sq8       IndexIVFScalarQuantizer (8-bit per dimension, QT_8bit), flat coarse quantizer
  ivf-hnsw-sq8  both
  ivf-pqfs-M-R  IndexIVFPQFastScan (4-bit PQ of the raw vectors, M sub-spaces: a number, or dN for d / N) under
                IndexRefineFlat rescoring the best R in float32, flat coarse quantizer

Per variant: recall@100 of each nprobe on the first --recall queries against exact search (IndexFlatIP, or
--ground-truth), then, at the smallest nprobe of the sweep reaching --target, the search-only throughput of
--anchors (one index.search call of them all, as FAISS users batch), at OpenMP 2 x OpenBLAS 1 and 1 x 2
(FAISS's best splits on 2 cores for IVF; OpenBLAS only runs the coarse product), --runs timed runs after one
untimed. Run with /usr/bin/python3 and PYTHONPATH=$(bench/peers/build-faiss.sh); appends JSON lines to
--json-out, one per (nlist, variant, nprobe) for recall and one per timed configuration.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from faiss_bench import SEED, cache_matches, corpus_identity, openblas, read_qvec, write_json
from faiss_variants import check_variants, pqfs_params

K = 100


def load_rows(path, limit=None):
    rows = read_qvec(path)
    return np.ascontiguousarray(rows[:limit] if limit else rows, dtype=np.float32)


def centroids(faiss, xb, corpus, dataset, nlist, cache):
    """The nlist k-means centroids of xb, trained as IndexIVFFlat.train does (inner product), cached as .npy
    beside the corpus's identity (faiss_bench.corpus_identity: its size and a hash of sampled content, so any
    checkout's path to the same file shares the cache) and the seed: a regenerated corpus is retrained."""
    content = corpus_identity(corpus)
    ident = dict(content, seed=SEED)
    path = os.path.join(cache, f"faiss-{dataset}-nlist{nlist}-centroids.npy")
    if os.path.exists(path) and os.path.exists(path + ".json"):
        with open(path + ".json") as f:
            meta = json.load(f)
        stored = dict(meta.get("ident") or {})
        if stored.pop("seed", None) == SEED and cache_matches(stored, corpus, content):
            print(f"faiss_sweep: {dataset} nlist {nlist}: centroids from {path} (trained in "
                  f"{meta['train_seconds']:.1f} s)", file=sys.stderr)
            return np.load(path), meta["train_seconds"]
    d = xb.shape[1]
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.seed = SEED
    t0 = time.perf_counter()
    ivf.train(xb)
    seconds = time.perf_counter() - t0
    c = ivf.quantizer.reconstruct_n(0, nlist)
    os.makedirs(cache, exist_ok=True)
    np.save(path + ".tmp.npy", c)
    os.replace(path + ".tmp.npy", path)
    write_json(path + ".json", {"ident": ident, "train_seconds": seconds})
    print(f"faiss_sweep: {dataset} nlist {nlist}: k-means in {seconds:.1f} s", file=sys.stderr)
    return c, seconds


def build(faiss, variant, xb, c, quantizer_ef):
    """The variant's index over xb, its coarse quantizer holding the centroids c (no k-means again)."""
    nlist, d = c.shape
    if variant.startswith("ivf-hnsw"):
        quantizer = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
        quantizer.hnsw.efSearch = quantizer_ef
    else:
        quantizer = faiss.IndexFlatIP(d)
    quantizer.add(c)
    if variant.startswith("ivf-pqfs"):
        # 4-bit PQ in the fast-scan layout on the raw vectors (by_residual off: one query's tables serve every
        # list, as Quarry's pq4 lists), variant "ivf-pqfs-M-R": M sub-spaces, the best R rescored by IndexRefineFlat.
        m, r = pqfs_params(variant, d)
        ivf = faiss.IndexIVFPQFastScan(quantizer, d, nlist, m, 4, faiss.METRIC_INNER_PRODUCT)
        ivf.by_residual = False
        ivf.train(xb[np.random.default_rng(SEED).choice(len(xb), min(len(xb), 65536), replace=False)])
        return Refined(faiss, ivf, xb, r)
    if variant.endswith("sq8"):
        index = faiss.IndexIVFScalarQuantizer(quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        index.train(xb[np.random.default_rng(SEED).choice(len(xb), min(len(xb), 256 * nlist), replace=False)])
    else:
        index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    index.add(xb)  # FAISS's wrapper keeps the quantizer alive with the index
    return index


class Refined:
    """An IVF index whose best r candidates IndexRefineFlat rescores exactly; nprobe set on the IVF stage."""

    def __init__(self, faiss, ivf, xb, r):
        self.ivf = ivf
        self.refine = faiss.IndexRefineFlat(ivf)
        self.refine.add(xb)  # into both: the IVF stage's codes and the float32 rows it rescores with
        self.r = r
        self.quantizer = ivf.quantizer

    @property
    def nprobe(self):
        return self.ivf.nprobe

    @nprobe.setter
    def nprobe(self, value):
        self.ivf.nprobe = value

    def search(self, x, k):
        self.refine.k_factor = self.r / k
        return self.refine.search(x, k)


def load():
    """uptime's load averages, as the Quarry side of the sweep records them."""
    with open("/proc/loadavg") as f:
        return "load " + " ".join(f.read().split()[:3])


def recall(truth, found):
    return float(np.mean([len(set(t) & set(f)) / len(t) for t, f in zip(truth, found)]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--queries", required=True, help="recall queries (the first --recall rows)")
    ap.add_argument("--recall", type=int, default=2000)
    ap.add_argument("--ground-truth", help="exact ids, int32 .npy [queries, >=100] (default: IndexFlatIP)")
    ap.add_argument("--anchors", help="timed anchors (.qvec); none: recall only")
    ap.add_argument("--anchor-count", type=int, default=200000)
    ap.add_argument("--nlist", required=True, help="comma-separated")
    ap.add_argument("--nprobe", default="1,2,4,8,16,32,64")
    ap.add_argument("--variants", default="ivf,ivf-hnsw,ivf-sq8")
    ap.add_argument("--quantizer-ef", type=int, default=64)
    ap.add_argument("--target", type=float, default=0.95)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--index-cache", required=True)
    ap.add_argument("--json-out", required=True)
    a = ap.parse_args()

    import faiss

    ob = openblas()
    if ob is None:
        sys.exit("faiss_sweep: OpenBLAS is not loaded: run bench/peers/blas.sh")
    xb = load_rows(a.corpus)
    try:
        check_variants(a.variants.split(","), xb.shape[1])
    except ValueError as e:
        sys.exit(f"faiss_sweep: {e}")
    xq = load_rows(a.queries, a.recall)
    if a.ground_truth:
        truth = np.load(a.ground_truth)[: len(xq), :K]
    else:
        exact = faiss.IndexFlatIP(xb.shape[1])
        exact.add(xb)
        _, truth = exact.search(xq, K)
        del exact
    xa = load_rows(a.anchors, a.anchor_count) if a.anchors else None
    out = open(a.json_out, "a")
    simd = "avx2" if hasattr(faiss, "swigfaiss_avx2") else "generic"
    for nlist in (int(n) for n in a.nlist.split(",")):
        c, train_seconds = centroids(faiss, xb, a.corpus, a.dataset, nlist, a.index_cache)
        for variant in a.variants.split(","):
            t0 = time.perf_counter()
            index = build(faiss, variant, xb, c, a.quantizer_ef)
            fill_seconds = time.perf_counter() - t0
            faiss.omp_set_num_threads(os.cpu_count() or 1)
            chosen = None
            for nprobe in (int(p) for p in a.nprobe.split(",")):
                if nprobe > nlist:
                    break
                index.nprobe = nprobe
                _, found = index.search(xq, K)
                r = recall(truth, found)
                out.write(json.dumps({"engine": "faiss-" + simd, "what": "recall", "set": a.dataset, "nlist": nlist,
                                      "variant": variant, "nprobe": nprobe, "recall": r, "queries": len(xq),
                                      "train_seconds": train_seconds, "fill_seconds": fill_seconds}) + "\n")
                out.flush()
                print(f"faiss_sweep: {a.dataset} nlist {nlist} {variant} nprobe {nprobe}: recall@{K} {r:.4f}",
                      file=sys.stderr)
                if r >= a.target:
                    chosen = (nprobe, r)
                    break
            if chosen is None or xa is None:
                continue
            index.nprobe = chosen[0]
            for omp, blas in ((2, 1), (1, 2)):
                faiss.omp_set_num_threads(omp)
                ob.openblas_set_num_threads(blas)
                index.search(xa[: min(len(xa), 20000)], K)  # untimed: first touches of lists and code
                runs, loads = [], []
                for _ in range(a.runs):
                    loads.append(load())
                    t = time.perf_counter()
                    index.search(xa, K)
                    runs.append(time.perf_counter() - t)
                row = {"engine": "faiss-" + simd, "what": "search", "set": a.dataset, "nlist": nlist,
                       "variant": variant, "nprobe": chosen[0], "recall": chosen[1], "anchors": len(xa),
                       "omp_threads": omp, "blas_threads": blas, "runs_seconds": runs, "loads": loads,
                       "queries_per_s": len(xa) / float(np.median(runs))}
                out.write(json.dumps(row) + "\n")
                out.flush()
                print(f"faiss_sweep: {a.dataset} nlist {nlist} {variant} nprobe {chosen[0]} omp {omp} blas {blas}: "
                      f"{len(xa)} anchors in {runs} s, {row['queries_per_s']:,.0f} q/s", file=sys.stderr)
            del index


if __name__ == "__main__":
    main()
