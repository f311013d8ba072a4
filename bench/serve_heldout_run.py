"""One server's refreshes for bench/serve-heldout.sh, with mining load: per refresh, the refresh's wall
time (POST /v1/refresh until the new version serves and no refresh runs), the time until its held-out
figures are in (when the server watches a held-out set), and the latency of closed-loop mine calls
(a batch of anchors each) in each phase: before the refresh, during it, during the held-out evaluation
after it, and after the figures are in.

    serve_heldout_run.py --url URL --mode with|without [--round R] --queries Q.qvec --corpus FILE
                         --refreshes N --batch 64 --idle 10 --out LINES.txt

With --settle, every dirty page of the machine is written out (sync) before each refresh's idle phase, so both
servers start each refresh with nothing waiting for writeback: a version's files (a 1.5 GB copy and a 1.5 GB
index) are dirty page cache, which the kernel writes out 30 s after they were written, and a server whose
refreshes come later (the driver waits for the held-out figures) would otherwise meet that writeback in its next
refresh, where a server whose versions are deleted sooner never does. Each line gives the machine's dirty and
writeback pages at the POST (/proc/meminfo).

Latencies are exact percentiles of every call of a phase (a few hundred to thousands of calls: no
histogram buckets needed), in milliseconds. One line per refresh and phase goes to --out and stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "python"))
from quarry_client import Client, read_qvec  # noqa: E402


PHASES = ("copy", "check", "assign", "write", "open", "total")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Load(threading.Thread):
    """Closed-loop mine calls; each call's (end time, latency) kept."""

    def __init__(self, url: str, anchors: object, batch: int) -> None:
        super().__init__(daemon=True)
        self.url, self.anchors, self.batch = url, anchors, batch
        self.calls: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with Client(self.url, timeout=600) as client:
            i = 0
            n = len(self.anchors)  # type: ignore[arg-type]
            while not self.stop.is_set():
                start = (i * self.batch) % (n - self.batch)
                t0 = time.monotonic()
                client.mine(self.anchors[start:start + self.batch], None, num_negatives=8)  # type: ignore[index]
                t1 = time.monotonic()
                self.calls.append((t1, 1000 * (t1 - t0)))
                i += 1


def dirty_mb() -> float:
    """The machine's dirty and writeback pages now, in MB (/proc/meminfo)."""
    kb = 0
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith(("Dirty:", "Writeback:")):
                kb += int(line.split()[1])
    return kb / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--round", type=int, default=1, help="the round of bench/serve-heldout.sh, in each line")
    ap.add_argument("--queries", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--refreshes", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of load before each refresh")
    ap.add_argument("--out", required=True)
    ap.add_argument("--settle", action="store_true", help="sync before each refresh's idle phase")
    a = ap.parse_args()
    # Anchors: the queries file's last rows (the held-out set is drawn from all rows; without anchor ids the
    # server cannot and need not check them: this is load, not training).
    anchors = read_qvec(a.queries)[-4096:]
    load = Load(a.url, anchors, a.batch)
    load.start()
    lines = []
    with Client(a.url, timeout=600) as client:
        for r in range(1, a.refreshes + 1):
            if a.settle:
                os.sync()  # nothing of an earlier version's files left to write back during this refresh
            time.sleep(a.idle)  # the load alone: the baseline phase
            load_avg = open("/proc/loadavg").read().split()[:3]
            dirty = dirty_mb()
            t_post = time.monotonic()
            status = client.refresh(a.corpus, poll=0.1, timeout=3600)
            t_served = time.monotonic()
            version = status["index_version"]
            t_figures = t_served
            if status.get("heldout"):
                client.recall(version, timeout=3600, poll=0.1)
                t_figures = time.monotonic()
            time.sleep(a.idle)  # after: the load alone again
            t_end = time.monotonic()
            phases = {"before": (t_post - a.idle, t_post), "refresh": (t_post, t_served),
                      "evaluation": (t_served, t_figures), "after": (t_figures, t_end)}
            head = (f"{a.mode} refresh {r} (round {a.round}): served after {t_served - t_post:.1f} s, figures after "
                    f"{t_figures - t_post:.1f} s (evaluation {t_figures - t_served:.1f} s after the refresh), "
                    f"load {' '.join(load_avg)}, dirty {dirty:.0f} MB at the POST")
            timed = status.get("last_refresh") or {}
            if timed.get("version") == version:  # the phases the server timed itself (status "last_refresh")
                head += "; server: " + ", ".join(f"{name} {timed[name + '_seconds']:.2f} s" for name in PHASES)
                head += ", monitor busy at start" if timed.get("monitor_busy") else ""

            lines.append(head)
            print(head, flush=True)
            for name, (lo, hi) in phases.items():
                lat = [ms for end, ms in list(load.calls) if lo <= end < hi]
                if not lat:
                    continue
                line = (f"  mine {a.batch} anchors during {name:<10}: {len(lat):5d} calls, p50 "
                        f"{percentile(lat, 50):7.1f} ms, p99 {percentile(lat, 99):7.1f} ms, max {max(lat):7.1f} ms")
                lines.append(line)
                print(line, flush=True)
    load.stop.set()
    load.join(timeout=600)
    with open(a.out, "a", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in lines)


if __name__ == "__main__":
    main()
