#!/usr/bin/python3
"""Prints FastScanBenchmark's JMH results (jmh.json) as a table: per kernel and query count, the median and range of
rows/s over all iterations of all forks, the GB/s of codes that rate reads, row-query pairs/s, and the ratio of each
kernel's median to the float32 and int8 list kernels' at the same query count (same run, same JVM flags).

Usage: bench/fastscan_report.py bench/data/fastscan/run-.../jmh.json
"""
import json
import statistics
import sys

BYTES_PER_ROW = {"floatList": 4 * 384, "codeList": 384, "fastScan48": 24, "fastScan96": 48}
ORDER = ["floatList", "codeList", "fastScan48", "fastScan96"]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fastscan_report.py JMH.json")
    with open(sys.argv[1]) as f:
        results = json.load(f)
    rows = {}
    for r in results:
        name = r["benchmark"].rsplit(".", 1)[1]
        queries = int(r["params"]["queries"])
        raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
        rows[(name, queries)] = raw
    print("| kernel | queries | rows/s: median [min-max] | codes GB/s | row-queries/s | / float32 | / int8 | iterations |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for queries in sorted({q for _, q in rows}):
        base = {k: statistics.median(rows[(k, queries)]) for k in ("floatList", "codeList") if (k, queries) in rows}
        for name in ORDER:
            raw = rows.get((name, queries))
            if raw is None:
                continue
            med = statistics.median(raw)
            ratio = lambda k: f"{med / base[k]:.2f}x" if k in base else "-"
            print(f"| {name} | {queries} | {med / 1e6:.2f}M [{min(raw) / 1e6:.2f}-{max(raw) / 1e6:.2f}] "
                  f"| {med * BYTES_PER_ROW[name] / 1e9:.2f} | {med * queries / 1e6:.0f}M | {ratio('floatList')} "
                  f"| {ratio('codeList')} | {len(raw)} |")


if __name__ == "__main__":
    main()
