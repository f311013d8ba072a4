#!/usr/bin/python3
"""Sets each fixed-rate series' slow calls beside what the machine did meanwhile: reads the per-call CSVs that
LatencyBenchmark --os-counters and faiss_latency.py --os-counters write (steal ticks, page faults, and per thread
time on a CPU, time waiting for one, involuntary switches, each a difference from the call before) and prints,
for the calls at or above the series' p99 and for the others, the share with any steal, any fault and any
involuntary switch, and the mean run and wait times. A call that starts late because the one before it ran long
is slow without a cause of its own: the "own" columns count only slow calls that started on time (their due time
at or after the previous call's end).

Usage: latency_tails.py DIR_OR_CSV...
"""
import csv
import glob
import os
import sys


def load(path):
    with open(path) as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def summary(rows, label):
    if not rows:
        return f"{label}: none"
    n = len(rows)
    threads = sorted({k.split("_")[0] for k in rows[0] if k.startswith("t") and k[1].isdigit()})

    def share(pred):
        return sum(1 for r in rows if pred(r)) / n

    parts = [f"{label}: n {n}", f"steal>0 {share(lambda r: r['steal_ticks'] > 0):.2f}",
             f"minflt>0 {share(lambda r: r['minflt'] > 0):.2f}", f"majflt>0 {share(lambda r: r['majflt'] > 0):.2f}"]
    for t in threads:
        parts.append(f"{t}: nvcsw>0 {share(lambda r: r[t + '_nvcsw'] > 0):.2f}"
                     f" run {sum(r[t + '_run_us'] for r in rows) / n:.0f} us"
                     f" wait {sum(r[t + '_wait_us'] for r in rows) / n:.0f} us")
    return ", ".join(parts)


def report(path):
    rows = load(path)
    if not rows:
        return
    lat = sorted(r["latency_ms"] for r in rows)
    p50 = lat[len(lat) // 2]
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
    interval = (rows[-1]["due_ms"] - rows[0]["due_ms"]) / max(1, len(rows) - 1)
    slow, fast, own = [], [], []
    for i, r in enumerate(rows):
        if r["latency_ms"] >= p99:
            slow.append(r)
            prev_end = rows[i - 1]["due_ms"] + rows[i - 1]["latency_ms"] if i else -1e9
            if prev_end <= r["due_ms"]:
                own.append(r)
        else:
            fast.append(r)
    print(f"{os.path.basename(path)}: {len(rows)} calls every {interval:.3f} ms, p50 {p50:.3f} ms, p99 {p99:.3f} ms,"
          f" max {lat[-1]:.3f} ms")
    print("  " + summary(slow, "calls >= p99"))
    print("  " + summary(own, "  of which started on time"))
    print("  " + summary(fast, "calls < p99"))
    steal = sum(r["steal_ticks"] for r in rows)
    print(f"  steal over the series: {steal:.0f} ticks")


def main():
    paths = []
    for a in sys.argv[1:]:
        paths += sorted(glob.glob(os.path.join(a, "*.csv"))) if os.path.isdir(a) else [a]
    if not paths:
        sys.exit("usage: latency_tails.py DIR_OR_CSV...")
    for p in paths:
        report(p)


if __name__ == "__main__":
    main()
