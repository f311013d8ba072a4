#!/usr/bin/python3
"""Writes bench/results/latency.md from the JSON lines of bench/latency.sh: Quarry's trainer calls (mine end
to end) beside FAISS's search-only calls for the same batches and nprobe, closed loop and at fixed rates."""
import json
import sys
from collections import defaultdict


def fmt(r):
    return f"{r['p50_ms']:.3f} / {r['p99_ms']:.3f} / {r['max_ms']:.3f}"


def main(jsonl, machine, out):
    rows = [json.loads(l) for l in open(jsonl) if l.strip()]
    quarry = [r for r in rows if r["engine"] == "quarry" and r["what"] == "mine"]
    first = [r for r in rows if r["what"] == "first-call"]
    faiss = [r for r in rows if r["engine"].startswith("faiss")]
    best = {}
    for r in faiss:  # FAISS at its best thread count: the lowest closed-loop p50
        key = (r["set"], r["index"], r["nprobe"], r["batch"])
        if r["mode"] == "closed loop" and (key not in best or r["p50_ms"] < best[key]["p50_ms"]):
            best[key] = r
    faiss_modes = defaultdict(dict)
    for r in faiss:
        key = (r["set"], r["index"], r["nprobe"], r["batch"])
        if key in best and r["threads"] == best[key]["threads"]:
            faiss_modes[key][r["mode"].split()[0]] = r
    lines = ["# Trainer-call latency", "", machine, "",
             "Milliseconds, p50 / p99 / max over every call (HdrHistogram for Quarry, numpy percentiles for FAISS).",
             "Quarry: `Miner.mine` end to end (search, filters, sampling; 8 negatives from ranks [10, 100)).",
             "FAISS: `index.search` only (k = 100), at its best OpenMP thread count for that batch (closed loop).",
             "Fixed rate: calls due at half the closed-loop throughput, each timed from when it was due.", "",
             "| set | nprobe | recall@100 Q / F | batch | Quarry closed | Quarry fixed | FAISS closed (threads) "
             "| FAISS fixed | p50 Q/F | Quarry bytes/call |",
             "|---|---:|---|---:|---|---|---|---|---:|---:|"]
    for r in sorted((r for r in quarry if r["mode"] == "closed loop"),
                    key=lambda r: (r["set"], r["index"], r["nprobe"], r["batch"])):
        key = (r["set"], r["index"], r["nprobe"], r["batch"])
        fixed = next((x for x in quarry if (x["set"], x["index"], x["nprobe"], x["batch"]) == key
                      and x["mode"].startswith("fixed")), None)
        # A Quarry variant (ivf+graph, ivf+int8) is set beside FAISS's IndexIVFFlat of the same set and nprobe.
        f = faiss_modes.get((r["set"], r["index"].split("+")[0], r["nprobe"], r["batch"]), {})
        fc, ff = f.get("closed"), f.get("fixed")
        lines.append(f"| {r['set']} {r['index']} | {r['nprobe'] or '-'} | {r['recall']:.3f} / "
                     f"{fc['recall']:.3f} | {r['batch']} | {fmt(r)} | {fmt(fixed) if fixed else '-'} | "
                     f"{fmt(fc) + ' (' + str(fc['threads']) + ')' if fc else '-'} | {fmt(ff) if ff else '-'} | "
                     f"{r['p50_ms'] / fc['p50_ms']:.2f} | {r['bytes_per_call']:,.0f} |"
                     if fc else
                     f"| {r['set']} {r['index']} | {r['nprobe'] or '-'} | {r['recall']:.3f} / - | {r['batch']} | "
                     f"{fmt(r)} | {fmt(fixed) if fixed else '-'} | - | - | - | {r['bytes_per_call']:,.0f} |")
    if first:
        lines += ["", "First call in a fresh JVM (the miner built and warmed up first), and the call after it:", "",
                  "| set | nprobe | batch | build (warm-up) ms | first call ms | second call ms | steady p50 ms |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for r in first:
            steady = next((x["p50_ms"] for x in quarry if x["set"] == r["set"] and x["index"] == r["index"]
                           and x["nprobe"] == r["nprobe"] and x["batch"] == r["batch"]
                           and x["mode"] == "closed loop"), float("nan"))
            lines.append(f"| {r['set']} {r['index']} | {r['nprobe'] or '-'} | {r['batch']} | {r['build_ms']:.0f} | "
                         f"{r['first_ms']:.3f} | {r['second_ms']:.3f} | {steady:.3f} |")
    open(out, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
