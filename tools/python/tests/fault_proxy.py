"""A stand-in for transport faults, between the client and the real ``quarry serve``.

``FaultProxy(upstream)`` listens on a free loopback port and passes every request through to the server
at ``upstream`` unless a fault is scripted for it: the connection dropped unanswered, an answer of the
test's choosing (a 503 with Retry-After, a 500, a body that is not JSON or not what was asked), or an
answer held back until the client gives up. It records the requests it received and counts connections.
It knows nothing about mining: every answer that is not a scripted fault is the real server's.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Headers that belong to one connection, not to the request or answer passed on.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "te", "trailer", "upgrade"}


@dataclass
class Recorded:
    """One request as the proxy received it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Fault:
    """What the proxy does instead of passing a request on.

    ``drop``: close the connection without answering. ``hold``: answer nothing until the proxy stops
    (the client's timeout ends the call). Otherwise answer ``status`` with ``body`` and ``headers``.
    """

    status: int = 0
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    drop: bool = False
    hold: bool = False


class FaultProxy:
    """The stand-in; ``upstream`` is the real server's URL (``http://127.0.0.1:PORT``)."""

    def __init__(self, upstream: str) -> None:
        parts = urllib.parse.urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []         # the next requests' faults, in order
        self.standing: dict[str, Fault] = {}  # a fault for every request to a path, once the queue is empty
        self.connections = 0
        self.close_after_each = False  # close every connection after its answer, without saying so
        self.released = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.proxy = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting -------------------------------------------------------------------------------

    def answer(self, status: int, body: Any = b"", headers: dict[str, str] | None = None,
               content_type: str = "application/json", path: str | None = None) -> None:
        """Answers the next request with this (every request to ``path`` when one is given)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self._add(Fault(status, data, headers or {}, content_type), path)

    def drop(self) -> None:
        """Closes the next request's connection without answering."""
        self._add(Fault(drop=True), None)

    def hold(self) -> None:
        """Answers the next request only when the proxy stops: a server that never answers in time."""
        self._add(Fault(hold=True), None)

    def _add(self, fault: Fault, path: str | None) -> None:
        with self.lock:
            if path is None:
                self.faults.append(fault)
            else:
                self.standing[path] = fault

    def take(self, path: str, record: Recorded) -> Fault | None:
        with self.lock:
            self.requests.append(record)
            if self.faults:
                return self.faults.pop(0)
            return self.standing.get(path)

    def paths(self) -> list[str]:
        """The paths of the requests received, in order."""
        with self.lock:
            return [r.path for r in self.requests]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes: without this, Nagle's algorithm holds the body back
        # until the client's delayed ACK, 40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.proxy.lock:  # type: ignore[attr-defined]
            self.server.proxy.connections += 1  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        proxy: FaultProxy = self.server.proxy  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urllib.parse.urlsplit(self.path)
        record = Recorded(self.command, parts.path, urllib.parse.parse_qsl(parts.query, keep_blank_values=True),
                          dict(self.headers.items()), body)
        fault = proxy.take(parts.path, record)
        if fault is not None and fault.drop:
            self.close_connection = True
            return
        if fault is not None and fault.hold:
            proxy.released.wait()
            self.close_connection = True
            return
        if fault is not None:
            self._send(fault.status, fault.body, {"Content-Type": fault.content_type, **fault.headers})
            return
        upstream = http.client.HTTPConnection(*proxy.upstream, timeout=300)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            self._send(answer.status, data, {k: v for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP})
        finally:
            upstream.close()

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        proxy: FaultProxy = self.server.proxy  # type: ignore[attr-defined]
        self.send_response_only(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if proxy.close_after_each:
            self.close_connection = True
