"""The HTTP client of scripts/hostile.sh: what curl cannot do (stall an upload, send a malformed chunk and
count the answers on one connection, many clients at once), with Python's standard library only.

  hostile_client.py body QVEC QRELS N [ANCHOR_ID...] > body.bin   a binary /v1/mine body: the first N rows of
                                                                  QVEC, their positives, and the anchor ids
  hostile_client.py json QVEC QRELS N [ANCHOR_ID_JSON...]       the same as JSON (ids as JSON literals)
  hostile_client.py raw URL REQUEST_FILE                          sends the bytes as they are, prints the
                                                                  statuses answered until the server closes
  hostile_client.py stall URL BODY                                two uploads that stall, then a call
  hostile_client.py concurrent URL BODY N CLIENTS SECONDS [REFRESH_JSON]
                                                                  CLIENTS post BODY (?n=N) for SECONDS (a refresh
                                                                  posted after a third of it, and then until
                                                                  version 2 answered); answers per version
  hostile_client.py overload URL BODY N CLIENTS SECONDS BEFORE AFTER
                                                                  CLIENTS callers with no pause for SECONDS, a probe
                                                                  call every 100 ms from BEFORE seconds before to
                                                                  AFTER seconds after: when latency is back

Every wait is bounded; a line of key=value pairs goes to stdout for the script to check.
"""
import hashlib
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

QVEC_HEADER = 4096


def read_rows(qvec, qrels, n):
    """The first n rows of a float32 .qvec (their bytes) and each one's positives by its id."""
    with open(qvec, "rb") as f:
        head = f.read(QVEC_HEADER)
        magic, _version, dim = struct.unpack_from("<4sII", head)
        if magic != b"QVEC":
            raise SystemExit(f"{qvec}: not a .qvec file")
        vectors = f.read(n * dim * 4)
    positives = {}
    with open(qrels, encoding="utf-8") as f:
        for line in f:
            query, doc = line.rstrip("\n").split("\t")[:2]
            positives.setdefault(query, []).append(doc)
    try:
        with open(qvec + ".ids", encoding="utf-8") as f:
            queries = [next(f).rstrip("\n") for _ in range(n)]
    except FileNotFoundError:  # rows without ids are named by their numbers
        queries = [str(r) for r in range(n)]
    return vectors, [positives.get(q, []) for q in queries]


def body(qvec, qrels, n, anchor_ids):
    vectors, positives = read_rows(qvec, qrels, n)
    text = "".join("\t".join(p) + "\n" for p in positives)
    text += "".join(i + "\n" for i in anchor_ids)
    sys.stdout.buffer.write(vectors + text.encode("utf-8"))


def json_body(qvec, qrels, n, anchor_ids):
    """The same request as JSON; the anchor ids are JSON literals as given (so a lone surrogate can be sent)."""
    vectors, positives = read_rows(qvec, qrels, n)
    dim = len(vectors) // (4 * n) if n else 0
    rows = [list(struct.unpack_from(f"<{dim}f", vectors, r * dim * 4)) for r in range(n)]
    text = (f'{{"anchors": {json.dumps(rows)}, "positives": {json.dumps([p[0] for p in positives])}, '
            f'"anchor_ids": [{", ".join(anchor_ids)}]}}')
    sys.stdout.write(text)


def address(url):
    parts = urlsplit(url)
    return parts.hostname, parts.port


