"""bench/serve.sh's report: Markdown from its JSON lines (argv: results.jsonl, machine line)."""

import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
machine = sys.argv[2]


def ms(r, key):
    v = r.get(key)
    return "·" if v is None else f"{v:.2f}"


print(f"# quarry serve beside in-process mining and FAISS, one run\n\n{machine}.\n")
print("IVF 1M x 384 clustered, nlist 4096, nprobe 1 (recall@100 0.96), 64-anchor calls, 8 negatives from "
      "ranks [10, 100) with the default defences (FAISS: search only, k = 100). Latency in ms from "
      "HdrHistogram; a fixed-rate call is timed from when it was due.\n")
life = next((r for r in rows if r.get("mode") == "lifecycle"), None)
if life:
    print(f"A fresh `quarry serve` answered /v1/health {life['ready_s']:.1f} s after it was started (JVM start, "
          f"maps, preload, warm-up), and exited {life['sigterm_exit']} on SIGTERM.\n")
print("| who | mode | calls | calls/s | p50 | p99 | p99.9 | max |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    if r.get("engine", "").startswith(("quarry", "faiss")):
        who = ("Miner in process" if r["engine"] == "quarry" else "FAISS IndexIVFFlat.search") + \
              f", {r['threads']} threads"
        print(f"| {who} | {r['mode']} | {r['calls']} | {r['calls_per_s']:.0f} | {ms(r, 'p50_ms')} | "
              f"{ms(r, 'p99_ms')} | {ms(r, 'p999_ms')} | {ms(r, 'max_ms')} |")
    elif "label" in r and r.get("mode") != "lifecycle" and not r["label"].startswith(("8 java", "overload", "after")):
        print(f"| {r['label']} | {r['mode']} | {r['count']} | · | {ms(r, 'p50_ms')} | {ms(r, 'p99_ms')} | "
              f"{ms(r, 'p999_ms')} | {ms(r, 'max_ms')} |")
print("\n## Eight clients and a refresh\n")
print("| series | requests | p50 | p99 | max | notes |")
print("|---|---|---|---|---|---|")
for r in rows:
    if r.get("label") == "8 java clients":
        notes = ""
        if "failed" in r:
            notes = (f"{r['requests_per_s']:.0f} requests/s, failed {r['failed']}, answers mixing versions "
                     f"{r['mixed']}, versions served {r['versions']}, refresh took {r['refresh_s']:.1f} s")
        print(f"| {r['mode']} | {r['count']} | {ms(r, 'p50_ms')} | {ms(r, 'p99_ms')} | {ms(r, 'max_ms')} | {notes} |")
print("\nThe clients ask for the refresh at request 5,000 and go on until it is done and 1,000 more ran.")
print("\n## Overload and recovery\n")
print("| series | sent | answered | 503 | failed | answered/s | p50 | p99 | max | server heap max |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if r.get("label") in ("overload 10x", "after overload"):
        print(f"| {r['label']}, {r['mode']} | {r['sent']} | {r['ok']} | {r['refused_503']} | {r['failed']} | "
              f"{r['ok_per_s']:.0f} | {ms(r, 'p50_ms')} | {ms(r, 'p99_ms')} | {ms(r, 'max_ms')} | "
              f"{r['max_heap_mb']:.0f} MB |")
