#!/usr/bin/python3
"""FAISS contender for the peers benchmark: exact (IndexFlatIP) or IVF (IndexIVFFlat, inner product)
top-k over a .qvec corpus, searched the way FAISS users do: all queries in one index.search call.

Run with Debian's /usr/bin/python3 (its numpy). Which FAISS is measured is chosen by the caller:
PYTHONPATH=$(bench/peers/build-faiss.sh) for the AVX2 build (--build avx2), nothing for Debian's
python3-faiss (--build debian, generic: no AVX code). OpenBLAS reads OPENBLAS_NUM_THREADS when it
loads, so the caller sets it; this script records the thread counts actually in effect.

Per configuration (flat, or one per nprobe): untimed warm-up searches for at least 2 s (as the JVM
contenders get), then --runs timed ones;
appends one JSON line to --json-out and saves the last run's ids as PREFIX-<config>.npy.
"""
import argparse
import ctypes
import json
import os
import struct
import sys
import time

import numpy as np

SEED = 1234  # k-means seed for IVF training (FAISS's default value, set explicitly)


def read_qvec(path):
    """A .qvec file: 4096-byte little-endian header (magic QVEC, u16 version 1 or 2, u16 dtype
    0=float32, i32 dim, i64 count), then count x dim float32 rows (version 2: then a 16-byte footer)."""
    with open(path, "rb") as f:
        magic, version, dtype, dim, count = struct.unpack("<4sHHiq", f.read(20))
    if magic != b"QVEC" or version not in (1, 2) or dtype != 0:
        sys.exit(f"faiss_bench: {path}: not a float32 .qvec v1 or v2 (magic={magic!r} version={version} dtype={dtype})")
    if os.path.getsize(path) != 4096 + 4 * dim * count + (16 if version == 2 else 0):
        sys.exit(f"faiss_bench: {path}: size does not match {count} x {dim} float32 rows")
    return np.memmap(path, dtype="<f4", mode="r", offset=4096, shape=(count, dim))


