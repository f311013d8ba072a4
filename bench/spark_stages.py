#!/usr/bin/python3
"""Where a Spark run's time went, from Spark's own event log (spark.eventLog.enabled, uncompressed).

Reads one application's event log (Spark 4 writes a directory eventlog_v2_APP of rolled files events_N_APP,
read in N's order; a single file is read as it is) and prints one line: the time from the command's start to the
SparkContext's start (JVM start, the driver opening and checking the inputs), to the first and the last
executor added (a cluster's executors are JVMs a worker starts), then each stage from submission to
completion with its tasks' summed run, CPU, deserialization and GC time, grouped by stage name (toLocalIterator
runs one job per partition: their stages are one group), and the time from the last stage's end to the
application's end. Times in seconds.

    bench/spark_stages.py EVENT_LOG [--started EPOCH_MILLIS]
"""
import json
import os
import re
import sys
from collections import OrderedDict


def event_files(path):
    """The files of an event log: a directory's events_N_* in N's order, or the file itself."""
    if not os.path.isdir(path):
        return [path]
    rolled = [f for f in os.listdir(path) if re.match(r"events_\d+_", f)]
    return [os.path.join(path, f) for f in sorted(rolled, key=lambda f: int(f.split("_")[1]))]


def events(path):
    for name in event_files(path):
        with open(name, encoding="utf-8") as log:
            for line in log:
                if line.strip():
                    yield json.loads(line)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    started = None
    if len(argv) == 4 and argv[2] == "--started":
        started = int(argv[3])
    app_start = app_end = None
    executors = []
    stages = OrderedDict()  # name -> [count, wall seconds, tasks, run ms, deserialize ms, gc ms, cpu ns]
    first_submit = last_complete = None
    for e in events(argv[1]):
        kind = e.get("Event")
        if kind == "SparkListenerApplicationStart":
            app_start = e["Timestamp"]
        elif kind == "SparkListenerApplicationEnd":
            app_end = e["Timestamp"]
        elif kind == "SparkListenerExecutorAdded":
            executors.append(e["Timestamp"])
        elif kind == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            submit, complete = info.get("Submission Time"), info.get("Completion Time")
            if submit is None or complete is None:
                continue
            first_submit = submit if first_submit is None else min(first_submit, submit)
            last_complete = complete if last_complete is None else max(last_complete, complete)
            m = re.match(r"(.*?) at ([A-Za-z]+)\.java:\d+", info["Stage Name"])
            name = f"{m[1]} at {m[2]}" if m else info["Stage Name"]
            sums = {a.get("Name"): a.get("Value") for a in info.get("Accumulables", [])}
            s = stages.setdefault(name, [0, 0.0, 0, 0, 0, 0, 0])
            s[0] += 1
            s[1] += (complete - submit) / 1e3
            s[2] += info["Number of Tasks"]
            s[3] += int(sums.get("internal.metrics.executorRunTime", 0) or 0)
            s[4] += int(sums.get("internal.metrics.executorDeserializeTime", 0) or 0)
            s[5] += int(sums.get("internal.metrics.jvmGCTime", 0) or 0)
            s[6] += int(sums.get("internal.metrics.executorCpuTime", 0) or 0)
    if app_start is None:
        print(f"spark_stages: {argv[1]}: no SparkListenerApplicationStart event", file=sys.stderr)
        return 3
    parts = []
    if started is not None:
        parts.append(f"to SparkContext {(app_start - started) / 1e3:.1f}")
    if executors:
        parts.append(f"executors added +{(min(executors) - app_start) / 1e3:.1f}"
                     f"..+{(max(executors) - app_start) / 1e3:.1f}")
    if first_submit is not None:
        parts.append(f"first stage +{(first_submit - app_start) / 1e3:.1f}")
    for name, (count, wall, tasks, run, deser, gc, cpu) in stages.items():
        times = f" x{count}" if count > 1 else ""
        parts.append(f"{name}{times}: {wall:.2f} ({tasks} tasks, run {run / 1e3:.1f}, cpu {cpu / 1e9:.1f}, "
                     f"deserialize {deser / 1e3:.1f}, gc {gc / 1e3:.1f})")
    if app_end is not None and last_complete is not None:
        parts.append(f"last stage to end {(app_end - last_complete) / 1e3:.1f}")
    print("; ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
