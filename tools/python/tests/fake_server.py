"""A stand-in for ``quarry serve``: its HTTP API over exact search, for the client's tests.

It speaks the API the client is written against (health, status, binary and JSON mining, the
negatives store, refresh, metrics, errors, bearer tokens) over a corpus held in memory, with the
mining options' meaning as the command line has it (ranks after excluding positives, the rank
window, score filters, margins to the lowest-scoring positive, the near-duplicate filter, top or
random sampling). It is not Quarry's miner: no index, no warm-up, no guarantees beyond the tests.
Standard library only; numpy speeds up scoring when it is there.

Tests start it on a free loopback port and can record requests, script answers (errors, dropped
connections) and count connections. Run alone, it serves a ``.qvec`` corpus, which lets the examples
be tried without a JVM::

    python3 tools/python/tests/fake_server.py --corpus DIR/corpus.qvec [--bind 127.0.0.1:7700]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

try:
    import numpy as np
except ImportError:
    np = None

DEFAULTS = {
    "num_negatives": "3", "range_min": "10", "range_max": "100", "min_score": "off", "max_score": "off",
    "absolute_margin": "off", "relative_margin": "0.05", "near_duplicate": "0.9", "sampling_strategy": "top",
    "seed": "42", "nprobe": "1",
}


class BadRequest(Exception):
    """A 400 answer: the field, the value and what was expected."""

    def __init__(self, field: str, value: Any, expected: str, error: str = "bad request") -> None:
        super().__init__(f"{field}={value}, expected {expected}")
        self.body = {"error": error, "message": str(self), "field": field, "value": str(value), "expected": expected}


@dataclass
class Recorded:
    """One request as the server read it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Scripted:
    """An answer given instead of the normal one: ``status`` None closes the connection unanswered."""

    status: int | None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def crc32c_bitwise(data: bytes) -> int:
    """CRC32C a bit at a time: slow, and independent of the client's table-driven one."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def load_qvec(path: str) -> tuple[Any, int, int]:
    """Rows, count and dim of a .qvec file, checked as the server would (header CRC, size)."""
    with open(path, "rb") as f:
        head = f.read(4096)
        size = os.fstat(f.fileno()).st_size
        if len(head) < 28 or head[:4] != b"QVEC":
            raise ValueError(f"{path}: magic={head[:4]!r}, expected \"QVEC\"")
        version, dtype, dim, count, _flags, crc = struct.unpack_from("<HHIQII", head, 4)
        if crc32c_bitwise(head[:24]) != crc:
            raise ValueError(f"{path}: header crc=0x{crc:08x}, expected 0x{crc32c_bitwise(head[:24]):08x}")
        if version not in (1, 2) or dtype != 0:
            raise ValueError(f"{path}: version={version} dtype={dtype}, expected version 1 or 2, dtype 0")
        expected = 4096 + count * dim * 4 + (16 if version == 2 else 0)
        if size != expected:
            raise ValueError(f"{path}: size={size}, expected {expected}")
        if np is not None:
            rows = np.fromfile(f, dtype="<f4", count=count * dim).reshape(count, dim).astype(np.float32)
        else:
            flat = struct.unpack(f"<{count * dim}f", f.read(count * dim * 4))
            rows = [list(flat[i * dim:(i + 1) * dim]) for i in range(count)]
    return rows, count, dim


class FakeQuarry:
    """The fake server. ``corpus``: rows (lists or an array); ``ids``: one per row (default d0, d1, ...)."""

    def __init__(self, corpus: Any, ids: list[str] | None = None, *, token: str | None = None,
                 negatives_store: bool = True, corpus_path: str = "/fake/corpus.qvec",
                 refresh_delay: float = 0.1, bind: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        self.lock = threading.Lock()
        self._set_corpus(corpus)
        self.ids = ids if ids is not None else [f"d{i}" for i in range(self.rows)]
        self.row_of = {doc: i for i, doc in enumerate(self.ids)}
        self.token = token
        self.store: dict[str, Any] | None = {} if negatives_store else None
        self.corpus_path = corpus_path
        self.refresh_delay = refresh_delay
        self.index_version = 1
        self.refreshing = False
        self.refresh_error: str | None = None
        self.requests: list[Recorded] = []
        self.scripted: list[Scripted] = []
        self.connections = 0
        self.close_after_each = False  # close every connection after its answer, without saying so
        self.counts: dict[str, int] = {}
        self.httpd = ThreadingHTTPServer(bind, _Handler)
        self.httpd.daemon_threads = True
        self.httpd.fake = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # -- life --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeQuarry:
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> FakeQuarry:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------------

    def script(self, status: int | None, body: Any = b"", headers: dict[str, str] | None = None,
               content_type: str = "application/json") -> None:
        """Answers the next request with this (``status`` None: close the connection unanswered)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.scripted.append(Scripted(status, data, headers or {}, content_type))

    def script_mined(self, ids: list[list[int]], scores: list[list[float]], version: int,
                     anchors: int | None = None) -> None:
        """Answers the next request with this binary mining answer."""
        n, k = len(ids), (len(ids[0]) if ids else 0)
        body = struct.pack(f"<{n * k}i", *[v for row in ids for v in row])
        body += struct.pack(f"<{n * k}f", *[v for row in scores for v in row])
        self.scripted.append(Scripted(200, body, {"Quarry-Index-Version": str(version),
                                                  "Quarry-Anchors": str(n if anchors is None else anchors),
                                                  "Quarry-Negatives": str(k)}, "application/octet-stream"))

    # -- mining ------------------------------------------------------------------------------

    def _set_corpus(self, corpus: Any) -> None:
        if np is not None:
            self.corpus = np.asarray(corpus, dtype=np.float32)
            self.rows, self.dim = self.corpus.shape
        else:
            self.corpus = [list(map(float, r)) for r in corpus]
            self.rows, self.dim = len(self.corpus), len(self.corpus[0])

    def _options(self, given: dict[str, str]) -> dict[str, Any]:
        for name in given:
            if name not in DEFAULTS:
                raise BadRequest(name, given[name], "a mining option (" + ", ".join(DEFAULTS) + ")",
                                 error="unknown parameter")
        raw = {**DEFAULTS, **given}

        def integer(name: str, low: int) -> int:
            try:
                v = int(raw[name])
            except ValueError:
                raise BadRequest(name, raw[name], f">= {low}") from None
            if v < low:
                raise BadRequest(name, raw[name], f">= {low}")
            return v

        def real(name: str) -> float | None:
            if raw[name] == "off":
                return None
            try:
                v = float(raw[name])
            except ValueError:
                raise BadRequest(name, raw[name], "a number or off") from None
            if not math.isfinite(v):
                raise BadRequest(name, raw[name], "a finite number or off")
            return v

        opts = {"k": integer("num_negatives", 1), "lo": integer("range_min", 0), "hi": integer("range_max", 1),
                "min": real("min_score"), "max": real("max_score"), "abs": real("absolute_margin"),
                "rel": real("relative_margin"), "dup": real("near_duplicate"), "seed": integer("seed", 0),
                "sampling": raw["sampling_strategy"]}
        integer("nprobe", 1)
        if opts["hi"] <= opts["lo"]:
            raise BadRequest("range_max", opts["hi"], f"> range_min ({opts['lo']})")
        if opts["sampling"] not in ("top", "random"):
            raise BadRequest("sampling_strategy", opts["sampling"], "top or random")
        return opts

    def _scores(self, anchors: Any, corpus: Any) -> list[list[float]] | Any:
        if np is not None:
            return np.asarray(anchors, dtype=np.float32) @ corpus.T
        return [[sum(a * c for a, c in zip(anchor, row)) for row in corpus] for anchor in anchors]

    def mine(self, anchors: Any, positives: list[list[str]], given: dict[str, str]) -> list[dict[str, Any]]:
        """Per anchor: rows, scores, ranks, shortfall."""
        opts = self._options(given)
        for i, ids in enumerate(positives):
            for doc in ids:
                if doc not in self.row_of:
                    raise BadRequest(f"positives[{i}]", doc, "a corpus id")
        with self.lock:
            corpus, version = self.corpus, self.index_version
        out = []
        block = 256
        for start in range(0, len(anchors), block):
            scores = self._scores(anchors[start:start + block], corpus)
            for j, row_scores in enumerate(scores):
                out.append(self._mine_one(start + j, row_scores, anchors[start + j], positives[start + j],
                                          corpus, opts))
        for item in out:
            item["version"] = version
        return out

    def _mine_one(self, a: int, scores: Any, anchor: Any, positives: list[str], corpus: Any,
                  opts: dict[str, Any]) -> dict[str, Any]:
        excluded = {self.row_of[d] for d in positives}
        limit = min(self.rows, opts["hi"] + len(excluded))
        if np is not None and limit < self.rows:
            top = np.argpartition(-scores, limit - 1)[:limit]
            order = [int(r) for r in top[np.lexsort((top, -scores[top]))]]
        else:
            order = sorted(range(self.rows), key=lambda r: (-float(scores[r]), r))[:limit]
        candidates = [r for r in order if r not in excluded][opts["lo"]:opts["hi"]]
        pos_scores = [float(scores[r]) for r in excluded]
        floor = min(pos_scores) if pos_scores else None
        closest = self._closest_positive(candidates, sorted(excluded), corpus) if opts["dup"] is not None else {}
        reasons = []
        kept = []
        for rank_offset, r in enumerate(candidates):
            s = float(scores[r])
            reason = None
            if (opts["min"] is not None and s < opts["min"]) or (opts["max"] is not None and s > opts["max"]):
                reason = "score"
            elif floor is not None and ((opts["abs"] is not None and s > floor - opts["abs"])
                                        or (opts["rel"] is not None and s > floor * (1 - opts["rel"]))):
                reason = "margin"
            elif opts["dup"] is not None and closest[r] >= opts["dup"]:
                reason = "near_duplicate"
            if reason is None:
                kept.append((r, s, opts["lo"] + rank_offset))
            else:
                reasons.append(reason)
        if opts["sampling"] == "random" and len(kept) > opts["k"]:
            picked = sorted(random.Random(opts["seed"] * 1_000_003 + a).sample(range(len(kept)), opts["k"]))
            kept = [kept[i] for i in picked]
        kept = kept[:opts["k"]]
        shortfall = "none" if len(kept) == opts["k"] else (reasons[0] if reasons else "range")
        return {"rows": [r for r, _, _ in kept], "scores": [s for _, s, _ in kept],
                "ranks": [k for _, _, k in kept], "shortfall": shortfall}

    @staticmethod
    def _closest_positive(candidates: list[int], positives: list[int], corpus: Any) -> dict[int, float]:
        """Per candidate row, its highest cosine to a positive (-1 without positives)."""
        if not positives or not candidates:
            return {r: -1.0 for r in candidates}
        if np is None:
            return {r: max(_cosine(corpus[r], corpus[p]) for p in positives) for r in candidates}
        rows, pos = corpus[candidates], corpus[positives]
        cos = (rows @ pos.T) / np.outer(np.linalg.norm(rows, axis=1), np.linalg.norm(pos, axis=1))
        return dict(zip(candidates, cos.max(axis=1).tolist()))

    def keep(self, anchor_ids: list[str] | None, mined: list[dict[str, Any]]) -> None:
        if anchor_ids is None:
            return
        if self.store is None:
            raise BadRequest("with-anchor-ids", "true", "a server started with --negatives-store",
                             error="no negatives store")
        now = int(time.time() * 1000)
        with self.lock:
            for anchor, m in zip(anchor_ids, mined):
                self.store[anchor] = {"ids": [self.ids[r] for r in m["rows"]], "scores": m["scores"],
                                      "index_version": m["version"], "time": now}

    # -- refresh -----------------------------------------------------------------------------

    def start_refresh(self, path: str) -> None:
        with self.lock:
            self.refreshing = True
            self.refresh_error = None
        threading.Thread(target=self._refresh, args=(path,), daemon=True).start()

    def _refresh(self, path: str) -> None:
        time.sleep(self.refresh_delay)
        try:
            rows, count, dim = load_qvec(path)
            if count != self.rows or dim != self.dim:
                raise ValueError(f"{path}: {count} rows x {dim}, expected the served corpus's "
                                 f"{self.rows} rows x {self.dim}")
        except (OSError, ValueError) as e:
            with self.lock:
                self.refreshing = False
                self.refresh_error = str(e)
            return
        with self.lock:
            self._set_corpus(rows)
            self.corpus_path = path
            self.index_version += 1
            self.refreshing = False


