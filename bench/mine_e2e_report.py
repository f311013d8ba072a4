#!/usr/bin/python3
"""Markdown report of one bench/mine_e2e.sh run (its JSON lines): per data set, the recall of each nlist x nprobe,
the throughput of each side at the smallest nprobe reaching the target, and each side at its best setting.

    mine_e2e_report.py RESULTS.jsonl "MACHINE" TARGET
"""
import json
import statistics
import sys
from collections import defaultdict

from faiss_names import faiss_name, variant_order


def rate(per_minute):
    """Anchors per minute, in millions or thousands."""
    return f"{per_minute / 1e6:.2f}M" if per_minute >= 1e6 else f"{per_minute / 1e3:.0f}k"


def spread(values, fmt="{:.1f}"):
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def loads(rows):
    """The 1-minute load averages recorded before the runs, as min-max."""
    first = [float(load.split()[1]) for r in rows for load in r.get("loads", [])]
    if not first:
        return "-"
    return f"{min(first):.1f}" if min(first) == max(first) else f"{min(first):.1f}-{max(first):.1f}"


def per_minute(r):
    """(median, min, max) anchors per minute of one timed configuration."""
    rates = [r["anchors"] / s * 60 for s in r["runs_seconds"]]
    return statistics.median(rates), min(rates), max(rates)


def main(path, machine, target):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    by_set = defaultdict(list)
    for r in rows:
        by_set[r["set"]].append(r)
    out = [f"### Mining end to end, each side at its best for recall@100 >= {target} ({machine})", ""]
    for name, rs in by_set.items():
        quarry_recall = [r for r in rs if r["what"] == "recall" and not r["engine"].startswith("faiss")]
        faiss_recall = [r for r in rs if r["what"] == "recall" and r["engine"].startswith("faiss")]
        mines = [r for r in rs if r["what"] == "mine"]
        searches = [r for r in rs if r["what"] == "search"]
        out += [f"#### {name}", "", "Recall@100 by nprobe (first 2,000 queries against exact search; FAISS's sweep "
                "stops at the first nprobe reaching the target):", "",
                "| nlist | who | recall@100 at nprobe 1, 2, 4, ... |", "|---:|---|---|"]
        for nlist in sorted({r["nlist"] for r in quarry_recall + faiss_recall}):
            for option in sorted({r.get("nlist_option") for r in quarry_recall if r["nlist"] == nlist}):
                label = f"{nlist} (auto)" if option == "auto" else str(nlist)
                mine = [r for r in quarry_recall if r["nlist"] == nlist and r.get("nlist_option") == option]
                # An index with a centroid graph has a row per coarse stage at each nprobe: one line per stage.
                for stage in dict.fromkeys(r.get("coarse", "-") for r in mine):
                    group = [r for r in mine if r.get("coarse", "-") == stage]
                    who = group[0]["engine"] if stage == "-" else f"{group[0]['engine']}, {stage} coarse stage"
                    out.append(f"| {label} | {who} | "
                               + ", ".join(f"{r['nprobe']}: {r['recall']:.3f}" for r in group) + " |")
            for variant in sorted({r["variant"] for r in faiss_recall if r["nlist"] == nlist}, key=variant_order):
                group = [r for r in faiss_recall if r["nlist"] == nlist and r["variant"] == variant]
                if group:
                    out.append(f"| {nlist} | FAISS {faiss_name(variant)} | "
                               + ", ".join(f"{r['nprobe']}: {r['recall']:.3f}" for r in group) + " |")
        out += ["", "Throughput at the smallest nprobe reaching the target: Quarry's whole `quarry mine` command (JVM "
                "start to the last output byte), FAISS's `index.search` alone at its best OpenMP x OpenBLAS split "
                "(anchors/min: median [min-max] of the runs; load: the 1-minute average before each run):", "",
                "| who | nlist | nprobe | recall@100 | anchors | anchors/min | seconds | load |",
                "|---|---:|---:|---:|---:|---|---|---|"]
        for r in sorted(mines, key=lambda r: (r["anchors"], r["nlist"])):
            m, lo, hi = per_minute(r)
            option = " (auto)" if r.get("nlist_option") == "auto" else ""
            out.append(f"| {r['engine']} | {r['nlist']}{option} | {r['nprobe']} | {r['recall']:.3f} | {r['anchors']:,} | "
                       f"{rate(m)} [{rate(lo)}-{rate(hi)}] | {spread(r['runs_seconds'])} | {loads([r])} |")
        best_faiss = {}
        for r in searches:  # the best split of each (variant, nlist)
            key = (r["variant"], r["nlist"])
            if key not in best_faiss or r["queries_per_s"] > best_faiss[key]["queries_per_s"]:
                best_faiss[key] = r
        for (variant, nlist), r in sorted(best_faiss.items(), key=lambda kv: (kv[0][1], variant_order(kv[0][0]))):
            m, lo, hi = per_minute(r)
            out.append(f"| FAISS {faiss_name(variant)} (OpenMP {r['omp_threads']} x OpenBLAS {r['blas_threads']}) | "
                       f"{nlist} | {r['nprobe']} | {r['recall']:.3f} | {r['anchors']:,} | "
                       f"{rate(m)} [{rate(lo)}-{rate(hi)}] | {spread(r['runs_seconds'], '{:.2f}')} | "
                       f"{loads([r])} |")
        if mines and best_faiss:
            faiss = max(best_faiss.values(), key=lambda r: per_minute(r)[0])
            fm = per_minute(faiss)[0]
            out += ["", "Each side at its best (FAISS's throughput per query does not depend on how many it is "
                    "given at once, so its best is set against every anchor count):", "",
                    "| anchors | Quarry best: nlist, nprobe, recall | anchors/min | FAISS best: index, nlist, nprobe, "
                    "recall | anchors/min | Quarry / FAISS |", "|---:|---|---:|---|---:|---:|"]
            for n in sorted({r["anchors"] for r in mines}):
                q = max((r for r in mines if r["anchors"] == n), key=lambda r: per_minute(r)[0])
                qm = per_minute(q)[0]
                out.append(f"| {n:,} | {q['nlist']}, {q['nprobe']}, {q['recall']:.3f} | {rate(qm)} | "
                           f"{faiss_name(faiss['variant'])}, {faiss['nlist']}, {faiss['nprobe']}, "
                           f"{faiss['recall']:.3f} | {rate(fm)} | {qm / fm:.2f}x |")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
