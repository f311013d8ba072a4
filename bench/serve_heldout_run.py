"""One server's refreshes for bench/serve-heldout.sh, with mining load: per refresh, the refresh's wall
time (POST /v1/refresh until the new version serves and no refresh runs), the time until its held-out
figures are in (when the server watches a held-out set), and the latency of closed-loop mine calls
(a batch of anchors each) in each phase: before the refresh, during it, during the held-out evaluation
after it, and after the figures are in.

    serve_heldout_run.py --url URL --mode with|without [--round R] --queries Q.qvec --corpus FILE
                         [--refresh-dir DIR] --refreshes N --batch 64 --idle 10 --period 90
                         [--started EPOCH] [--settle] [--cold-source] --out LINES.txt

The POSTs come on a fixed schedule, the same for every server: the k-th POST --period seconds after the
(k-1)-th, the first --period seconds after --started (the time the server was launched: its start copies the
corpus and index in, and a watching server evaluates its first version before it listens). So both servers'
refreshes are equally far apart, whatever the held-out evaluation takes: the page cache and its writeback
(a version's files are a 1.5 GB copy and a 1.5 GB index of dirty pages, which the kernel writes out 30 s
after they were written, or drops unwritten when the version is deleted first) meet every refresh in the same
state. Each refresh's phases follow one another as before (the load alone for --idle seconds, the refresh, the
evaluation, the load alone again for --idle seconds), then the load runs alone until the next POST is due. A
cycle that runs past its period (the next POST late) is said in the refresh's line ("late by X s"); choose a
period longer than a refresh, its evaluation and twice --idle.

With --settle, every dirty page of the machine is written out (sync) as soon as a refresh's after phase ends
(and before the first refresh), so every refresh starts with nothing waiting for writeback.

With --refresh-dir, the refresh's file is read through --idle + 10 seconds before each POST (unless
--cold-source), as a trainer's re-embedded corpus, just written, is in the page cache when it asks for the
refresh. Without it, whether the copy reads the file from the page cache or from the disk depends on how long ago
it was last read: a machine may evict unmapped page cache that nobody touched for a while (the 2-core machines of
bench/README.md page out file pages idle for 60 s, at up to 128 MiB/s: a DAMON scheme), and the copy then runs at
the disk's speed.

Each line gives the time since the previous POST, the machine's dirty and writeback pages and its page cache at
the POST (/proc/meminfo), the share of the refresh's source file in the page cache at the POST (mincore; with
--refresh-dir), and from the POST until the version serves: what the machine read from and wrote to the disk,
the file pages it had to read again after evicting them (/proc/vmstat: pgpgin, pgpgout,
workingset_refault_file) and its page cache's change.

Latencies are exact percentiles of every call of a phase (a few hundred to thousands of calls: no
histogram buckets needed), in milliseconds. One line per refresh and phase goes to --out and stdout.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import mmap
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "python"))
from quarry_client import Client, read_qvec  # noqa: E402


PHASES = ("copy", "check", "assign", "write", "open", "total")
PAGE = os.sysconf("SC_PAGE_SIZE")
WARM_LEAD = 10.0  # seconds between the source file's read-through and the before phase


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


def meminfo() -> dict[str, float]:
    """/proc/meminfo's fields, in MB."""
    out = {}
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            name, value = line.split(":", 1)
            out[name] = int(value.split()[0]) / 1024
    return out


def vmstat() -> dict[str, int]:
    """/proc/vmstat's counters."""
    with open("/proc/vmstat", encoding="ascii") as f:
        return {name: int(value) for name, value in (line.split() for line in f)}


_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_LIBC.mmap.restype = ctypes.c_void_p
_LIBC.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long)
_LIBC.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
_LIBC.mincore.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)


