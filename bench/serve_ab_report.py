"""The report of bench/serve-ab.sh: for each mode and pair, old and new p50/p99/max (ms) and new/old, then each
ratio's median and range over the pairs.

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
    for mode, rows in ratios.items():
        parts = []
        for i, name in enumerate(("p50", "p99", "max")):
            values = [r[i] for r in rows]
            parts.append(f"{name} {statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})")
        print(f"- {mode}: new/old median (range) over {len(rows)} pairs: " + ", ".join(parts))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
