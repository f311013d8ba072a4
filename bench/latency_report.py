#!/usr/bin/python3
"""Writes bench/results/latency.md from the JSON lines of bench/latency.sh: Quarry's trainer calls (mine end to
end) and FAISS's search-only calls for every configuration measured, then each side at its own best setting
reaching the recall target, per data set and batch size; first calls in fresh JVMs.

    latency_report.py RESULTS.jsonl "MACHINE" OUT.md [TARGET]

Sets are labelled "SET/nlistN" (an IVF index of N lists; "-auto" when Quarry chose N) or "SET" (flat search).
"""
import json
import sys

from faiss_names import faiss_name


def fmt(r):
    return f"{r['p50_ms']:.3f} / {r['p99_ms']:.3f} / {r['max_ms']:.3f}" if r else "-"


def data_set(label):
    return label.split("/")[0]


def main(jsonl, machine, out, target):
    rows = [json.loads(line) for line in open(jsonl) if line.strip()]
    loads = {r["at"]: r["load"] for r in rows if r.get("what") == "load"}
    quarry = [r for r in rows if r.get("engine") == "quarry" and r.get("what") == "mine"]
    first = [r for r in rows if r.get("what") == "first-call"]
    faiss = [r for r in rows if str(r.get("engine", "")).startswith("faiss")]

    def series(group, r, mode):
        return next((x for x in group if all(x.get(f) == r.get(f) for f in
                                             ("set", "variant", "nprobe", "batch", "threads"))
                     and x["mode"].startswith(mode)), None)

    lines = ["# Trainer-call latency", "", machine, "",
             "Milliseconds, p50 / p99 / max over every call (HdrHistogram for Quarry, numpy percentiles for FAISS).",
             "Quarry: `Miner.mine` end to end (search, filters, sampling; 8 negatives from ranks [10, 100)).",
             "FAISS: `index.search` only (k = 100). Fixed rate: calls due at half the closed-loop throughput, each",
             "timed from when it was due. Recall@100 on the first 500 queries against exact search. Each IVF",
             "configuration runs at the smallest nprobe of the sweep reaching the target on 2,000 queries. Load: the",
             "1-minute load average when the configuration started.", "",
             "## Quarry", "",
             "| set | nprobe | recall@100 | batch | closed loop | fixed rate | calls/s closed | bytes/call | load |",
             "|---|---:|---:|---:|---|---|---:|---:|---|"]
    for r in (r for r in quarry if r["mode"] == "closed loop"):
        lines.append(f"| {r['set']} | {r['nprobe'] or '-'} | {r['recall']:.3f} | {r['batch']} | {fmt(r)} | "
                     f"{fmt(series(quarry, r, 'fixed'))} | {r['calls_per_s']:,.0f} | {r['bytes_per_call']:,.0f} | "
                     f"{loads.get(r['set'] + ' quarry', '-')} |")
    lines += ["", "## FAISS", "",
              "| set | index | nprobe | recall@100 | batch | threads | closed loop | fixed rate | calls/s closed "
              "| load |", "|---|---|---:|---:|---:|---:|---|---|---:|---|"]
    for r in (r for r in faiss if r["mode"] == "closed loop"):
        lines.append(f"| {r['set']} | {faiss_name(r.get('variant', 'ivf'))} | "
                     f"{r['nprobe'] or '-'} | {r['recall']:.3f} | {r['batch']} | {r['threads']} | {fmt(r)} | "
                     f"{fmt(series(faiss, r, 'fixed'))} | {r['calls_per_s']:,.0f} | "
                     f"{loads.get(r['set'] + ' faiss', '-')} |")

    lines += ["", f"## Each side at its best (lowest closed-loop p50 with recall@100 >= {target})", "",
              "| set | batch | Quarry: config | closed p50 / p99 | fixed p50 / p99 | FAISS: config | closed p50 / p99 "
              "| fixed p50 / p99 | p50 Q / F |", "|---|---:|---|---|---|---|---|---|---:|"]

    def best(group, name, batch):
        ok = [r for r in group if data_set(r["set"]) == name and r["batch"] == batch and r["mode"] == "closed loop"
              and r["recall"] >= target]
        return min(ok, key=lambda r: r["p50_ms"]) if ok else None

    def p50p99(r):
        return f"{r['p50_ms']:.3f} / {r['p99_ms']:.3f}" if r else "-"

    for name in dict.fromkeys(data_set(r["set"]) for r in quarry + faiss):
        for batch in sorted({r["batch"] for r in quarry + faiss if data_set(r["set"]) == name}):
            q, f = best(quarry, name, batch), best(faiss, name, batch)
            qc = f"{q['set'].partition('/')[2] or 'flat'}, nprobe {q['nprobe']}, recall {q['recall']:.3f}" if q else "-"
            fc = (f"{faiss_name(f.get('variant'))} {f['set'].partition('/')[2]}, nprobe "
                  f"{f['nprobe']}, recall {f['recall']:.3f}, {f['threads']} thread(s)") if f else "-"
            ratio = f"{q['p50_ms'] / f['p50_ms']:.2f}" if q and f else "-"
            lines.append(f"| {name} | {batch} | {qc} | {p50p99(q)} | {p50p99(series(quarry, q, 'fixed') if q else None)}"
                         f" | {fc} | {p50p99(f)} | {p50p99(series(faiss, f, 'fixed') if f else None)} | {ratio} |")
    if first:
        lines += ["", "First call in a fresh JVM (the miner built and warmed up first), and the call after it:", "",
                  "| set | nprobe | batch | build (warm-up) ms | first call ms | second call ms | steady p50 ms |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for r in first:
            steady = next((x["p50_ms"] for x in quarry if x["set"] == r["set"] and x["nprobe"] == r["nprobe"]
                           and x["batch"] == r["batch"] and x["mode"] == "closed loop"), float("nan"))
            lines.append(f"| {r['set']} | {r['nprobe'] or '-'} | {r['batch']} | {r['build_ms']:.0f} | "
                         f"{r['first_ms']:.3f} | {r['second_ms']:.3f} | {steady:.3f} |")
    lines += ["", f"Load average at the start {loads.get('start', '-')}, at the end {loads.get('end', '-')}."]
    open(out, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 0.95)
