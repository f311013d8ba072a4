"""The HTTP client of ``quarry serve``: one class over one keep-alive connection."""

from __future__ import annotations

import email.utils
import http.client
import importlib
import json
import math
import numbers
import os
import socket
import struct
import sys
import time
import urllib.parse
import warnings
from array import array
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

_np: Any  # numpy, typed loosely: the client's arrays are Any to callers with or without it
try:
    _np = importlib.import_module("numpy")
except ImportError:  # the client works without numpy, with lists instead of arrays
    _np = None

from .errors import QuarryError, RecallDropWarning
from .options import MINE_OPTIONS, Anchors, MiningCalls, Positives

__all__ = ["Client", "Mined", "DEFAULT_URL", "MINE_OPTIONS"]

DEFAULT_URL = "http://127.0.0.1:7700"
"""Where ``quarry serve`` listens unless told otherwise (``--bind``)."""

# Errors of a connection the server (or something between) closed while it was idle: the request
# is sent again once on a new connection.
_DROPPED = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
# Longest query string of one /v1/negatives request; more ids go in further requests.
_MAX_QUERY_CHARS = 4000


def _figures(status: dict[str, Any], version: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The held-out figures of ``version`` in ``status`` (or None while not measured) and, when its
    recall@10 fell more than the server's ``--recall-drop`` below the best version before it, the alert
    (version, recall_at_10, best_recall_at_10, advice)."""
    heldout = status.get("heldout") or {}
    recall = next((r for r in reversed(heldout.get("history") or []) if r.get("version") == version), None)
    if not recall or not recall.get("drop"):
        return recall, None
    alert = heldout.get("alert")
    if not (alert and alert.get("version") == version):
        alert = {"version": version, "recall_at_10": recall["recall_at_10"],
                 "best_recall_at_10": recall.get("best_recall_at_10"), "advice": heldout.get("advice")}
    return recall, alert


def _warn_drop(alert: dict[str, Any] | None) -> None:
    if alert:
        warnings.warn(RecallDropWarning(
            f"index version {alert['version']}: held-out recall@10 {alert['recall_at_10']:.4f}, best so far "
            f"{alert['best_recall_at_10']:.4f}: {alert['advice']}"), stacklevel=3)


def _recall_state(status: dict[str, Any], version: Any) -> str:
    """Where ``version``'s held-out figures stand: ``"none"`` (no held-out set watched), ``"measured"``,
    ``"failed"``, ``"superseded"`` (a newer version's evaluation replaced it before it started: never
    measured) or ``"pending"`` (queued or being measured)."""
    heldout = status.get("heldout")
    if not heldout:
        return "none"
    history = heldout.get("history") or []
    if any(r.get("version") == version for r in history):
        return "measured"
    if heldout.get("error_version") == version:
        return "failed"
    if heldout.get("evaluating_version") == version or heldout.get("pending_version") == version:
        return "pending"
    later = [v for v in [heldout.get("evaluating_version"), heldout.get("pending_version"),
                         *(r.get("version") for r in history)] if isinstance(v, int)]
    if isinstance(version, int) and any(v > version for v in later):
        return "superseded"
    return "pending"


class Mined(NamedTuple):
    """What :meth:`Client.mine` returns; unpacks as ``ids, scores, index_version``.

    Binary calls (the default): ``ids`` are corpus row numbers, int32 ``(n, k)`` padded with -1, and
    ``scores`` float32 ``(n, k)`` padded with NaN; numpy arrays when numpy is installed, lists of
    lists otherwise. JSON calls (``binary=False``): ``ids`` are corpus ids (strings) and both are
    lists of lists, one per anchor, as long as the negatives found (no padding).
    """

    ids: Any
    scores: Any
    index_version: int


class Client(MiningCalls):
    """A client of ``quarry serve``.

    ``Client("http://127.0.0.1:7700")`` keeps one HTTP/1.1 connection open across calls and opens a
    new one, once, when the server has closed it in between. It is not thread-safe: use one per
    thread (or per data-loader worker).

    Errors: an error answer raises :class:`QuarryError` with the server's message (and the field,
    value and expected value of a 400); network failures raise the usual ``OSError`` subclasses
    (``ConnectionRefusedError``, ``TimeoutError``). A 503 (overloaded) is retried up to ``retries``
    times (default 2, 0 turns it off), each after the server's ``Retry-After`` (1 s when absent),
    waiting at most ``max_retry_wait`` seconds each time.

    Args:
        url: the server, ``http://host:port`` (``https`` works too), with an optional path prefix.
        token: sent as ``Authorization: Bearer TOKEN`` (servers started with ``--token-file``).
        timeout: seconds to wait for the connection and for each read.
        retries: how many times a 503 answer is retried.
        max_retry_wait: the longest wait before a retry, whatever ``Retry-After`` says.
    """

    def __init__(self, url: str = DEFAULT_URL, token: str | None = None, timeout: float = 60.0,
                 retries: int = 2, max_retry_wait: float = 10.0) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url={url!r}, expected http://host:port or https://host:port")
        if retries < 0:
            raise ValueError(f"retries={retries}, expected >= 0")
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._base = parts.path.rstrip("/")
        self._headers = {"User-Agent": "quarry-client-python", "Accept": "application/json, */*"}
        if token is not None:
            self._headers["Authorization"] = f"Bearer {token.strip()}"
        self._conn: http.client.HTTPConnection | None = None
        self._reused = False

    # -- the API -------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """``GET /v1/health``: ``{"status": "ok"}`` when the server is up."""
        return self._call_json("GET", "/v1/health")

    def status(self) -> dict[str, Any]:
        """``GET /v1/status``: index version, corpus path, rows, dim, index, refreshing, refresh_error."""
        return self._call_json("GET", "/v1/status")

    # mine() and mine_json() are MiningCalls', one keyword parameter per setting of the schema (options.py).

    def _mine(self, anchors: Anchors, positives: Positives | None, anchor_ids: Iterable[str] | None,
              binary: bool, options: Sequence[tuple[str, object]]) -> Mined:
        if not binary:
            answer = self._mine_json(anchors, positives, anchor_ids, options)
            return Mined(answer["negatives"], answer["scores"], int(answer["index_version"]))
        vectors, n = _anchor_bytes(anchors)
        lines = _positive_lines(positives, n)
        query = [("n", str(n))] + [(name, _option_text(value)) for name, value in options if value is not None]
        if anchor_ids is not None:
            lines += _ids(anchor_ids, n, "anchor_ids")
            query.append(("with-anchor-ids", "true"))
        body = vectors + "".join(line + "\n" for line in lines).encode("utf-8")
        _, headers, data = self._request("POST", "/v1/mine", query, body, "application/octet-stream")
        return _decode_mined(headers, data, n)

    def _mine_json(self, anchors: Anchors, positives: Positives | None, anchor_ids: Iterable[str] | None,
                   options: Sequence[tuple[str, object]]) -> dict[str, Any]:
        matrix = _anchor_lists(anchors)
        n = len(matrix)
        payload: dict[str, Any] = {
            "anchors": matrix,
            "positives": [line.split("\t") if line else [] for line in _positive_lines(positives, n)],
        }
        if anchor_ids is not None:
            payload["anchor_ids"] = _ids(anchor_ids, n, "anchor_ids")
        for name, value in options:
            if value is not None:
                payload[name] = _json_value(value)
        return self._call_json("POST", "/v1/mine", payload=payload)

    def negatives(self, ids: str | Iterable[str]) -> dict[str, Any]:
        """``GET /v1/negatives``: the stored negatives of anchors, by anchor id.

        Returns ``{id: {"ids": [...], "scores": [...], "index_version": V, "time": epoch_millis}}``,
        with ``None`` for an anchor the store does not hold. Raises :class:`QuarryError` 404 when the
        server has no negatives store. Many ids are asked for in several requests.
        """
        wanted = [ids] if isinstance(ids, str) else _ids(ids, None, "ids")
        found: dict[str, Any] = {}
        chunk: list[tuple[str, str]] = []
        chars = 0
        for anchor in wanted:
            cost = len(urllib.parse.quote(anchor, safe="")) + len("&anchor=")
            if chunk and chars + cost > _MAX_QUERY_CHARS:
                found.update(self._call_json("GET", "/v1/negatives", chunk)["negatives"])
                chunk, chars = [], 0
            chunk.append(("anchor", anchor))
            chars += cost
        if chunk:
            found.update(self._call_json("GET", "/v1/negatives", chunk)["negatives"])
        return found

    def refresh(self, path: str | os.PathLike[str], retrain: bool = False, wait: bool = True,
                poll: float = 0.5, timeout: float = 3600.0, *,
                heldout_queries: str | os.PathLike[str] | None = None,
                heldout_qrels: str | os.PathLike[str] | None = None,
                wait_for_recall: bool = False) -> dict[str, Any]:
        """Asks the server to serve a re-embedded corpus (same rows and ids, new vectors).

        ``path`` is a ``.qvec`` file on the server's machine (absolute is safest: a relative path is
        the server's to resolve), e.g. one written by :func:`write_qvec`. ``retrain`` retrains the
        index's clusters instead of keeping them. The server builds the new index beside the live one
        and swaps it in; mining goes on meanwhile. The server copies the file before it answers, so
        it may be rewritten as soon as this returns (or, without ``wait``, once it has answered).

        ``heldout_queries`` and ``heldout_qrels`` (both or neither; files under the server's
        ``--refresh-dir``) are held-out queries embedded by the same model and their qrels: the
        server measures the new version's exact held-out recall on them (without them, on the set it
        has, if any). None of them may be an anchor the server has mined for (400).

        With ``wait`` (the default), polls ``/v1/status`` every ``poll`` seconds until the new
        version is served and returns that status (its ``index_version`` is the new one), with three
        keys added. The server measures the held-out figures after the refresh, on its own thread, so
        they are usually not in yet: ``recall_pending`` is True while they are being measured (get
        them with :meth:`recall`), ``recall`` is the new version's figures (``recall_at_10``,
        ``recall_at_100``, ``ndcg_at_10``, ``queries``, ``best_recall_at_10``, ``drop``) once in, and
        None before or when the server watches no held-out set, and ``recall_alert`` is None or, when
        recall@10 fell more than the server's ``--recall-drop`` below the best version before it, the
        figures and the server's advice (also warned as :class:`RecallDropWarning`). With
        ``wait_for_recall``, it also waits for the figures (within the same ``timeout``), as
        :meth:`recall` does. Raises :class:`QuarryError` (``status`` None) with the server's
        ``refresh_error`` when the refresh failed, and ``TimeoutError`` after ``timeout`` seconds.
        Without ``wait``, returns the server's answer at once: ``{"refresh": "started",
        "index_version": CURRENT}``. A refresh already running answers 409.
        """
        if (heldout_queries is None) != (heldout_qrels is None):
            raise ValueError("heldout_queries and heldout_qrels go together: give both or neither")
        payload: dict[str, Any] = {"corpus": os.fspath(path), "retrain": bool(retrain)}
        if heldout_queries is not None and heldout_qrels is not None:
            payload["heldout_queries"] = os.fspath(heldout_queries)
            payload["heldout_qrels"] = os.fspath(heldout_qrels)
        started = self._call_json("POST", "/v1/refresh", payload=payload)
        if not wait:
            return started
        before = started.get("index_version")
        deadline = time.monotonic() + timeout
        while True:
            status = self.status()
            if not status.get("refreshing"):
                if status.get("index_version") != before:
                    break
                if status.get("refresh_error"):
                    raise QuarryError(None, f"refresh of {os.fspath(path)} failed: {status['refresh_error']}",
                                      error="refresh failed", body=status)
            if time.monotonic() >= deadline:
                raise TimeoutError(f"refresh of {os.fspath(path)} still running after {timeout:g} s "
                                   f"(index_version {before})")
            time.sleep(poll)
        version = status["index_version"]
        if wait_for_recall:
            self._await_recall(version, deadline, poll)
            status = self.status()
        recall, alert = _figures(status, version)
        status["recall"] = recall
        status["recall_alert"] = alert
        status["recall_pending"] = _recall_state(status, version) == "pending"
        _warn_drop(alert)
        return status

    def recall(self, version: int | None = None, timeout: float = 600.0,
               poll: float = 0.5) -> dict[str, Any] | None:
        """The held-out figures of index ``version`` (default: the version served now), waiting for
        the server to measure them: a dict with ``version``, ``recall_at_10``, ``recall_at_100``,
        ``ndcg_at_10``, ``queries``, ``best_recall_at_10`` (of the versions before; None for the
        first), ``drop``, ``seconds`` and ``alert`` (None, or the figures and the server's advice when
        recall@10 fell more than ``--recall-drop`` below the best version before it: also warned as
        :class:`RecallDropWarning`).

        Returns None when the server watches no held-out set, or when the version was superseded: a
        newer version was served before its evaluation started, and the server measures only the
        newest one waiting (ask for that one). Raises :class:`QuarryError` (``status`` None) when its
        evaluation failed, ``TimeoutError`` after ``timeout`` seconds.
        """
        if version is None:
            version = self.status()["index_version"]
        status = self._await_recall(version, time.monotonic() + timeout, poll)
        recall, alert = _figures(status, version)
        if recall is None:
            return None
        _warn_drop(alert)
        return {**recall, "alert": alert}

    def _await_recall(self, version: int, deadline: float, poll: float) -> dict[str, Any]:
        """Polls the status until ``version``'s held-out figures are measured, superseded or not
        watched; returns that status."""
        while True:
            status = self.status()
            state = _recall_state(status, version)
            if state == "failed":
                raise QuarryError(None, f"held-out evaluation of index version {version} failed: "
                                  f"{status['heldout'].get('error')}", error="evaluation failed", body=status)
            if state != "pending":
                return status
            if time.monotonic() >= deadline:
                raise TimeoutError(f"held-out figures of index version {version} not measured in time "
                                   f"(evaluating {status['heldout'].get('evaluating_version')}, waiting "
                                   f"{status['heldout'].get('pending_version')})")
            time.sleep(poll)

    def metrics(self) -> str:
        """``GET /metrics``: the server's Prometheus text."""
        _, _, data = self._request("GET", "/metrics")
        return data.decode("utf-8")

    def close(self) -> None:
        """Closes the connection (the next call opens a new one)."""
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._reused = False

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.url!r})"

    # -- HTTP ----------------------------------------------------------------------------------

    def _call_json(self, method: str, path: str, query: list[tuple[str, str]] | None = None,
                   payload: Any = None) -> dict[str, Any]:
        body = None if payload is None else json.dumps(payload, allow_nan=False).encode("utf-8")
        _, _, data = self._request(method, path, query, body, None if body is None else "application/json")
        try:
            answer = json.loads(data)
        except ValueError:
            raise QuarryError(None, f"{method} {path}: the answer is not JSON: {data[:200]!r}") from None
        if not isinstance(answer, dict):
            raise QuarryError(None, f"{method} {path}: the answer is {type(answer).__name__} JSON, "
                                    f"expected an object: {data[:200]!r}")
        return answer

    def _request(self, method: str, path: str, query: list[tuple[str, str]] | None = None,
                 body: bytes | None = None, content_type: str | None = None) -> tuple[int, Any, bytes]:
        url = self._base + path
        if query:
            url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
        headers = dict(self._headers)
        if content_type is not None:
            headers["Content-Type"] = content_type
        retried = 0
        while True:
            status, reply_headers, data = self._exchange(method, url, body, headers)
            if status == 503 and retried < self.retries:
                retried += 1
                time.sleep(min(self.max_retry_wait, _retry_after(reply_headers, default=1.0)))
                continue
            if not 200 <= status < 300:
                raise _error(status, reply_headers, data)
            return status, reply_headers, data

    def _exchange(self, method: str, url: str, body: bytes | None,
                  headers: Mapping[str, str]) -> tuple[int, Any, bytes]:
        for attempt in (0, 1):
            reused = self._reused
            conn = self._connection()
            try:
                conn.request(method, url, body=body, headers=dict(headers))
                response = conn.getresponse()
                data = response.read()
            except _DROPPED:
                self.close()
                if reused and attempt == 0:
                    continue  # the server closed the idle connection: once more on a new one
                raise
            except BaseException:
                self.close()  # the connection's state is unknown (a timeout, an interrupt)
                raise
            if response.will_close:
                self.close()
            else:
                self._reused = True
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            kind = _NoDelayHTTPSConnection if self._https else _NoDelayHTTPConnection
            self._conn = kind(self._host, self._port, timeout=self.timeout)
            self._reused = False
        return self._conn


