#!/usr/bin/python3
"""Builds bench/RESULTS.md from one run of bench/peers.sh.

    report.py RUN_DIR OUT.md

RUN_DIR holds results.jsonl (one JSON object per contender configuration, written by the harnesses),
machine.json (CPU, versions, the FMA and sgemm peaks measured in the same run) and gt-<dataset>.npy
(exact top-k ids from ground_truth.py). Every figure is computed here from the raw run times and ids:
the median of the timed runs with min and max, recall@k against the exact ids, and each
contender's ratio to Quarry measured in the same run.
"""
import json
import os
import re
import statistics
import sys

import numpy as np

# Contenders that return the exact top-k, compared with Quarry's exact search; the others are
# compared with Quarry's IVF at equal or better recall.
EXACT = {"quarry-flat", "faiss-flat", "lucene", "jvector-brute", "naive"}
RECALL_TARGETS = (0.90, 0.95)
# Recalls this close count as equal: the same settings of two libraries differ by a query or two.
RECALL_SLACK = 0.001


def load(run_dir):
    with open(os.path.join(run_dir, "machine.json")) as f:
        machine = json.load(f)
    records = []
    with open(os.path.join(run_dir, "results.jsonl")) as f:
        for line in f:
            if line.strip():
                records.append(json.loads(line))
    return machine, records


def name(r):
    """The contender as the tables show it: FAISS with its build."""
    return f"{r['contender']} ({r['build']})" if r.get("build") else r["contender"]


def summarize(r, gt_cache, run_dir, machine):
    runs = r["runs_seconds"]
    med = statistics.median(runs)
    s = dict(r)
    s["name"] = name(r)
    s["median_s"], s["min_s"], s["max_s"] = med, min(runs), max(runs)
    s["qps"] = r["queries"] / med
    s["qps_min"], s["qps_max"] = r["queries"] / max(runs), r["queries"] / min(runs)
    dots = r.get("dot_products_per_run")
    s["gflops"] = 2.0 * r["dim"] * dots / med / 1e9 if dots else None
    per_core = next((d.get("fma_gflops_per_core") for d in machine["datasets"] if d["name"] == r["dataset"]),
                    None) or machine["fma_gflops_per_core"]
    peak = per_core * min(r["threads"], machine["cores"])
    s["pct_peak"] = 100 * s["gflops"] / peak if s["gflops"] else None
    gt = gt_cache.setdefault(r["dataset"], np.load(os.path.join(run_dir, f"gt-{r['dataset']}.npy")))
    ids = np.load(r["ids"])
    truth = gt[: ids.shape[0], : r["k"]]
    hits = [len(np.intersect1d(ids[i], truth[i], assume_unique=True)) for i in range(ids.shape[0])]
    s["recall"] = float(np.mean(hits)) / r["k"]
    return s


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def mib(x):
    return "-" if not x else f"{x / 2**20:,.0f}"


def natural(text):
    """Sort key that orders "nprobe=16" after "nprobe=2"."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


def fastest_quarry(rows, threads, recall, slack=RECALL_SLACK):
    """Quarry's fastest configuration (flat or IVF) on these threads with at least this recall (less slack)."""
    ok = [q for q in rows if q["contender"].startswith("quarry") and q["threads"] == threads
          and q["recall"] >= recall - slack]
    return max(ok, key=lambda q: q["qps"]) if ok else None


def quarry_reference(s, rows):
    """The Quarry figure a contender is compared with (same data set, same threads)."""
    if s["contender"] in EXACT:
        flats = [q for q in rows if q["threads"] == s["threads"] and q["contender"] == "quarry-flat"]
        return max(flats, key=lambda q: q["qps"]) if flats else None
    return fastest_quarry(rows, s["threads"], s["recall"])


