"""The summary of a bench/serve-heldout.sh run: per server (with and without the held-out monitor), every
refresh's wall time (POST /v1/refresh until the new version serves), its median and spread, the phases the
server timed itself (median of each), and the ratios of the medians, with and without the monitor; then, per
server, what the page cache looked like at the POSTs and what the refreshes read from the disk (the lines'
page cache fields), how far apart the POSTs came, and how many came late for their period.

    serve_heldout_summary.py RUN_DIR     (reads RUN_DIR/refreshes.txt, the lines serve_heldout_run.py wrote)
"""

from __future__ import annotations

import os
import re
import statistics
import sys

LINE = re.compile(r"(\w+) refresh (\d+) \(round (\d+)\): served after ([\d.]+) s, figures after ([\d.]+) s.*?"
                  r"load ([\d.]+)[^;]*(?:; server: (.*))?$")
PHASE = re.compile(r"(\w+) ([\d.]+) s")
DIRTY = re.compile(r"dirty (\d+) MB at the POST")
# the page cache fields of serve_heldout_run.py's lines (absent from runs before the fixed period)
FIELDS = {
    "POST after the previous, s": re.compile(r"POST ([\d.]+) s after the previous"),
    "source file in the page cache at the POST, %": re.compile(r"source resident (\d+)%"),
    "page cache at the POST, MB": re.compile(r"cached (\d+) MB,"),
    "read from the disk during the refresh, MB": re.compile(r"disk read (\d+) MB"),
    "written to the disk during the refresh, MB": re.compile(r"written (\d+) MB"),
    "file pages refaulted during the refresh, MB": re.compile(r"refaulted (\d+) MB"),
}
LATE = re.compile(r"late by ([\d.]+) s")


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    quartiles = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return (f"median {statistics.median(values):.2f} s (min {min(values):.2f}, quartiles {quartiles[0]:.2f}-"
            f"{quartiles[2]:.2f}, max {max(values):.2f}; n {len(values)})")


def main() -> None:
    run = sys.argv[1]
    walls: dict[str, list[float]] = {"without": [], "with": []}
    figures: list[float] = []
    phases: dict[str, dict[str, list[float]]] = {"without": {}, "with": {}}
    loads: list[float] = []
    dirty: dict[str, list[float]] = {"without": [], "with": []}
    per_round: dict[tuple[str, int], list[float]] = {}
    fields: dict[str, dict[str, list[float]]] = {"without": {}, "with": {}}
    late: dict[str, list[float]] = {"without": [], "with": []}
    for line in open(os.path.join(run, "refreshes.txt"), encoding="utf-8"):
        m = LINE.match(line.strip())
        if not m:
            continue
        mode, rnd, served, fig, load = m.group(1), int(m.group(3)), float(m.group(4)), float(m.group(5)), \
            float(m.group(6))
        walls[mode].append(served)
        per_round.setdefault((mode, rnd), []).append(served)
        loads.append(load)
        d = DIRTY.search(line)
        if d:
            dirty[mode].append(float(d.group(1)))
        if mode == "with":
            figures.append(fig)
        for name, pattern in FIELDS.items():
            f = pattern.search(line)
            if f:
                fields[mode].setdefault(name, []).append(float(f.group(1)))
        lt = LATE.search(line)
        if lt:
            late[mode].append(float(lt.group(1)))
        for name, seconds in PHASE.findall(m.group(7) or ""):
            phases[mode].setdefault(name, []).append(float(seconds))
    for mode in ("without", "with"):
        print(f"{mode} the monitor: refresh walls {walls[mode]}")
        print(f"  wall {spread(walls[mode])}")
        for name, values in phases[mode].items():
            print(f"  server {name:<6} {spread(values)}")
    print(f"load average (1 min) at each POST: {min(loads, default=0):.2f}-{max(loads, default=0):.2f}")
    for mode in ("without", "with"):
        if dirty[mode]:
            v = sorted(dirty[mode])
            print(f"dirty and writeback pages at each POST, {mode} the monitor: median {statistics.median(v):.0f} MB"
                  f" (min {v[0]:.0f}, max {v[-1]:.0f}; n {len(v)})")
    if walls["with"] and walls["without"]:
        w, wo = statistics.median(walls["with"]), statistics.median(walls["without"])
        print(f"ratio of median walls (with / without): {w / wo:.3f} ({100 * (w / wo - 1):+.1f}%)")
        for name in phases["with"]:
            a, b = phases["with"][name], phases["without"].get(name)
            if a and b and statistics.median(b) > 0:
                print(f"  ratio of median server {name}: {statistics.median(a) / statistics.median(b):.3f}")
        for rnd in sorted({r for _, r in per_round}):
            a, b = per_round.get(("with", rnd)), per_round.get(("without", rnd))
            if a and b:
                print(f"  round {rnd}: median {statistics.median(b):.2f} s without, {statistics.median(a):.2f} s "
                      f"with: {statistics.median(a) / statistics.median(b):.3f}")
    if figures:
        print(f"held-out figures in after the POST: {spread(figures)}")
    for mode in ("without", "with"):
        for name, values in fields[mode].items():
            v = sorted(values)
            print(f"{name}, {mode} the monitor: median {statistics.median(v):.1f} (min {v[0]:.1f}, max {v[-1]:.1f};"
                  f" n {len(v)})")
        if late[mode]:
            print(f"POSTs late for their period, {mode} the monitor: {len(late[mode])}, by up to {max(late[mode]):.1f} s"
                  " (the period was shorter than the server's start or a cycle: those refreshes were not equally spaced)")


if __name__ == "__main__":
    main()