def corpus_identity(path):
    """What FAISS's caches (trained centroids, filled indexes) are keyed by: the corpus file's size and a SHA-256 of
    64 slices of 64 KiB spread evenly over it (the first holds the header, the last the final rows). Not its path, nor
    its mtime: the same corpus reached from another checkout (bench/data is a symlink into shared data) or copied
    keeps its cache, while a regenerated or re-embedded corpus differs in its sampled rows and is retrained. Reads
    4 MiB, a few milliseconds."""
    import hashlib
    size = os.path.getsize(path)
    slices, width = 64, 1 << 16
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for i in range(slices):
            f.seek(i * max(0, size - width) // (slices - 1))
            digest.update(f.read(width))
    return {"size": size, "sample_sha256": digest.hexdigest()}


def cache_matches(stored, path, identity):
    """Whether a cache entry's stored corpus key names this corpus: the content key above, or the key of older
    entries (absolute path, size, mtime), taken when the size and mtime match whatever the path (the file reached
    through another checkout's symlink is the same file). Older entries are left as they are, so a checkout whose
    scripts still write and read the older key keeps them too."""
    if not isinstance(stored, dict):
        return False
    if "sample_sha256" in stored:
        return stored == identity
    st = os.stat(path)
    return stored.get("size") == st.st_size and stored.get("mtime_ns") == st.st_mtime_ns


def write_json(path, value):
    """value as JSON at path, through a temp file and a rename."""
    with open(path + ".tmp", "w") as f:
        json.dump(value, f)
    os.replace(path + ".tmp", path)


class DlInfo(ctypes.Structure):
    _fields_ = [("fname", ctypes.c_char_p), ("fbase", ctypes.c_void_p),
                ("sname", ctypes.c_char_p), ("saddr", ctypes.c_void_p)]


def sgemm_library():
    """The file FAISS's sgemm_ comes from: looked up from FAISS's own swig module (its dependency
    order, as the dynamic linker resolves it), then dladdr. OpenBLAS being loaded is not enough:
    Debian's libblas.so.3 alternative can be the reference BLAS while LAPACK/numpy load OpenBLAS."""
    mod = next(m for k, m in sys.modules.items() if k.startswith("faiss._swigfaiss"))
    fn = ctypes.CDLL(mod.__file__, mode=os.RTLD_NOLOAD).sgemm_
    info = DlInfo()
    if not ctypes.CDLL(None).dladdr(ctypes.cast(fn, ctypes.c_void_p), ctypes.byref(info)):
        return None
    return os.path.realpath(info.fname.decode())


def openblas():
    """The OpenBLAS this process loaded, found in /proc/self/maps (never a new copy), or None."""
    with open("/proc/self/maps") as f:
        paths = sorted({l.split()[-1] for l in f if "libopenblas" in l and l.split()[-1].startswith("/")})
    for p in paths:
        try:
            lib = ctypes.CDLL(p, mode=os.RTLD_NOLOAD)
            lib.openblas_get_num_threads.restype = ctypes.c_int
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return lib
        except (OSError, AttributeError):
            continue
    return None


def peak_rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def trained_ivf(xb, corpus, dataset, nlist, index_cache, meta):
    """An IndexIVFFlat (inner product) over xb: read from index_cache when it was trained on this very corpus
    file, else trained (FAISS's k-means, seed SEED, its own sample of at most 256 points per centroid), filled
    and cached. Returns (index, build_seconds)."""
    import faiss
    d = xb.shape[1]
    cached = None
    if index_cache:
        os.makedirs(index_cache, exist_ok=True)
        cached = os.path.join(index_cache, f"faiss-{dataset}-nlist{nlist}.index")
    corpus_id = corpus_identity(corpus)
    sidecar = None
    if cached and os.path.exists(cached) and os.path.exists(cached + ".json"):
        with open(cached + ".json") as f:
            sidecar = json.load(f)
        if not cache_matches(sidecar.get("corpus_id"), corpus, corpus_id):  # another or a regenerated corpus
            sidecar = None
    if sidecar:
        print(f"faiss_bench: reusing {cached} (built in {sidecar['build_seconds']:.1f} s)", file=sys.stderr)
        return faiss.read_index(cached), sidecar["build_seconds"]
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = SEED  # k-means on FAISS's own sample (max 256 points per centroid)
    t0 = time.perf_counter()
    index.train(xb)
    index.add(xb)
    build_seconds = time.perf_counter() - t0
    print(f"faiss_bench: trained and filled nlist={nlist} in {build_seconds:.1f} s", file=sys.stderr)
    if cached:
        faiss.write_index(index, cached + ".tmp")
        os.replace(cached + ".tmp", cached)
        write_json(cached + ".json", dict(meta, build_seconds=build_seconds, corpus_id=corpus_id))
    return index, build_seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", choices=["avx2", "debian"], required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--query-limit", type=int)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--index", choices=["flat", "ivf"], required=True)
    ap.add_argument("--nlist", type=int, default=1024)
    ap.add_argument("--nprobe", default="1,2,4,8,16", help="comma-separated, for --index ivf")
    ap.add_argument("--omp-threads", type=int, help="faiss.omp_set_num_threads(T); omit for FAISS's default")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--ids-out", required=True, help="prefix of the .npy id files")
    ap.add_argument("--json-out", required=True, help="JSON Lines file, appended to")
    ap.add_argument("--index-cache", help="directory keeping trained IVF indexes (and their build time) for reuse "
                                          "by the other thread splits and builds")
    a = ap.parse_args()

    import faiss  # after argparse: --help works without FAISS

    simd = "avx2" if hasattr(faiss, "swigfaiss_avx2") else "generic"
    debian_pkg = faiss.__file__.startswith("/usr/lib/python3/")
    if (a.build == "avx2") != (simd == "avx2") or (a.build == "debian") != debian_pkg:
        sys.exit(f"faiss_bench: --build {a.build} but loaded {faiss.__file__} (simd={simd}); check PYTHONPATH")

    if a.omp_threads:
        faiss.omp_set_num_threads(a.omp_threads)
    omp = faiss.omp_get_max_threads()
    sgemm_from, ob = sgemm_library(), openblas()
    if ob is None or sgemm_from is None or "openblas" not in sgemm_from:
        sys.exit(f"faiss_bench: FAISS's sgemm comes from {sgemm_from}, not OpenBLAS (reference BLAS?): "
                 "run bench/peers/blas.sh to select OpenBLAS")
    blas, core = ob.openblas_get_num_threads(), ob.openblas_get_corename().decode()

    xb = np.ascontiguousarray(read_qvec(a.corpus), dtype=np.float32)
    xq = read_qvec(a.queries)
    xq = np.ascontiguousarray(xq[: a.query_limit] if a.query_limit else xq, dtype=np.float32)
    (n, d), nq = xb.shape, xq.shape[0]
    if xq.shape[1] != d:
        sys.exit(f"faiss_bench: corpus dim {d} != queries dim {xq.shape[1]}")
    print(f"faiss_bench: faiss {faiss.__version__} {simd} ({faiss.__file__}), OpenMP {omp}, OpenBLAS {blas} "
          f"core {core}; {n} x {d} corpus, {nq} queries, k={a.k}", file=sys.stderr)

    build_seconds = None
    if a.index == "flat":
        index = faiss.IndexFlatIP(d)
        index.add(xb)
        configs = [("flat", None)]
    else:
        index, build_seconds = trained_ivf(xb, a.corpus, a.dataset, a.nlist, a.index_cache,
                                           {"build": a.build, "omp_threads": omp, "blas_threads": blas})
        configs = [(f"nprobe{p}", int(p)) for p in a.nprobe.split(",")]

    os.makedirs(os.path.dirname(os.path.abspath(a.ids_out)), exist_ok=True)
    for name, nprobe in configs:
        if nprobe is not None:
            index.nprobe = nprobe
        warm_start = time.perf_counter()
        while True:  # warm-up, untimed: at least one search and 2 s
            index.search(xq, a.k)
            if time.perf_counter() - warm_start >= 2.0:
                break
        runs = []
        for _ in range(a.runs):
            if nprobe is not None:
                faiss.cvar.indexIVF_stats.reset()
            t0 = time.perf_counter()
            _, ids = index.search(xq, a.k)
            runs.append(time.perf_counter() - t0)
        if nprobe is None:
            dots = n * nq
        else:  # coarse quantizer (nq x nlist) + the list entries scanned (ndis) in the last run
            dots = nq * a.nlist + int(faiss.cvar.indexIVF_stats.ndis)
        ids_path = f"{a.ids_out}-{name if nprobe is None else f'nlist{a.nlist}-{name}'}.npy"
        np.save(ids_path, ids.astype(np.int32))
        config = f"omp={omp} blas={blas}" + (f" nlist={a.nlist} nprobe={nprobe}" if nprobe is not None else "")
        rec = {
            "contender": f"faiss-{a.index}", "build": a.build, "label": a.label, "dataset": a.dataset,
            "config": config, "threads": min(omp * blas, os.cpu_count() or 1),
            "omp_threads": omp, "blas_threads": blas, "queries": nq, "k": a.k, "dim": d, "rows": n,
            "runs_seconds": runs, "build_seconds": build_seconds, "peak_rss_bytes": peak_rss(),
            "peak_heap_bytes": None, "dot_products_per_run": dots, "ids": ids_path,
            "faiss_version": faiss.__version__, "simd": simd, "openblas_core": core,
        }
        with open(a.json_out, "a") as f:
            f.write(json.dumps(rec) + "\n")
        best = min(runs)
        print(f"faiss_bench: {a.index} {config}: best {best:.4f} s of {runs}, "
              f"{2 * d * dots / best / 1e9:.1f} GFLOP/s (dot products x 2d)", file=sys.stderr)


if __name__ == "__main__":
    main()
