"""Do a call's parts outside the mine cost more after a call that streamed tens of MB (the caches evicted)?

    serve_cache.py --url URL --queries Q.qvec --positives P.tsv --rounds N

One server, rounds of two calls: a primer, then a 64-anchor probe timed in parts as bench/serve_parts.py times
them. The primer takes turns round by round between three kinds, so the machine's state falls on all alike:
  big     a 64-anchor call (on IVF 1M x 384, nlist 4096, nprobe 1: about 24 MB of lists and 6 MB of centroids)
  small   a 1-anchor call (the 6 MB of centroids and one list)
  small+sweep  a 1-anchor call, then the client reads 64 MB of its own memory (its caches and the shared
          last level evicted from the other side)
  big+wide  a 64-anchor call, then the probe mines at nprobe 8 (eight times the lists: about 190 MB)
The probe is the same batch after each kind within a round. Parts before the probe's mine (the client's
encoding and sending, the server's read and decode) meet the caches as the primer left them: big against small.
Parts after it (encode, the write and wake-ups, the client's decoding) follow the probe's own mine: big+wide
against big. (small+sweep turned out to change the scheduling as well: the client's sweep is CPU time, after
which the server's threads preempt the client in its send.) Prints p50 per part and kind and the median paired
differences (same round). The first fifth of the rounds is a warm-up.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "python"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quarry_client import Client  # noqa: E402
from serve_client import load_batches  # noqa: E402
from serve_parts import timed_call  # noqa: E402

KINDS = ["big", "small", "small+sweep", "big+wide"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--positives", required=True)
    ap.add_argument("--rounds", type=int, default=1500)
    a = ap.parse_args()
    import numpy as np
    batches = load_batches(a.queries, a.positives, 64)
    sweep = np.ones(64 << 18, dtype=np.float32)  # 64 MB
    parts: dict[str, dict[str, list[float]]] = {k: {} for k in KINDS}
    with Client(a.url, retries=0) as client:
        for i in range(a.rounds):
            for j in range(len(KINDS)):
                kind = KINDS[(i + j) % len(KINDS)]
                anchors, ids = batches[(i * 3 + j) % len(batches)]
                if kind.startswith("big"):
                    client.mine(anchors, ids, num_negatives=8)
                else:
                    client.mine(anchors[:1], ids[:1], num_negatives=8)
                    if kind == "small+sweep":
                        float(sweep.sum())
                call = timed_call(client, *batches[i % len(batches)], nprobe=8 if kind == "big+wide" else None)
                if i >= a.rounds // 5:
                    for name, seconds in call.items():
                        parts[kind].setdefault(name, []).append(seconds * 1e3)
    print(f"{len(parts['big']['whole call'])} rounds (after {a.rounds // 5} not counted); a probe's parts after each"
          " kind of primer, ms")
    print("| part | " + " | ".join(f"p50 after {k}" for k in KINDS) + " | big - small (paired median) |"
          " sweep - small (paired median) | wide - big (paired median) |")
    print("|---|" + "---:|" * (len(KINDS) + 3))
    for name in parts["big"]:
        v = {k: np.array(parts[k][name]) for k in KINDS}
        cells = [f"{np.percentile(v[k], 50):.3f}" for k in KINDS]
        cells.append(f"{np.median(v['big'] - v['small']):+.3f}")
        cells.append(f"{np.median(v['small+sweep'] - v['small']):+.3f}")
        cells.append(f"{np.median(v['big+wide'] - v['big']):+.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