def _no_delay(conn: http.client.HTTPConnection) -> None:
    # http.client writes a request's headers and its body in two sends; with Nagle's algorithm on, the
    # body's last segment waits for the server's delayed ACK of the headers: about 2 ms a 64-anchor call
    # on loopback (measured), as much as the call's own work.
    if conn.sock is not None:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _NoDelayHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _no_delay(self)


if hasattr(http.client, "HTTPSConnection"):  # absent from a Python built without ssl
    class _NoDelayHTTPSConnection(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            _no_delay(self)


# -- encoding ------------------------------------------------------------------------------------

def _anchor_bytes(anchors: Any) -> tuple[bytes, int]:
    """n x dim float32 little-endian, and n."""
    if _np is not None:
        matrix = _np.ascontiguousarray(anchors, dtype="<f4")
        if matrix.ndim != 2:
            raise ValueError(f"anchors: shape={matrix.shape}, expected (n, dim)")
        return matrix.tobytes(), int(matrix.shape[0])
    flat = array("f")
    dim = -1
    n = 0
    for row in anchors:
        before = len(flat)
        flat.extend(float(v) for v in row)
        width = len(flat) - before
        if dim < 0:
            dim = width
        elif width != dim:
            raise ValueError(f"anchors: row {n} has {width} values, expected {dim} (as row 0)")
        n += 1
    if sys.byteorder == "big":
        flat.byteswap()
    return flat.tobytes(), n


def _anchor_lists(anchors: Any) -> list[list[float]]:
    if _np is not None:
        matrix = _np.asarray(anchors, dtype=_np.float32)
        if matrix.ndim != 2:
            raise ValueError(f"anchors: shape={matrix.shape}, expected (n, dim)")
        rows: list[list[float]] = matrix.tolist()
        return rows
    rows = [[float(v) for v in row] for row in anchors]
    for i, row in enumerate(rows):
        if len(row) != len(rows[0]):
            raise ValueError(f"anchors: row {i} has {len(row)} values, expected {len(rows[0])} (as row 0)")
    return rows


def _positive_lines(positives: Any, n: int) -> list[str]:
    """One line per anchor: its positive ids joined by tabs."""
    if positives is None:
        return [""] * n
    lines = []
    for i, entry in enumerate(positives):
        kind = type(entry)
        if entry is None:
            lines.append("")
        elif kind is str or kind is int or (kind is not list and kind is not tuple
                                             and isinstance(entry, (str, numbers.Integral))):
            lines.append(_id(entry, "positives[%d]" % i))
        else:
            where = "positives[%d]" % i
            lines.append("\t".join([_id(x, where) for x in entry]))
    if len(lines) != n:
        raise ValueError(f"positives: {len(lines)} entries, expected {n} (one per anchor; None for none)")
    return lines


def _ids(values: Iterable[Any], n: int | None, name: str) -> list[str]:
    ids = [_id(v, f"{name}[{i}]") for i, v in enumerate(values)]
    if n is not None and len(ids) != n:
        raise ValueError(f"{name}: {len(ids)} ids, expected {n} (one per anchor)")
    return ids


def _id(value: Any, where: str) -> str:
    # A plain str is checked first and with `in`: a trainer's call names 64 ids or more, and the generic
    # checks (an ABC's isinstance, a generator over the forbidden characters) cost about 90 us a call.
    if type(value) is not str:
        if type(value) is int or isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return str(int(value))
        if not isinstance(value, str):
            raise TypeError(f"{where}: {value!r} is a {type(value).__name__}, expected a corpus id (str)")
    if not value or "\t" in value or "\n" in value or "\r" in value:
        raise ValueError(f"{where}: id={value!r}, expected a non-empty id without tabs or line breaks")
    return value


def _option_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value)


