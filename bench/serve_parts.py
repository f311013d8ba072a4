"""Where a 64-anchor call through the Python client spends its time, part by part.

    serve_parts.py --url URL --queries Q.qvec --positives P.tsv --calls N --json OUT.jsonl [--label L]

Each call takes the steps of quarry_client's Client.mine (binary shape, 8 negatives as bench/serve.sh's Miner
in process mines) one by one, timed with perf_counter: the request's encoding (anchors to bytes, positive
lines), conn.request (the head and the body handed to the kernel), getresponse (until the answer's head is
read and parsed), the body's read and the answer's decoding. The server's own phases come from the answer's
Server-Timing header (read, decode, queue, handoff, mine, return, encode). What the wait for the answer's head
holds beyond the server's phases is outside the handler: the framework reading the request's head and writing
the answer, the loopback connection, the threads' and the client's wake-ups and http.client's parsing of the
head. The first fifth of the calls is a warm-up, not counted. Prints a table of p50 and mean per part (ms) and
appends one JSON line per part to OUT.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "python"))
from quarry_client import Client  # noqa: E402
from quarry_client import client as qc  # noqa: E402
from serve_client import load_batches  # noqa: E402

SERVER = ["read", "decode", "queue", "handoff", "mine", "return", "encode"]


def timed_call(client: Client, anchors, ids, nprobe: int | None = None) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """One binary mine call (8 negatives; nprobe if given) taken step by step as Client.mine takes them: each
    part's seconds."""
    clock = time.perf_counter
    t0 = clock()
    vectors, n = qc._anchor_bytes(anchors)
    lines = qc._positive_lines(ids, n)
    body = vectors + "".join(line + "\n" for line in lines).encode("utf-8")
    params = [("n", str(n)), ("num_negatives", "8")] + ([("nprobe", str(nprobe))] if nprobe else [])
    target = client._base + "/v1/mine?" + urllib.parse.urlencode(params)
    headers = dict(client._headers, **{"Content-Type": "application/octet-stream"})
    conn = client._connection()
    t1 = clock()
    conn.request("POST", target, body=body, headers=headers)
    t2 = clock()
    response = conn.getresponse()
    t3 = clock()
    data = response.read()
    t4 = clock()
    qc._decode_mined(response.headers, data, n)
    t5 = clock()
    if response.status != 200:
        raise SystemExit(f"serve_parts: status {response.status}: {data[:200]!r}")
    server = {}
    for metric in response.headers["Server-Timing"].split(","):
        name, dur = metric.strip().split(";dur=")
        server[name] = float(dur) / 1e3
    parts = {"client: encode the request": t1 - t0, "client: send (conn.request)": t2 - t1}
    for name in SERVER:
        parts[f"server: {name}"] = server[name]
    parts["outside the handler (wire, framework, wake-ups, head parsing)"] = (t3 - t2) - sum(server.values())
    parts["client: read the body"] = t4 - t3
    parts["client: decode the answer"] = t5 - t4
    parts["whole call"] = t5 - t0
    parts["whole call less the server's mine"] = (t5 - t0) - server["mine"]
    return parts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--positives", required=True)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--json", required=True)
    ap.add_argument("--label", default="python client")
    a = ap.parse_args()
    import numpy as np
    batches = load_batches(a.queries, a.positives, 64)
    parts: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        parts.setdefault(name, []).append(seconds * 1e3)

    with Client(a.url, retries=0) as client:
        for i in range(a.calls):
            anchors, ids = batches[i % len(batches)]
            call = timed_call(client, anchors, ids)
            if i < a.calls // 5:
                continue
            for name, seconds in call.items():
                add(name, seconds)
    with open(a.json, "a", encoding="utf-8") as out:
        print(f"{a.label}: {len(parts['whole call'])} calls (after {a.calls // 5} not counted), ms")
        print("| part | p50 | mean |")
        print("|---|---:|---:|")
        for name, values in parts.items():
            v = np.array(values)
            print(f"| {name} | {np.percentile(v, 50):.3f} | {v.mean():.3f} |")
            out.write(json.dumps({"label": a.label, "part": name, "calls": len(v), "p50_ms": round(float(
                np.percentile(v, 50)), 4), "mean_ms": round(float(v.mean()), 4)}) + "\n")


if __name__ == "__main__":
    main()