def dataset_table(rows, machine):
    out = ["| contender | config | threads | queries/s median [min-max] | anchors/min | GFLOP/s | % of peak "
           "| recall@100 | build s | peak heap MiB | peak RSS MiB | Quarry / this |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    order = ["quarry-flat", "quarry-ivf", "faiss-flat", "faiss-ivf", "lucene", "jvector-brute", "jvector-graph",
             "naive"]
    rows = sorted(rows, key=lambda s: (order.index(s["contender"]) if s["contender"] in order else 99,
                                       s.get("build") or "", s["threads"], natural(s["config"])))
    for s in rows:
        ref = quarry_reference(s, rows)
        if s["contender"].startswith("quarry"):
            ratio = "-"
        elif ref is None:
            ratio = "no Quarry config at this recall" if s["contender"] not in EXACT else "-"
        else:
            ratio = f"{ref['qps'] / s['qps']:.2f}x" + ("" if ref["contender"] == "quarry-ivf" or
                                                       s["contender"] in EXACT else " (vs flat)")
        refused = s.get("refused")
        out.append("| " + " | ".join([
            s["name"], s["config"], str(s["threads"]),
            f"{s['qps']:,.0f} [{s['qps_min']:,.0f}-{s['qps_max']:,.0f}]" + (f" ({s['queries']} queries)"
                                                                          if s.get("limited") else ""),
            f"{s['qps'] * 60:,.0f}", fmt(s["gflops"], ".1f"), fmt(s["pct_peak"], ".0f"),
            f"{s['recall']:.4f}", fmt(s.get("build_seconds"), ".1f"), mib(s.get("peak_heap_bytes")),
            mib(s.get("peak_rss_bytes")), refused or ratio]) + " |")
    return out


def equal_recall_table(rows):
    """For each approximate contender, its fastest configuration at each recall target, against Quarry's."""
    out = ["| contender | threads | " + " | ".join(f"recall >= {t:.2f}: queries/s (config, recall) | Quarry / this"
                                                  for t in RECALL_TARGETS) + " |",
           "|---|---:|" + "---:|---:|" * len(RECALL_TARGETS)]
    families = sorted({(s["name"], s["threads"]) for s in rows
                       if s["contender"] not in EXACT or s["contender"] == "quarry-flat"})
    any_row = False
    for fam, threads in families:
        cells = []
        for t in RECALL_TARGETS:
            ok = [s for s in rows if s["name"] == fam and s["threads"] == threads and s["recall"] >= t]
            best = max(ok, key=lambda s: s["qps"]) if ok else None
            qbest = fastest_quarry(rows, threads, t, slack=0)
            if best is None:
                cells += ["not reached", "-"]
            else:
                cells.append(f"{best['qps']:,.0f} ({best['config']}, {best['recall']:.3f})")
                cells.append("-" if fam.startswith("quarry") or qbest is None else
                             f"{qbest['qps'] / best['qps']:.2f}x ({qbest['contender'].removeprefix('quarry-')}, "
                             f"{qbest['config']})")
        out.append(f"| {fam} | {threads} | " + " | ".join(cells) + " |")
        any_row = True
    return out if any_row else []


def best_of(rows, pred):
    ok = [r for r in rows if pred(r)]
    return max(ok, key=lambda r: r["qps"]) if ok else None