# -- decoding ------------------------------------------------------------------------------------

def _decode_mined(headers: Any, data: bytes, n: int) -> Mined:
    try:
        version = int(headers["Quarry-Index-Version"])
        anchors = int(headers["Quarry-Anchors"])
        k = int(headers["Quarry-Negatives"])
    except (TypeError, ValueError):
        raise QuarryError(None, "malformed mine answer: headers Quarry-Index-Version="
                          f"{headers['Quarry-Index-Version']!r}, Quarry-Anchors={headers['Quarry-Anchors']!r}, "
                          f"Quarry-Negatives={headers['Quarry-Negatives']!r}, expected integers") from None
    if anchors != n:
        raise QuarryError(None, f"malformed mine answer: Quarry-Anchors={anchors}, expected {n}")
    cells = n * k
    if k < 0 or len(data) != 8 * cells:
        raise QuarryError(None, f"malformed mine answer: {len(data)} body bytes, expected {8 * cells} "
                                f"(int32 and float32 [{n} x {k}])")
    if _np is not None:
        ids = _np.frombuffer(data, dtype="<i4", count=cells).reshape(n, k).astype(_np.int32)
        scores = _np.frombuffer(data, dtype="<f4", count=cells, offset=4 * cells).reshape(n, k).astype(_np.float32)
        return Mined(ids, scores, version)
    flat_ids = struct.unpack_from(f"<{cells}i", data)
    flat_scores = struct.unpack_from(f"<{cells}f", data, 4 * cells)
    return Mined([list(flat_ids[i * k:(i + 1) * k]) for i in range(n)],
                 [list(flat_scores[i * k:(i + 1) * k]) for i in range(n)], version)


def _retry_after(headers: Any, default: float) -> float:
    """Seconds a ``Retry-After`` header asks for (delay seconds or an HTTP date)."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        seconds = when.timestamp() - time.time()
    return max(0.0, seconds) if math.isfinite(seconds) else default


def _error(status: int, headers: Any, data: bytes) -> QuarryError:
    text = data.decode("utf-8", "replace")
    try:
        body: Any = json.loads(text) if text else None
    except ValueError:
        body = text
    retry_after = _retry_after(headers, default=math.nan) if status == 503 else math.nan
    retry = None if math.isnan(retry_after) else retry_after
    if isinstance(body, dict):
        error = body.get("error")
        message = body.get("message") or error or http.client.responses.get(status, "error")
        return QuarryError(status, str(message), body.get("field"), body.get("value"), body.get("expected"),
                           error=None if error is None else str(error), retry_after=retry, body=body)
    message = text.strip()[:1000] or http.client.responses.get(status, "error")
    return QuarryError(status, message, retry_after=retry, body=body)