def read_until_closed(sock, seconds, idle=None):
    """Everything the server sends until it closes the connection, or until the deadline ('timeout'), or,
    given idle, until it sent something and then nothing more for idle seconds ('open')."""
    got = b""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            sock.settimeout(idle if idle and got else max(0.01, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                if idle and got:
                    return got, "open"
                raise
            if not chunk:
                return got, "closed"
            got += chunk
    except socket.timeout:
        pass
    except ConnectionResetError:
        return got, "reset"
    return got, "timeout"


def statuses(answer):
    return [int(s) for s in re.findall(rb"(?m)^HTTP/1\.[01] (\d{3})", answer)]


def raw(url, request_file):
    with open(request_file, "rb") as f:
        request = f.read()
    with socket.create_connection(address(url), timeout=30) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before it read everything: the answer is what counts
        # a second answer to one request would follow the first at once: 3 s of quiet after it is enough
        answer, end = read_until_closed(sock, 30, idle=3)
    first_body = answer.split(b"\r\n\r\n", 2)[-1][:120].decode("utf-8", "replace")
    print(f"statuses={','.join(map(str, statuses(answer))) or 'none'} end={end} first={first_body!r}")


def post(url, data, seconds=60):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/octet-stream"})
    try:
        with urllib.request.urlopen(request, timeout=seconds) as answer:
            return answer.status, answer.headers.get("Quarry-Index-Version"), answer.read()
    except urllib.error.HTTPError as e:
        return e.code, None, e.read()


def stall(url, body_file):
    host, port = address(url)
    stalled = []
    t0 = time.monotonic()
    for _ in range(2):
        s = socket.create_connection((host, port), timeout=30)
        s.sendall(b"POST /v1/mine?n=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                  b"Content-Length: 600\r\n\r\n0123456789")
        stalled.append(s)
    time.sleep(0.5)  # both uploads under way before the other call; the deadline below bounds the rest
    with open(body_file, "rb") as f:
        data = f.read()
    began = time.monotonic()
    status, _, _ = post(url + "/v1/mine?n=1", data, seconds=30)
    other = time.monotonic() - began
    ends = []
    for s in stalled:
        answer, end = read_until_closed(s, 30)
        ends.append(f"{end}/{','.join(map(str, statuses(answer))) or 'none'}")
        s.close()
    print(f"other={status} other_seconds={other:.2f} stalled={';'.join(ends)} "
          f"cut_after={time.monotonic() - t0:.1f}s")


def concurrent(url, body_file, n, clients, seconds, refresh):
    with open(body_file, "rb") as f:
        data = f.read()
    answers = {}
    counts = {"requests": 0, "failed": 0, "mixed": 0}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    cap = stop + 90

    def done():
        # at least SECONDS; with a refresh, until the new version answered a few calls too (90 s more at most)
        now = time.monotonic()
        if now >= cap:
            return True
        return now >= stop and (not refresh or sum(answers.get("2", {}).values()) >= 8)

    def client():
        while not done():
            status, version, answer = post(f"{url}/v1/mine?n={n}&nprobe=2", data)
            with lock:
                counts["requests"] += 1
                if status != 200:
                    counts["failed"] += 1
                    continue
                digest = hashlib.sha256(answer).hexdigest()
                answers.setdefault(version, {}).setdefault(digest, 0)
                answers[version][digest] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    refreshed = "none"
    if refresh:
        time.sleep(seconds / 3)
        request = urllib.request.Request(url + "/v1/refresh", data=refresh.encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                refreshed = str(answer.status)
        except urllib.error.HTTPError as e:
            refreshed = f"{e.code}:{e.read()[:100]!r}"
    for t in threads:
        t.join(seconds + 180)
    per_version = ",".join(f"v{v}:{sum(d.values())}req/{len(d)}answers" for v, d in sorted(answers.items()))
    differing = sum(len(d) - 1 for d in answers.values())
    print(f"requests={counts['requests']} failed={counts['failed']} refresh={refreshed} "
          f"versions={per_version or 'none'} differing={differing}")


def overload(url, body_file, n, clients, seconds, probe_before, probe_after):
    """A probe (one call every 100 ms) for probe_before seconds, then CLIENTS callers in a closed loop with no
    pause for SECONDS beside it, then the probe alone for probe_after seconds. Prints the probe's p50 before,
    the callers' answers by status (an exception by its type: the client never read an answer), and how long
    after the overload the probe's calls took again at most twice the p50 before (five calls in a row).
    Judged after the overload are the probe's calls begun once every caller had its last answer (a call begun
    while the callers' last calls still held the server may be refused, as any call beside them was); every
    failed call after the overload is listed with its status and when it began, relative to the end of the load
    and to the callers' last answer. With HOSTILE_TIMELINE=FILE, each probe call's wall-clock start, seconds and
    status go to FILE as it is answered."""
    with open(body_file, "rb") as f:
        data = f.read()
    target = f"{url}/v1/mine?n={n}"
    timeline = []
    statuses_seen = {}
    last_answer = [0.0]
    lock = threading.Lock()
    trace = open(os.environ["HOSTILE_TIMELINE"], "w") if os.environ.get("HOSTILE_TIMELINE") else None
    t0 = time.monotonic()
    wall0 = time.time() - t0
    load_start = t0 + probe_before
    load_end = load_start + seconds
    end = load_end + probe_after

    def call():
        try:
            status, _, _ = post(target, data, seconds=60)
        except OSError as e:
            status = type(e).__name__
        return status

    def probe():
        while time.monotonic() < end:
            began = time.monotonic()
            status = call()
            timeline.append((began - t0, time.monotonic() - began, status))
            if trace:
                print(f"{wall0 + began:.3f} {time.monotonic() - began:.4f} {status}", file=trace, flush=True)
            time.sleep(max(0.0, 0.1 - (time.monotonic() - began)))

    def caller():
        while time.monotonic() < load_end:
            status = call()
            with lock:
                statuses_seen[status] = statuses_seen.get(status, 0) + 1
                last_answer[0] = max(last_answer[0], time.monotonic() - t0)

    prober = threading.Thread(target=probe)
    prober.start()
    time.sleep(max(0.0, load_start - time.monotonic()))
    callers = [threading.Thread(target=caller) for _ in range(clients)]
    for c in callers:
        c.start()
    for c in callers:
        c.join(seconds + 120)
    prober.join(probe_after + 120)
    over = probe_before + seconds
    quiet = max(over, last_answer[0])
    before = sorted(lat for t, lat, s in timeline if t < probe_before and s == 200)
    p50 = before[len(before) // 2] if before else float("nan")
    after = [(t, lat, s) for t, lat, s in timeline if t >= over]
    judged = [(t, lat, s) for t, lat, s in after if t >= quiet]
    back = None
    for i in range(len(judged)):
        window = judged[i:i + 5]
        if len(window) == 5 and all(s == 200 and lat <= 2 * p50 for _, lat, s in window):
            back = window[0][0] - over
            break
    during = sorted(lat for t, lat, s in timeline if probe_before <= t < over and s == 200)
    answered = ",".join(f"{k}:{v}" for k, v in sorted(statuses_seen.items(), key=str))
    # a call that got no HTTP answer at all (reset, broken pipe, timeout) is a failure whenever it came
    lost = sum(1 for _, _, s in timeline if not isinstance(s, int))
    failed = [f"{s}@end+{t - over:.2f}s/last+{t - quiet:.2f}s" for t, _, s in after if s != 200]
    failures = ";".join(failed[:8]) + (f";(+{len(failed) - 8} more)" if len(failed) > 8 else "")
    print(f"p50_before_ms={p50 * 1000:.1f} callers={answered} "
          f"probe_p50_during_ms={(during[len(during) // 2] * 1000) if during else float('nan'):.1f} "
          f"callers_last_answer_s={quiet - over:.2f} "
          f"back_to_normal_s={'never' if back is None else f'{max(back, 0.0):.1f}'} "
          f"probe_after_failed={sum(1 for _, _, s in judged if s != 200)} probe_unanswered={lost} "
          f"probe_after_failures={failures or 'none'}")


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "body":
        body(argv[2], argv[3], int(argv[4]), argv[5:])
    elif command == "json":
        json_body(argv[2], argv[3], int(argv[4]), argv[5:])
    elif command == "raw":
        raw(argv[2], argv[3])
    elif command == "stall":
        stall(argv[2], argv[3])
    elif command == "concurrent":
        concurrent(argv[2], argv[3], int(argv[4]), int(argv[5]), float(argv[6]), argv[7] if len(argv) > 7 else "")
    elif command == "overload":
        overload(argv[2], argv[3], int(argv[4]), int(argv[5]), float(argv[6]), float(argv[7]), float(argv[8]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
