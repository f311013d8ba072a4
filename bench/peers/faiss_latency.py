#!/usr/bin/python3
"""FAISS's search-only latency for trainer-sized batches, the peer of dev.quarry.bench.latency.LatencyBenchmark:
IVF indexes (inner product; the variants of faiss_sweep.py: IndexIVFFlat, HNSW coarse quantizer, SQ8 lists, 4-bit
PQ fast-scan lists with a float32 refine, all built from one k-means per nlist, cached) or IndexFlatIP over a
.qvec corpus, batches of queries searched one call at a time (k = 100), closed loop and at fixed rates (each call
timed from when it was due), percentiles over every call.

Run with Debian's /usr/bin/python3 and PYTHONPATH=$(bench/peers/build-faiss.sh) for the AVX2 build.
Appends one JSON line per (variant, nprobe, batch, threads, mode) to --json-out; recall@100 per nprobe against
exact search (IndexFlatIP) on --recall queries. With --target, each variant is timed only at the smallest nprobe
of --nprobe reaching that recall.
"""
import argparse
import json
import sys
import time

import numpy as np

from faiss_bench import read_qvec
from faiss_sweep import build, centroids
from faiss_variants import check_variants

K = 100


def percentiles(latencies):
    ms = np.asarray(latencies) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p90_ms": float(np.percentile(ms, 90)),
            "p99_ms": float(np.percentile(ms, 99)), "p999_ms": float(np.percentile(ms, 99.9)),
            "max_ms": float(ms.max())}


def closed_loop(index, xq, batch, calls):
    lat = []
    start = time.perf_counter()
    for i in range(calls):
        lo = (i * batch) % (len(xq) - batch + 1)
        t = time.perf_counter()
        index.search(xq[lo:lo + batch], K)
        lat.append(time.perf_counter() - t)
    return lat, calls / (time.perf_counter() - start)


