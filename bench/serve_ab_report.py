"""The report of bench/serve-ab.sh: for each mode and pair, old and new p50/p99/max (ms) and new/old, then each
ratio's median and range over the pairs. Legs of --first-call (lines with first_ms) also get a table of their
own: each server's first and second calls, its steady p50/p99/max, the first over the p50, its time to ready
and the load average, and per mode and side the median and range of first/p50.

    serve_ab_report.py RESULTS.jsonl ABOUT.txt
"""
import json
import re
import statistics
import sys


def main(results, about):
    legs = {}
    for line in open(results, encoding="utf-8"):
        r = json.loads(line)
        m = re.match(r"(.*), pair (\d+)$", r["mode"])
        legs.setdefault(m.group(1), {}).setdefault(int(m.group(2)), {})[r["label"]] = r
    print("```")
    print(open(about, encoding="utf-8").read().rstrip())
    print("```")
    print()
    print("| mode | pair | old p50 / p99 / max ms | new p50 / p99 / max ms | new/old p50 | p99 | max |")
    print("|---|---|---|---|---|---|---|")
    ratios = {}
    for mode, pairs in legs.items():
        for pair, sides in sorted(pairs.items()):
            if "old" not in sides or "new" not in sides:
                continue
            old, new = sides["old"], sides["new"]
            row = [new[k] / old[k] for k in ("p50_ms", "p99_ms", "max_ms")]
            ratios.setdefault(mode, []).append(row)
            print(f"| {mode} | {pair} | {old['p50_ms']:.2f} / {old['p99_ms']:.2f} / {old['max_ms']:.1f} "
                  f"| {new['p50_ms']:.2f} / {new['p99_ms']:.2f} / {new['max_ms']:.1f} "
                  f"| {row[0]:.2f} | {row[1]:.2f} | {row[2]:.2f} |")
    print()
    first_calls(legs)
    for mode, rows in ratios.items():
        parts = []
        for i, name in enumerate(("p50", "p99", "max")):
            values = [r[i] for r in rows]
            parts.append(f"{name} {statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})")
        print(f"- {mode}: new/old median (range) over {len(rows)} pairs: " + ", ".join(parts))


def first_calls(legs):
    """The first calls of each leg against its steady p50, and each side's median and range of first/p50."""
    rows = [(mode, pair, side, r) for mode, pairs in legs.items() for pair, sides in sorted(pairs.items())
            for side, r in sorted(sides.items(), reverse=True) if "first_ms" in r]
    if not rows:
        return
    print("| mode | pair | side | ready s | first / second ms | steady p50 / p99 / max ms | first / p50 | load |")
    print("|---|---|---|---:|---|---|---:|---|")
    for mode, pair, side, r in rows:
        ready = f"{r['ready_s']:.1f}" if "ready_s" in r else ""
        second = f" / {r['second_ms']:.1f}" if "second_ms" in r else ""
        print(f"| {mode} | {pair} | {side} | {ready} | {r['first_ms']:.1f}{second} "
              f"| {r['p50_ms']:.2f} / {r['p99_ms']:.2f} / {r['max_ms']:.1f} | {r['first_over_p50']:.2f} "
              f"| {r.get('load', '')} |")
    print()
    by = {}
    for mode, _, side, r in rows:
        by.setdefault((mode, side), []).append(r["first_over_p50"])
    for (mode, side), values in by.items():
        print(f"- {mode}, {side}: first / p50 median {statistics.median(values):.2f} "
              f"({min(values):.2f}-{max(values):.2f}) over {len(values)} servers")
    print()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