def _cosine(x: Any, y: Any) -> float:
    dot = sum(float(a) * float(b) for a, b in zip(x, y)) if np is None else float(np.dot(x, y))
    nx = math.sqrt(sum(float(a) * float(a) for a in x)) if np is None else float(np.linalg.norm(x))
    ny = math.sqrt(sum(float(b) * float(b) for b in y)) if np is None else float(np.linalg.norm(y))
    return dot / (nx * ny) if nx and ny else 0.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-quarry"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's algorithm holds the body back
        # until the client's delayed ACK, 40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        fake: FakeQuarry = self.server.fake  # type: ignore[attr-defined]
        with fake.lock:
            fake.connections += 1

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        fake: FakeQuarry = self.server.fake  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urlsplit(self.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        with fake.lock:
            fake.requests.append(Recorded(self.command, parts.path, query, dict(self.headers.items()), body))
            fake.counts[parts.path] = fake.counts.get(parts.path, 0) + 1
            scripted = fake.scripted.pop(0) if fake.scripted else None
        if scripted is not None:
            if scripted.status is None:
                self.close_connection = True
                return
            self._send(scripted.status, scripted.body, scripted.content_type, scripted.headers)
            return
        if fake.token is not None and self.headers.get("Authorization") != f"Bearer {fake.token}":
            self._json(401, {"error": "unauthorized"})
            return
        try:
            self._route(fake, parts.path, query, body)
        except BadRequest as e:
            self._json(400, e.body)
        except Exception as e:  # noqa: BLE001 - the fake answers as the server would
            self._json(500, {"error": "internal error", "message": f"{type(e).__name__}: {e}"})

    def _route(self, fake: FakeQuarry, path: str, query: list[tuple[str, str]], body: bytes) -> None:
        if path == "/v1/health" and self.command == "GET":
            self._json(200, {"status": "ok"})
        elif path == "/v1/status" and self.command == "GET":
            with fake.lock:
                self._json(200, {"index_version": fake.index_version, "corpus": fake.corpus_path,
                                 "rows": fake.rows, "dim": fake.dim, "index": "flat", "nlist": None,
                                 "refreshing": fake.refreshing, "refresh_error": fake.refresh_error})
        elif path == "/v1/mine" and self.command == "POST":
            if (self.headers.get("Content-Type") or "").startswith("application/json"):
                self._mine_json(fake, query, body)
            else:
                self._mine_binary(fake, query, body)
        elif path == "/v1/negatives" and self.command == "GET":
            if fake.store is None:
                self._json(404, {"error": "no negatives store",
                                 "message": "the server was started without --negatives-store"})
                return
            with fake.lock:
                found = {v: fake.store.get(v) for k, v in query if k == "anchor"}
            self._json(200, {"negatives": found})
        elif path == "/v1/refresh" and self.command == "POST":
            request = json.loads(body)
            with fake.lock:
                running, version = fake.refreshing, fake.index_version
            if running:
                self._json(409, {"error": "refresh running", "message": "a refresh is already running"})
                return
            if not isinstance(request.get("corpus"), str):
                raise BadRequest("corpus", request.get("corpus"), "a .qvec path")
            fake.start_refresh(request["corpus"])
            self._json(202, {"refresh": "started", "index_version": version})
        elif path == "/metrics" and self.command == "GET":
            with fake.lock:
                text = "".join(f'quarry_requests_total{{path="{p}"}} {n}\n' for p, n in sorted(fake.counts.items()))
            self._send(200, text.encode(), "text/plain; version=0.0.4")
        else:
            self._json(404, {"error": "not found", "message": f"{self.command} {path}"})

    def _mine_binary(self, fake: FakeQuarry, query: list[tuple[str, str]], body: bytes) -> None:
        params = dict(query)
        n_text = params.pop("n", None)
        with_ids = params.pop("with-anchor-ids", "false") == "true"
        try:
            n = int(n_text or "")
        except ValueError:
            raise BadRequest("n", n_text, "the anchor count, >= 0") from None
        dim = fake.dim
        vector_bytes = n * dim * 4
        if len(body) < vector_bytes:
            raise BadRequest("body", f"{len(body)} bytes", f"at least n x dim x 4 = {vector_bytes} bytes")
        flat = struct.unpack_from(f"<{n * dim}f", body)
        anchors = [list(flat[i * dim:(i + 1) * dim]) for i in range(n)]
        text = body[vector_bytes:].decode("utf-8")
        lines = text.split("\n")
        if lines[-1] != "":
            raise BadRequest("body", "text without a final newline", "lines ending in \\n")
        lines = lines[:-1]
        want = 2 * n if with_ids else n
        if len(lines) != want:
            raise BadRequest("body", f"{len(lines)} lines", f"{want} lines")
        positives = [line.split("\t") if line else [] for line in lines[:n]]
        mined = fake.mine(anchors, positives, params)
        fake.keep(lines[n:] if with_ids else None, mined)
        k = fake._options(params)["k"]
        ids = [m["rows"] + [-1] * (k - len(m["rows"])) for m in mined]
        scores = [m["scores"] + [math.nan] * (k - len(m["scores"])) for m in mined]
        out = struct.pack(f"<{n * k}i", *[v for row in ids for v in row])
        out += struct.pack(f"<{n * k}f", *[v for row in scores for v in row])
        version = mined[0]["version"] if mined else fake.index_version
        self._send(200, out, "application/octet-stream", {"Quarry-Index-Version": str(version),
                                                          "Quarry-Anchors": str(n), "Quarry-Negatives": str(k)})

    def _mine_json(self, fake: FakeQuarry, query: list[tuple[str, str]], body: bytes) -> None:
        request = json.loads(body)
        anchors = request.pop("anchors")
        positives = request.pop("positives", None) or [[] for _ in anchors]
        anchor_ids = request.pop("anchor_ids", None)
        params = dict(query)
        params.update({k: (v if isinstance(v, str) else json.dumps(v)) for k, v in request.items()})
        mined = fake.mine(anchors, positives, params)
        fake.keep(anchor_ids, mined)
        version = mined[0]["version"] if mined else fake.index_version
        self._json(200, {"index_version": version, "negatives": [[fake.ids[r] for r in m["rows"]] for m in mined],
                         "scores": [m["scores"] for m in mined], "ranks": [m["ranks"] for m in mined],
                         "shortfall": [m["shortfall"] for m in mined]})

    def _json(self, status: int, payload: Any) -> None:
        headers = {"Retry-After": "1"} if status == 503 else {}
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        fake: FakeQuarry = self.server.fake  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        if fake.close_after_each:
            self.close_connection = True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A stand-in for quarry serve (exact search, for trying the client).")
    parser.add_argument("--corpus", required=True, help=".qvec corpus (ids from CORPUS.ids when present)")
    parser.add_argument("--bind", default="127.0.0.1:7700")
    parser.add_argument("--token-file")
    parser.add_argument("--no-negatives-store", action="store_true")
    args = parser.parse_args(argv)
    rows, count, _ = load_qvec(args.corpus)
    ids = None
    if os.path.exists(args.corpus + ".ids"):
        with open(args.corpus + ".ids", encoding="utf-8") as f:
            ids = f.read().splitlines()[:count]
    token = None
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as f:
            token = f.read().strip()
    host, port = args.bind.rsplit(":", 1)
    fake = FakeQuarry(rows, ids, token=token, negatives_store=not args.no_negatives_store,
                      corpus_path=os.path.abspath(args.corpus), refresh_delay=0.0, bind=(host, int(port)))
    print(f"fake quarry serve: {count} rows at {fake.url}", file=sys.stderr, flush=True)
    try:
        fake.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
