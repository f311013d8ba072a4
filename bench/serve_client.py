"""Times POST /v1/mine from Python through quarry_client, as a trainer calls it.

    serve_client.py --url URL --queries Q.qvec --positives P.tsv --batch 64 --calls N [--rate R] [--nprobe 1]
                    --out RAW.txt [--first N --first-out FIRST.txt]
                    [--refresh CORPUS.qvec --refresh-first-out FIRST.txt --refresh-out RAW.txt]

Batches are consecutive rows of the positives file (query row TAB corpus id), the same bodies as
ServeLoad sends. Closed loop (the next call when the last returns) or, with --rate, calls due at a
fixed rate, each timed from when it was due (a late call counts its wait). Latencies go to RAW.txt in
microseconds, one per line; the mean rate achieved is printed on stderr. --first keeps the first
calls apart (a fresh server's first answers), written before the timed ones. --refresh then asks the server
to serve CORPUS (the client's refresh, waiting until the new version serves: no call runs meanwhile) and
times the new version's first calls (--refresh-first-out, as many as --first) and then --calls more
(--refresh-out), each checked to come from the new version.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "python"))
from quarry_client import Client, read_qvec  # noqa: E402


def load_batches(queries_path: str, positives_path: str, batch: int) -> list:
    """At most 256 batches of (anchors, positive ids): consecutive rows of the positives file (query row TAB
    corpus id), the same bodies as ServeLoad sends."""
    import numpy as np
    queries = read_qvec(queries_path)
    rows, positives = [], []
    with open(positives_path, encoding="utf-8") as f:
        for line in f:
            q, d = line.rstrip("\n").split("\t")
            rows.append(int(q))
            positives.append(d)
    return [(np.ascontiguousarray(queries[rows[i:i + batch]], dtype=np.float32), positives[i:i + batch])
            for i in range(0, len(rows) - batch + 1, batch)][:256]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--positives", required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--rate", type=float)
    ap.add_argument("--nprobe", type=int)
    ap.add_argument("--first", type=int, default=0, help="calls timed apart, before the others")
    ap.add_argument("--first-out")
    ap.add_argument("--out", required=True)
    ap.add_argument("--refresh", help="a corpus to refresh to after the timed calls (a path on the server's machine)")
    ap.add_argument("--refresh-first-out")
    ap.add_argument("--refresh-out")
    a = ap.parse_args()
    batches = load_batches(a.queries, a.positives, a.batch)
    options = {"nprobe": a.nprobe} if a.nprobe else {}
    with Client(a.url, retries=0) as client:
        first = []
        for i in range(a.first):
            t = time.perf_counter()
            client.mine(*batches[i % len(batches)], **options)
            first.append((time.perf_counter() - t) * 1e6)
        if a.first_out:
            with open(a.first_out, "w") as f:
                f.writelines(f"{x:.1f}\n" for x in first)
        out = []
        start = time.perf_counter()
        for i in range(a.calls):
            due = start + i / a.rate if a.rate else time.perf_counter()
            now = time.perf_counter()
            if now < due:
                time.sleep(due - now)
            client.mine(*batches[i % len(batches)], **options)
            out.append((time.perf_counter() - due) * 1e6)
        took = time.perf_counter() - start
        with open(a.out, "w") as f:
            f.writelines(f"{x:.1f}\n" for x in out)
        print(f"serve_client: {a.calls} calls of {a.batch} in {took:.1f} s: {a.calls / took:.1f} calls/s",
              file=sys.stderr)
        if a.refresh:
            t = time.perf_counter()
            version = client.refresh(os.path.abspath(a.refresh))["index_version"]
            print(f"serve_client: refreshed to version {version} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
            timed = []
            for i in range(a.first + a.calls):
                t = time.perf_counter()
                mined = client.mine(*batches[i % len(batches)], **options)
                timed.append((time.perf_counter() - t) * 1e6)
                if mined.index_version != version:
                    raise SystemExit(f"serve_client: a call after the refresh came from version "
                                     f"{mined.index_version}, expected {version}")
            with open(a.refresh_first_out, "w") as f:
                f.writelines(f"{x:.1f}\n" for x in timed[:a.first])
            with open(a.refresh_out, "w") as f:
                f.writelines(f"{x:.1f}\n" for x in timed[a.first:])


if __name__ == "__main__":
    main()