class OsCounters:
    """What the OS saw around each call, read from /proc after it (outside its timing), as
    dev.quarry.bench.latency.OsCounters writes it: steal ticks, the process's page faults, and per thread (the
    calling one first, then every other thread of the process summed) time on a CPU and waiting for one
    (microseconds) and involuntary context switches; one CSV line per call, differences from the line before."""

    def __init__(self, path):
        import os
        import threading
        self.me = str(threading.get_native_id())
        self.pid = os.getpid()
        self.out = open(path, "w")
        self.out.write("call,due_ms,latency_ms,steal_ticks,minflt,majflt,t0_run_us,t0_wait_us,t0_nvcsw,"
                       "t1_run_us,t1_wait_us,t1_nvcsw\n")
        self.last = self.read()

    def read(self):
        import os
        with open("/proc/stat") as f:
            steal = int(f.readline().split()[8])
        with open("/proc/self/stat") as f:
            s = f.read()
        s = s[s.rindex(")") + 2:].split()
        v = [steal, int(s[7]), int(s[9]), 0, 0, 0, 0, 0, 0]
        for tid in os.listdir("/proc/self/task"):
            at = 3 if tid == self.me else 6
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                run, wait, _ = f.read().split()
            v[at] += int(run)
            v[at + 1] += int(wait)
            with open(f"/proc/self/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("nonvoluntary_ctxt_switches:"):
                        v[at + 2] += int(line.split(":")[1])
        return v

    def after(self, call, due_ms, latency_s):
        now = self.read()
        d = [b - a for a, b in zip(self.last, now)]
        for i in (3, 4, 6, 7):
            d[i] //= 1000
        self.last = now
        self.out.write(f"{call},{due_ms:.3f},{latency_s * 1e3:.4f}," + ",".join(str(x) for x in d) + "\n")

    def close(self):
        self.out.close()


def fixed_rate(index, xq, batch, calls, rate, counters=None):
    lat = []
    interval = 1.0 / rate
    start = time.perf_counter()
    for i in range(calls):
        due = start + i * interval
        while (now := time.perf_counter()) < due:
            if due - now > 2e-4:
                time.sleep(due - now - 1e-4)
        lo = (i * batch) % (len(xq) - batch + 1)
        index.search(xq[lo:lo + batch], K)
        lat.append(time.perf_counter() - due)
        if counters is not None:
            counters.after(i, (due - start) * 1e3, lat[-1])
    return lat, calls / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--dataset", required=True, help="names the corpus in the index cache")
    ap.add_argument("--label", help="the set's name in the JSON lines (default: --dataset)")
    ap.add_argument("--index", choices=["flat", "ivf"], default="ivf")
    ap.add_argument("--nlist", type=int, default=4096)
    ap.add_argument("--nprobe", default="1,2,4,8")
    ap.add_argument("--variants", default="ivf", help="comma-separated: ivf, ivf-hnsw, ivf-sq8, ivf-hnsw-sq8, ivf-pqfs-M-R (4-bit PQ fast-scan,"
                    " M sub-spaces: a number or dN for d / N; the best R rescored in float32)")
    ap.add_argument("--quantizer-ef", type=int, default=64, help="efSearch of the HNSW coarse quantizer")
    ap.add_argument("--target", type=float, help="time only the smallest nprobe reaching this recall@100")
    ap.add_argument("--batches", default="1,8,64,256")
    ap.add_argument("--threads", default="1,2", help="OpenMP thread counts to try (the best is reported too)")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--rates", default="0.5,0.8", help="fixed rates as fractions of the closed-loop throughput")
    ap.add_argument("--recall", type=int, default=500)
    ap.add_argument("--index-cache")
    ap.add_argument("--json-out", required=True)
    ap.add_argument("--os-counters", help="directory: per-call /proc counters of fixed-rate series of 16+ queries")
    a = ap.parse_args()

    import faiss

    simd = "avx2" if hasattr(faiss, "swigfaiss_avx2") else "generic"
    xb = np.ascontiguousarray(read_qvec(a.corpus), dtype=np.float32)
    if a.index == "ivf":
        try:
            check_variants(a.variants.split(","), xb.shape[1])
        except ValueError as e:
            sys.exit(f"faiss_latency: {e}")
    xq = np.ascontiguousarray(read_qvec(a.queries)[:4096], dtype=np.float32)
    exact = faiss.IndexFlatIP(xb.shape[1])
    exact.add(xb)
    out = open(a.json_out, "a")
    if a.index == "flat":
        measure(a, out, simd, xq, "flat", exact, [(0, 1.0)])
        return
    _, truth = exact.search(xq[: a.recall], K)
    del exact
    c, _ = centroids(faiss, xb, a.corpus, a.dataset, a.nlist, a.index_cache)
    for variant in a.variants.split(","):
        index = build(faiss, variant, xb, c, a.quantizer_ef)
        probes = []
        for nprobe in (int(p) for p in a.nprobe.split(",")):
            index.nprobe = nprobe
            _, found = index.search(xq[: a.recall], K)
            recall = float(np.mean([len(set(t) & set(f)) / K for t, f in zip(truth, found)]))
            print(f"faiss_latency: {variant} nlist {a.nlist} nprobe {nprobe}: recall@{K} {recall:.4f}",
                  file=sys.stderr)
            if a.target is None:
                probes.append((nprobe, recall))
            elif recall >= a.target:
                probes.append((nprobe, recall))
                break
        measure(a, out, simd, xq, variant, index, probes)
        del index


def measure(a, out, simd, xq, variant, index, probes):
    """Closed loop and fixed rates of each batch size and thread count at each (nprobe, recall) of probes."""
    import faiss

    xq = np.ascontiguousarray(read_qvec(a.queries)[:4096], dtype=np.float32)
    for nprobe, recall in probes:
        if nprobe:
            index.nprobe = nprobe
        for batch in (int(b) for b in a.batches.split(",")):
            for threads in (int(t) for t in a.threads.split(",")):
                faiss.omp_set_num_threads(threads)
                closed_loop(index, xq, batch, max(20, a.calls // 10))  # warm-up, not counted
                series = [("closed loop",) + closed_loop(index, xq, batch, a.calls)]
                for fraction in (float(r) for r in a.rates.split(",")):
                    rate = fraction * series[0][2]
                    counters = None
                    if a.os_counters and batch >= 16:  # reading /proc after each call needs a large call's room
                        import os
                        os.makedirs(a.os_counters, exist_ok=True)
                        counters = OsCounters(os.path.join(
                            a.os_counters, f"faiss-{variant}-batch{batch}-threads{threads}-fixed{fraction:.2f}.csv"))
                    series.append((f"fixed {rate:.0f}/s",) + fixed_rate(index, xq, batch, a.calls, rate, counters))
                    if counters is not None:
                        counters.close()
                for mode, lat, per_s in series:
                    row = {"set": a.label or a.dataset, "engine": "faiss-" + simd, "what": "search", "index": a.index,
                           "variant": variant, "nlist": a.nlist if a.index != "flat" else 0, "nprobe": nprobe,
                           "recall": recall, "batch": batch, "threads": threads, "mode": mode,
                           "calls": a.calls, "calls_per_s": per_s}
                    row.update(percentiles(lat))
                    out.write(json.dumps(row) + "\n")
                    out.flush()
                    print(f"faiss_latency: {variant} nlist {a.nlist} nprobe {nprobe} batch {batch} threads {threads} "
                          f"{mode}: "
                          f"p50/p99/max {row['p50_ms']:.3f}/{row['p99_ms']:.3f}/{row['max_ms']:.3f} ms",
                          file=sys.stderr)


if __name__ == "__main__":
    main()