def headline(summaries, machine):
    """One line per data set: Quarry on both cores against each peer's best setting in this run."""
    cores = machine["cores"]
    out = [f"| data set | Quarry flat, {cores} threads: GFLOP/s (% of peak) | best FAISS flat (build, config) "
           "| Quarry / FAISS flat | " + " | ".join(f"IVF at recall >= {t:.2f}: Quarry / best FAISS IVF"
                                                   for t in RECALL_TARGETS) + " | other peers: Quarry / this |",
           "|---|---:|---|---:|" + "---:|" * len(RECALL_TARGETS) + "---|"]
    for dataset in machine["datasets"]:
        rows = [s for s in summaries if s["dataset"] == dataset["name"] and not s.get("refused")]
        qflat = best_of(rows, lambda r: r["contender"] == "quarry-flat" and r["threads"] == cores)
        fflat = best_of(rows, lambda r: r["contender"] == "faiss-flat")
        if qflat is None:
            continue
        cells = [dataset["name"], f"{fmt(qflat['gflops'], '.1f')} ({fmt(qflat['pct_peak'], '.0f')}%)"]
        cells.append(f"{fflat['gflops']:.1f} GFLOP/s ({fflat['build']}, {fflat['config']})" if fflat else "-")
        cells.append(f"{qflat['qps'] / fflat['qps']:.2f}x" if fflat else "-")
        for t in RECALL_TARGETS:
            q = fastest_quarry(rows, cores, t, slack=0)
            f = best_of(rows, lambda r: r["contender"] == "faiss-ivf" and r["recall"] >= t)
            if q is None or f is None:
                cells.append("not reached" if f is None else "Quarry: not reached")
            else:
                cells.append(f"{q['qps'] / f['qps']:.2f}x ({q['qps']:,.0f} {q['contender'].removeprefix('quarry-')} "
                             f"{q['config']} / {f['qps']:,.0f} {f['build']} {f['config']})")
        others = []
        for peer in ("lucene", "jvector-brute", "naive"):
            p = best_of(rows, lambda r: r["contender"] == peer)
            if p:
                ref = quarry_reference(p, rows)
                others.append(f"{peer} {ref['qps'] / p['qps']:.1f}x" if ref else f"{peer} -")
        graph = [r for r in rows if r["contender"] == "jvector-graph"]
        if graph:
            # JVector's graph at its best recall, against Quarry's fastest at that recall or better.
            top = max(graph, key=lambda r: (r["recall"], r["qps"]))
            ref = fastest_quarry(rows, top["threads"], top["recall"])
            others.append(f"jvector-graph at its best recall {top['recall']:.3f}: "
                          + (f"{ref['qps'] / top['qps']:.1f}x ({ref['contender']})" if ref else "-"))
        cells.append("; ".join(others) or "-")
        out.append("| " + " | ".join(cells) + " |")
    return out


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    run_dir, out_path = sys.argv[1], sys.argv[2]
    machine, records = load(run_dir)
    gt_cache = {}
    summaries = [summarize(r, gt_cache, run_dir, machine) for r in records]
    floor = machine["fma_gflops_per_core"] / 2
    for s in summaries:
        if s["contender"].startswith("faiss") and machine.get("sgemm_gflops_1t", 0) < floor:
            s["refused"] = (f"not counted: OpenBLAS sgemm {machine.get('sgemm_gflops_1t', 0):.0f} GFLOP/s "
                            f"< half the FMA peak")
        s["limited"] = s["queries"] < gt_cache[s["dataset"]].shape[0]
    lines = [
        "# Quarry against its peers",
        "",
        "Written by `bench/peers.sh` from the figures it measured in one run; do not edit by hand.",
        "",
        f"- date: {machine['date']}",
        f"- machine: {machine['cpu']}, {machine['cores']} cores, vectors: {machine['vector_width']}",
        f"- JDK: {machine['jdk']}; FAISS: {machine.get('faiss', '-')}; OpenBLAS: {machine.get('openblas', '-')}",
        f"- FMA peak per core (probe, same run): {machine['fma_gflops_per_core']:.1f} GFLOP/s "
        f"({machine['fma_note']}); both cores: {machine['fma_gflops_per_core'] * machine['cores']:.1f}",
        f"- practical peak, OpenBLAS sgemm ({machine.get('sgemm_shape', '-')}): "
        f"{fmt(machine.get('sgemm_gflops_1t'), '.1f')} GFLOP/s on 1 thread, "
        f"{fmt(machine.get('sgemm_gflops_2t'), '.1f')} on 2",
        f"- memory read bandwidth (bench/probe/membw.c, 2 GiB array): "
        f"{fmt(machine.get('memory_read_gbps_1t'), '.1f')} GB/s on 1 thread, "
        f"{fmt(machine.get('memory_read_gbps_2t'), '.1f')} on 2",
        f"- every figure: median of {machine['runs']} timed runs after untimed warm-up passes "
        "(at least 2 s, for every contender) [min-max]; "
        "k = 100; recall@100 against exact float64 top-100 (ground_truth.py); GFLOP/s counts 2 x d per "
        "scored row; % of peak is against the FMA peak of the cores the contender used",
        "- Quarry / this: Quarry's queries/s over the contender's, same data and threads; exact contenders "
        "against Quarry's exact search, approximate ones against Quarry's fastest setting (IVF, or flat "
        f"where it is faster) with equal or better recall (within {RECALL_SLACK})",
        "",
        "## Summary",
        "",
    ] + headline(summaries, machine) + [""]
    for dataset in machine["datasets"]:
        rows = [s for s in summaries if s["dataset"] == dataset["name"]]
        if not rows:
            continue
        lines += [f"## {dataset['name']}", "", dataset["description"], ""]
        lines += dataset_table(rows, machine)
        eq = equal_recall_table(rows)
        if eq:
            lines += ["", "At equal recall (each contender's fastest configuration reaching the recall; Quarry's fastest, flat or IVF, on the same threads):", ""] + eq
        lines.append("")
    for note in machine.get("notes", []):
        lines.append(f"- {note}")
    with open(out_path + ".tmp", "w") as f:
        f.write("\n".join(lines).rstrip() + "\n")
    os.replace(out_path + ".tmp", out_path)
    print(f"wrote {out_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
