"""Two servers called in turn, call by call: each with its own checkout's Python client, 64-anchor binary calls.

    serve_ab_interleaved.py --side OLD_TREE=URL --side NEW_TREE=URL --queries Q.qvec --positives P.tsv
                            --calls N --out DIR

Each round calls both servers once with the same batch, in turn (old first in even rounds, new first in odd
ones, so neither side always follows the other), so the machine's state (other jobs, the page cache, frequency)
is the same for both within a round. Batches as bench/serve_client.py's. The first fifth of the rounds is a
warm-up. Writes DIR/interleaved-old.txt and -new.txt (microseconds, one call a line) and prints p50, p99 and max
per side, new/old of the p50, and the median of the paired differences (new - old, same round).
With --less-mine each call is instead taken step by step by this checkout's bench/serve_parts.py (the same wire
as Client.mine, through each side's Client and connection) and each call less its own server-side mine (from
the answer's Server-Timing header; both commits must send it) is reported too: what the service adds, without the
mine's own spread, which on a loaded machine is most of a call's.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time


def client_of(tree: str, name: str):  # type: ignore[no-untyped-def]
    """The quarry_client package of checkout TREE, loaded under its own name beside the other one."""
    path = os.path.join(tree, "tools", "python", "quarry_client")
    spec = importlib.util.spec_from_file_location(name, os.path.join(path, "__init__.py"),
                                                  submodule_search_locations=[path])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", action="append", required=True, help="TREE=URL, old then new")
    ap.add_argument("--queries", required=True)
    ap.add_argument("--positives", required=True)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--less-mine", action="store_true")
    a = ap.parse_args()
    if len(a.side) != 2:
        raise SystemExit(f"serve_ab_interleaved: --side given {len(a.side)} times, expected 2 (old, new)")
    import numpy as np
    sides = [s.split("=", 1) for s in a.side]
    packages = [client_of(tree, f"quarry_client_{i}") for i, (tree, _) in enumerate(sides)]
    queries = packages[1].read_qvec(a.queries)
    rows, positives = [], []
    with open(a.positives, encoding="utf-8") as f:
        for line in f:
            q, d = line.rstrip("\n").split("\t")
            rows.append(int(q))
            positives.append(d)
    batches = [(np.ascontiguousarray(queries[rows[i:i + 64]], dtype=np.float32), positives[i:i + 64])
               for i in range(0, len(rows) - 63, 64)][:256]
    clients = [p.Client(url, retries=0) for p, (_, url) in zip(packages, sides)]
    times: list[list[float]] = [[], []]
    less: list[list[float]] = [[], []]
    timed_call = None
    if a.less_mine:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from serve_parts import timed_call
    for i in range(a.calls):
        batch = batches[i % len(batches)]
        for k in ((0, 1) if i % 2 == 0 else (1, 0)):
            if timed_call is not None:
                parts = timed_call(clients[k], *batch)
                times[k].append(parts["whole call"] * 1e6)
                less[k].append(parts["whole call less the server's mine"] * 1e6)
                continue
            t = time.perf_counter()
            clients[k].mine(*batch)
            times[k].append((time.perf_counter() - t) * 1e6)
    for c in clients:
        c.close()
    skip = a.calls // 5
    kept = [np.array(t[skip:]) for t in times]
    for name, t in zip(("old", "new"), kept):
        with open(os.path.join(a.out, f"interleaved-{name}.txt"), "w") as f:
            f.writelines(f"{x:.1f}\n" for x in t)
    print(f"{len(kept[0])} rounds of one call each, in turn (after {skip} not counted), ms:")
    print("| side | p50 | p99 | max |")
    print("|---|---:|---:|---:|")
    for name, t in zip(("old", "new"), kept):
        p50, p99 = np.percentile(t, [50, 99]) / 1e3
        print(f"| {name} | {p50:.3f} | {p99:.3f} | {t.max() / 1e3:.3f} |")
    ratio = np.percentile(kept[1], 50) / np.percentile(kept[0], 50)
    print(f"\nnew/old p50 {ratio:.3f}; paired difference new - old, median {np.median(kept[1] - kept[0]) / 1e3:.3f} ms")
    if a.less_mine:
        rest = [np.array(t[skip:]) for t in less]
        print("\neach call less its own server-side mine (Server-Timing), ms:")
        print("| side | p50 | mean |")
        print("|---|---:|---:|")
        for name, t in zip(("old", "new"), rest):
            print(f"| {name} | {np.percentile(t, 50) / 1e3:.3f} | {t.mean() / 1e3:.3f} |")
        print(f"\npaired difference new - old of the call less its mine, median {np.median(rest[1] - rest[0]) / 1e3:.3f}"
              " ms")


if __name__ == "__main__":
    main()