def resident(path: str) -> float:
    """The share of the file's pages in the page cache now (mincore over a mapping that touches none), or NaN."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return float("nan")
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            return float("nan")
        addr = _LIBC.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            return float("nan")
        try:
            pages = (size + PAGE - 1) // PAGE
            vec = (ctypes.c_ubyte * pages)()
            if _LIBC.mincore(addr, size, vec) != 0:
                return float("nan")
            return sum(b & 1 for b in bytes(vec)) / pages
        finally:
            _LIBC.munmap(addr, size)
    finally:
        os.close(fd)


def warm(path: str) -> None:
    """Reads the file through (into the page cache), 4 MiB at a time."""
    with open(path, "rb", buffering=0) as f:
        buffer = bytearray(4 << 20)
        while f.readinto(buffer):
            pass


def sleep_until(t: float) -> None:
    while (left := t - time.monotonic()) > 0:
        time.sleep(left)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--round", type=int, default=1, help="the round of bench/serve-heldout.sh, in each line")
    ap.add_argument("--queries", required=True)
    ap.add_argument("--corpus", required=True, help="the refresh's file, as the server names it (under its --refresh-dir)")
    ap.add_argument("--refresh-dir", help="the server's --refresh-dir: the source file's page cache share is measured")
    ap.add_argument("--refreshes", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of load alone before and after each refresh")
    ap.add_argument("--period", type=float, default=90.0, help="seconds from one POST to the next (the first: from"
                    " --started)")
    ap.add_argument("--started", type=float, help="when the server was launched (seconds since the epoch; default now)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--settle", action="store_true", help="sync as soon as each refresh's after phase ends")
    ap.add_argument("--cold-source", action="store_true", help="do not read the refresh's file through before each"
                    " POST (with --refresh-dir)")
    a = ap.parse_args()
    if a.period <= a.idle:
        ap.error(f"--period={a.period:g}, expected more than --idle={a.idle:g} (a refresh, its evaluation and twice"
                 " --idle)")
    source = os.path.join(a.refresh_dir, a.corpus) if a.refresh_dir else None
    # the launch time on this process's monotonic clock
    started = time.monotonic() - (time.time() - a.started) if a.started is not None else time.monotonic()
    # Anchors: the queries file's last rows (the held-out set is drawn from all rows; without anchor ids the
    # server cannot and need not check them: this is load, not training).
    anchors = read_qvec(a.queries)[-4096:]
    load = Load(a.url, anchors, a.batch)
    load.start()
    lines = []
    previous_post = started
    if a.settle:
        os.sync()
    with Client(a.url, timeout=600) as client:
        for r in range(1, a.refreshes + 1):
            due = previous_post + a.period
            if source and not a.cold_source:
                # a trainer's re-embedded corpus is fresh in the page cache when it asks for the refresh: read the
                # file through shortly before the before phase, whatever the machine evicted since the last POST
                sleep_until(due - a.idle - WARM_LEAD)
                warm(source)
            sleep_until(due)  # the load alone; its last --idle seconds are the before phase
            load_avg = open("/proc/loadavg").read().split()[:3]
            share = resident(source) if source else float("nan")
            mem0, vm0 = meminfo(), vmstat()
            t_post = time.monotonic()
            status = client.refresh(a.corpus, poll=0.1, timeout=3600)
            t_served = time.monotonic()
            mem1, vm1 = meminfo(), vmstat()
            version = status["index_version"]
            t_figures = t_served
            if status.get("heldout"):
                client.recall(version, timeout=3600, poll=0.1)
                t_figures = time.monotonic()
            time.sleep(a.idle)  # after: the load alone again
            t_end = time.monotonic()
            if a.settle:
                os.sync()  # nothing of this version's files left to write back during the next refresh
            phases = {"before": (t_post - a.idle, t_post), "refresh": (t_post, t_served),
                      "evaluation": (t_served, t_figures), "after": (t_figures, t_end)}
            late = t_post - due
            since = f"POST {t_post - previous_post:.1f} s after the " + ("server's launch" if r == 1 else "previous")
            since += f" (late by {late:.1f} s)" if late > 0.5 else ""
            previous_post = t_post
            kb_in = vm1.get("pgpgin", 0) - vm0.get("pgpgin", 0)
            kb_out = vm1.get("pgpgout", 0) - vm0.get("pgpgout", 0)
            refaults = vm1.get("workingset_refault_file", 0) - vm0.get("workingset_refault_file", 0)
            head = (f"{a.mode} refresh {r} (round {a.round}): served after {t_served - t_post:.1f} s, figures after "
                    f"{t_figures - t_post:.1f} s (evaluation {t_figures - t_served:.1f} s after the refresh), "
                    f"load {' '.join(load_avg)}, {since}, "
                    f"dirty {mem0['Dirty'] + mem0['Writeback']:.0f} MB at the POST, cached {mem0['Cached']:.0f} MB, "
                    f"source resident {100 * share:.0f}%, during the refresh: disk read {kb_in / 1024:.0f} MB, "
                    f"written {kb_out / 1024:.0f} MB, refaulted {refaults * PAGE / 2**20:.0f} MB, cached "
                    f"{mem1['Cached'] - mem0['Cached']:+.0f} MB, dirty {mem1['Dirty'] + mem1['Writeback']:.0f} MB"
                    f" at the end")
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
