"""The client against the real ``quarry serve``: what it sends is mined as asked, answers decode, calls share one
connection; the stand-in (fault_proxy.py) only for dropped connections and answers a server would not give."""

from __future__ import annotations

import json
import math
import os
import socket
import struct
import tempfile
import time
import unittest
from pathlib import Path

from fault_proxy import FaultProxy
from support import (CLIENT_TIMEOUT, MAIN_DIM, MAIN_ROWS, TOKEN, NumpyModes, as_lists, catalog_server, corpus_id,
                     load_client, main_corpus, main_server, numpy)

# Settings that make the answer plain to check: every rank, no margin or near-duplicate filter.
PLAIN = {"range_min": 0, "relative_margin": "off", "near_duplicate": "off"}


def dot(x: "tuple[float, ...] | list[float]", y: "tuple[float, ...] | list[float]") -> float:
    return sum(a * b for a, b in zip(x, y))


def refused_url() -> str:
    """A loopback URL nothing listens on: a call that tries to send raises ConnectionRefusedError."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def schema_value(setting: dict) -> object:
    """A value a setting accepts, from the schema's example."""
    example = setting["example"]
    if setting["kind"] == "switch":
        return True
    if setting["kind"] in ("integer", "long"):
        return int(example)
    if setting["kind"] == "number":
        return float(example)
    return example


class ClientCases(NumpyModes):
    """Every case runs twice: with numpy and with numpy hidden."""

    def setUp(self) -> None:
        self.server = main_server()
        self.client = self.qc.Client(self.server.url, token=TOKEN, timeout=CLIENT_TIMEOUT)
        self.addCleanup(self.client.close)
        self.corpus = main_corpus()
        self.mode = "numpy" if self.NUMPY else "lists"

    def anchors(self, rows: object) -> object:
        """Anchors as a user of this mode would pass them: an array with numpy, lists without."""
        rows = [list(r) for r in rows]  # type: ignore[attr-defined]
        return numpy.asarray(rows, dtype=numpy.float32) if self.NUMPY else rows

    def proxy(self) -> FaultProxy:
        proxy = FaultProxy(self.server.url).start()
        self.addCleanup(proxy.stop)
        return proxy

    def proxied_client(self, proxy: FaultProxy, **kwargs: object) -> object:
        client = self.qc.Client(proxy.url, token=TOKEN, timeout=CLIENT_TIMEOUT, **kwargs)
        self.addCleanup(client.close)
        return client

    # -- plain calls ---------------------------------------------------------------------------

    def test_health_and_status_return_the_servers_json(self) -> None:
        self.assertEqual(self.client.health(), {"status": "ok"})
        status = self.client.status()
        self.assertEqual((status["rows"], status["dim"], status["index"], status["refreshing"]),
                         (MAIN_ROWS, MAIN_DIM, "flat", False))
        self.assertEqual(status["corpus"], str(self.server.catalog / "corpus.qvec"))

    def test_the_connection_sends_without_waiting_for_acks(self) -> None:
        # headers and body leave in two writes: Nagle's algorithm would hold the body for a delayed ACK
        self.client.health()
        self.assertNotEqual(self.client._conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 0)

    def test_metrics_returns_prometheus_text(self) -> None:
        self.client.health()
        text = self.client.metrics()
        self.assertIn("# TYPE ", text)
        self.assertTrue(any(line.startswith("quarry_") for line in text.splitlines()), text[:2000])

    # -- binary mining -------------------------------------------------------------------------

    def test_binary_answer_is_row_numbers_and_scores_padded_per_anchor(self) -> None:
        ids, scores, version = self.client.mine(self.anchors(self.corpus[:6]), None, num_negatives=4, **PLAIN)
        self.assertEqual(version, self.client.status()["index_version"])
        rows, values = as_lists(ids), as_lists(scores)
        for i in range(6):
            # No positive: an anchor that is a corpus row finds that row first, scoring 1.
            self.assertEqual(rows[i][0], i)
            self.assertAlmostEqual(values[i][0], 1.0, places=5)
            self.assertEqual(values[i], sorted(values[i], reverse=True))
            for r, s in zip(rows[i], values[i]):
                self.assertAlmostEqual(s, dot(self.corpus[i], self.corpus[r]), places=5)
        if self.NUMPY:
            self.assertEqual((ids.dtype, ids.shape, scores.dtype, scores.shape),
                             (numpy.dtype("int32"), (6, 4), numpy.dtype("float32"), (6, 4)))
            ids[0, 0] = 9  # the arrays are the caller's to change
        else:
            self.assertIsInstance(ids, list)

    def test_padding_marks_anchors_that_got_fewer_negatives(self) -> None:
        positives = [[corpus_id(i)] for i in range(8)]
        ids, scores, _ = self.client.mine(self.anchors(self.corpus[:8]), positives, num_negatives=5,
                                          min_score=0.6, **PLAIN)
        for i, (row_ids, row_scores) in enumerate(zip(as_lists(ids), as_lists(scores))):
            found = [r for r in row_ids if r >= 0]
            self.assertEqual(row_ids, found + [-1] * (5 - len(found)))
            self.assertNotIn(i, found)  # the positive is never a negative
            self.assertTrue(all(s >= 0.6 for s in row_scores[:len(found)]))
            self.assertTrue(all(math.isnan(s) for s in row_scores[len(found):]))
        self.assertTrue(any(r < 0 for row in as_lists(ids) for r in row), "min_score 0.6 in 8 dimensions leaves gaps")

    def test_positives_take_lists_single_ids_ints_and_none(self) -> None:
        ids, _, _ = self.client.mine(self.anchors(self.corpus[:4]), [[corpus_id(0)], corpus_id(1), None, 1003],
                                     num_negatives=3, **PLAIN)
        rows = as_lists(ids)
        self.assertNotIn(0, rows[0])
        self.assertNotIn(1, rows[1])
        self.assertEqual(rows[2][0], 2)  # no positive: the anchor's own row comes first
        self.assertNotIn(3, rows[3])     # the int 1003 is the id "1003", row 3
        ids, _, _ = self.client.mine(self.anchors(self.corpus[:2]), None, num_negatives=1, **PLAIN)
        self.assertEqual([row[0] for row in as_lists(ids)], [0, 1])

    def test_every_setting_of_the_schema_goes_out_by_its_name(self) -> None:
        with open(os.path.join(os.path.dirname(self.qc.__file__), "schema.json"), encoding="utf-8") as f:
            settings = [s for s in json.load(f)["settings"] if "python" in s["names"]]
        self.assertEqual([s["names"]["python"] for s in settings], list(self.qc.MINE_OPTIONS))
        anchors = self.anchors(self.corpus[:2])
        for s in settings:
            name = s["names"]["python"]
            for binary in (True, False):
                with self.subTest(setting=name, binary=binary):
                    ids, _, _ = self.client.mine(anchors, None, binary=binary, **{name: schema_value(s)})
                    self.assertEqual(len(ids), 2)
                    with self.assertRaises(self.qc.QuarryError) as caught:
                        self.client.mine(anchors, None, binary=binary, **{name: "x"})
                    e = caught.exception
                    self.assertEqual((e.status, e.field, e.value), (400, s["names"]["http"], "x"), e)

    def test_bad_arguments_fail_before_sending(self) -> None:
        cases = [
            ((self.anchors(self.corpus[:2]), [[corpus_id(0)]]), {}, ValueError),  # one positive entry short
            ((self.anchors(self.corpus[:1]), [["d\t0"]]), {}, ValueError),        # a tab inside an id
            ((self.anchors(self.corpus[:1]), [[b"d0"]]), {}, TypeError),          # bytes are not an id
            ((self.anchors(self.corpus[:1]), None), {"anchor_ids": ["a", "b"]}, ValueError),
            (([[0.1, 0.2], [0.3]], None), {}, ValueError),                        # ragged rows
            ((self.anchors(self.corpus[:1]), None), {"num_negativs": 3}, TypeError),  # not a setting
            ((self.anchors(self.corpus[:1]), None), {"n": 3}, TypeError),         # the client's own field
        ]
        with self.qc.Client(refused_url()) as nowhere:
            for args, kwargs, error in cases:
                for binary in (True, False):
                    with self.subTest(args=args, kwargs=kwargs, binary=binary), self.assertRaises(error):
                        nowhere.mine(*args, binary=binary, **kwargs)

    def test_a_malformed_answer_raises_quarry_error(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        proxy.answer(200, b"\x00" * 12, {"Quarry-Index-Version": "1", "Quarry-Anchors": "1", "Quarry-Negatives": "1"},
                     content_type="application/octet-stream")
        with self.assertRaises(self.qc.QuarryError) as caught:
            client.mine(self.anchors(self.corpus[:1]), None)
        self.assertIsNone(caught.exception.status)
        self.assertIn("12 body bytes, expected 8", caught.exception.message)
        one = struct.pack("<i", 1) + struct.pack("<f", 0.5)
        proxy.answer(200, one, {"Quarry-Index-Version": "1", "Quarry-Anchors": "2", "Quarry-Negatives": "1"},
                     content_type="application/octet-stream")
        with self.assertRaises(self.qc.QuarryError) as caught:
            client.mine(self.anchors(self.corpus[:1]), None)
        self.assertIn("Quarry-Anchors=2, expected 1", caught.exception.message)

    # -- JSON mining ---------------------------------------------------------------------------

    def test_json_answer_names_corpus_ids_with_scores_ranks_and_shortfall(self) -> None:
        positives = [[corpus_id(i)] for i in range(3)]
        answer = self.client.mine_json(self.anchors(self.corpus[:3]), positives, num_negatives=3, range_min=2,
                                       relative_margin="off", near_duplicate="off")
        self.assertLessEqual({"index_version", "negatives", "scores", "ranks", "shortfall"}, set(answer))
        for i in range(3):
            self.assertEqual(len(answer["negatives"][i]), 3)
            self.assertNotIn(corpus_id(i), answer["negatives"][i])
            self.assertTrue(all(rank >= 2 for rank in answer["ranks"][i]), answer["ranks"][i])
            for doc, score in zip(answer["negatives"][i], answer["scores"][i]):
                self.assertAlmostEqual(score, dot(self.corpus[i], self.corpus[int(doc) - 1000]), places=5)
        self.assertEqual(answer["shortfall"], ["none"] * 3)

    def test_json_and_binary_answers_agree(self) -> None:
        anchors = self.anchors(self.corpus[10:14])
        positives = [[corpus_id(10)], [corpus_id(11)], [corpus_id(12), corpus_id(3)], []]
        options = {"num_negatives": 4, "range_min": 2, "relative_margin": 0.02}
        rows, scores, version = self.client.mine(anchors, positives, **options)
        ids, json_scores, json_version = self.client.mine(anchors, positives, binary=False, **options)
        self.assertEqual(version, json_version)
        for row_ids, row_scores, names, named_scores in zip(as_lists(rows), as_lists(scores), ids, json_scores):
            found = [r for r in row_ids if r >= 0]
            self.assertEqual([corpus_id(r) for r in found], names)
            for a, b in zip(row_scores, named_scores):
                self.assertAlmostEqual(a, b, places=5)

    # -- the negatives store -------------------------------------------------------------------

    def test_negatives_come_back_by_anchor_id(self) -> None:
        names = [f"{self.mode}-stored-{i}" for i in range(2)]
        rows, scores, version = self.client.mine(self.anchors(self.corpus[:2]), [[corpus_id(0)], [corpus_id(1)]],
                                                 anchor_ids=names, num_negatives=2, range_min=0)
        stored = self.client.negatives([*names, f"{self.mode}-nobody"])
        self.assertIsNone(stored[f"{self.mode}-nobody"])
        for i, anchor in enumerate(names):
            self.assertEqual(stored[anchor]["ids"], [corpus_id(r) for r in as_lists(rows)[i]])
            self.assertEqual(stored[anchor]["index_version"], version)
            for a, b in zip(stored[anchor]["scores"], as_lists(scores)[i]):
                self.assertAlmostEqual(a, b, places=5)
        self.assertEqual(set(self.client.negatives(names[0])), {names[0]})

    def test_json_mining_keeps_negatives_under_anchor_ids_too(self) -> None:
        name = f"{self.mode}-json-stored"
        answer = self.client.mine_json(self.anchors(self.corpus[5:6]), [[corpus_id(5)]], anchor_ids=[name],
                                       num_negatives=2, range_min=0)
        self.assertEqual(self.client.negatives([name])[name]["ids"], answer["negatives"][0])

    def test_many_anchor_ids_are_asked_in_several_requests_on_one_connection(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        wanted = [f"{self.mode}-anchor-{i:05d}-with-a-long-name" for i in range(400)]
        found = client.negatives(wanted)
        self.assertEqual(list(found), wanted)
        self.assertEqual(set(found.values()), {None})
        asked = [r for r in proxy.requests if r.path == "/v1/negatives"]
        self.assertGreater(len(asked), 1)
        self.assertTrue(all(len("&".join(f"{k}={v}" for k, v in r.query)) <= 4100 for r in asked))
        self.assertEqual(proxy.connections, 1)

    def test_no_negatives_store_is_a_404_with_the_servers_message(self) -> None:
        with self.qc.Client(catalog_server().url, timeout=CLIENT_TIMEOUT) as client:
            with self.assertRaises(self.qc.QuarryError) as caught:
                client.negatives(["q0"])
        self.assertEqual((caught.exception.status, caught.exception.error), (404, "no_store"))
        self.assertIn("negatives store", caught.exception.message)

    # -- auth ----------------------------------------------------------------------------------

    def test_the_token_goes_out_as_a_bearer_header_and_none_is_refused(self) -> None:
        with self.qc.Client(self.server.url, token=TOKEN + "\n", timeout=CLIENT_TIMEOUT) as client:
            self.assertEqual(client.status()["rows"], MAIN_ROWS)
        for token in (None, "not-the-token-of-this-server"):
            with self.subTest(token=token), self.qc.Client(self.server.url, token=token) as client:
                with self.assertRaises(self.qc.QuarryError) as caught:
                    client.status()
                self.assertEqual((caught.exception.status, caught.exception.error), (401, "unauthorized"))

    # -- connections ---------------------------------------------------------------------------

    def test_one_connection_serves_many_calls(self) -> None:
        self.client.health()
        first = self.client._conn.sock
        for i in range(10):
            self.client.mine(self.anchors(self.corpus[i:i + 3]), None, num_negatives=2)
            self.client.mine(self.anchors(self.corpus[i:i + 1]), [[corpus_id(0)]], binary=False)
            self.client.status()
        self.client.negatives(["q0"])
        with self.assertRaises(self.qc.QuarryError):
            self.client.mine(self.anchors(self.corpus[:1]), None, num_negatives=0)  # an error answer keeps it too
        self.client.health()
        self.assertIs(self.client._conn.sock, first)

    def test_reconnects_once_when_the_server_closed_an_idle_connection(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        proxy.close_after_each = True  # closes after answering, without "Connection: close"
        for _ in range(3):
            self.assertEqual(client.health(), {"status": "ok"})
        self.assertEqual(proxy.connections, 3)

    def test_a_connection_dropped_again_after_reconnecting_raises(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        client.health()
        proxy.drop()
        proxy.drop()
        with self.assertRaises(ConnectionError):
            client.health()
        self.assertEqual(len(proxy.requests), 3)  # the first call, then the call and its one retry
        self.assertEqual(client.health(), {"status": "ok"})

    def test_a_new_connection_dropped_raises_without_retrying(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        proxy.drop()
        with self.assertRaises(ConnectionError):
            client.status()
        self.assertEqual(len(proxy.requests), 1)

    def test_connection_refused_raises_oserror(self) -> None:
        with self.qc.Client(refused_url(), timeout=CLIENT_TIMEOUT) as client, self.assertRaises(OSError):
            client.health()

    # -- refresh -------------------------------------------------------------------------------

    def write_into_catalog(self, name: str, rows: object) -> Path:
        """A corpus file in the served catalog (the server refreshes from there), removed after the test."""
        path = self.server.catalog / f"{self.mode}-{name}.qvec"
        self.addCleanup(lambda: [p.unlink() for p in self.server.catalog.glob(path.name + "*")])
        self.qc.write_qvec(path, self.anchors(rows))
        return path

    def serve_the_main_corpus_again(self) -> None:
        status = self.client.refresh(self.server.catalog / "corpus.qvec")
        self.assertEqual(status["corpus"], str(self.server.catalog / "corpus.qvec"))

    def test_refresh_waits_for_the_new_index_version_and_mining_uses_it(self) -> None:
        before = self.client.status()["index_version"]
        path = self.write_into_catalog("flipped", [[-v for v in row] for row in self.corpus])
        status = self.client.refresh(path, poll=0.05)
        self.addCleanup(self.serve_the_main_corpus_again)
        self.assertEqual((status["index_version"], status["refreshing"], status["corpus"]), (before + 1, False, str(path)))
        rows, scores, version = self.client.mine(self.anchors(self.corpus[:1]), None, num_negatives=1, **PLAIN)
        self.assertEqual(version, before + 1)
        # Against the flipped corpus the top row is the one farthest from the anchor in the first.
        dots = [dot(self.corpus[0], row) for row in self.corpus]
        self.assertEqual(as_lists(rows)[0][0], dots.index(min(dots)))
        self.assertAlmostEqual(as_lists(scores)[0][0], -min(dots), places=5)

    def test_refresh_without_waiting_returns_the_servers_answer_at_once(self) -> None:
        before = self.client.status()["index_version"]
        path = self.write_into_catalog("again", self.corpus)
        self.assertEqual(self.client.refresh(path, retrain=True, wait=False),
                         {"refresh": "started", "index_version": before})
        self.addCleanup(self.serve_the_main_corpus_again)
        deadline = time.monotonic() + CLIENT_TIMEOUT
        status = self.client.status()
        while status["index_version"] == before or status["refreshing"]:  # it runs on: wait for it to end
            self.assertLess(time.monotonic(), deadline, f"the refresh did not finish: {status}")
            time.sleep(0.05)
            status = self.client.status()
        self.assertEqual((status["index_version"], status["corpus"]), (before + 1, str(path)))

    def test_a_corpus_of_other_rows_is_refused_at_once(self) -> None:
        before = self.client.status()["index_version"]
        path = self.write_into_catalog("short", self.corpus[:5])
        with self.assertRaises(self.qc.QuarryError) as caught:
            self.client.refresh(path)
        self.assertEqual(caught.exception.status, 400)
        self.assertIn(f"5 x {MAIN_DIM}", caught.exception.message)
        self.assertEqual(self.client.status()["index_version"], before)

    def test_a_refresh_that_fails_on_the_server_raises_its_refresh_error(self) -> None:
        before = self.client.status()["index_version"]
        path = self.write_into_catalog("nan", self.corpus)
        with open(path, "r+b") as f:  # row 7 becomes NaN: the shape is right, the server finds it reading rows
            f.seek(4096 + 7 * MAIN_DIM * 4)
            f.write(struct.pack("<f", math.nan))
        with self.assertRaises(self.qc.QuarryError) as caught:
            self.client.refresh(path, poll=0.02)
        self.assertIsNone(caught.exception.status)
        self.assertIn(f"refresh of {path} failed", caught.exception.message)
        self.assertEqual(self.client.status()["index_version"], before)

    def test_a_refresh_already_running_is_a_409(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        proxy.answer(409, {"error": "refresh_running", "message": "a refresh is running already"})
        with self.assertRaises(self.qc.QuarryError) as caught:
            client.refresh("/data/c.qvec")
        self.assertEqual((caught.exception.status, caught.exception.error), (409, "refresh_running"))

    def test_a_refresh_that_outlasts_its_timeout_raises_timeout_error(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        proxy.answer(202, {"refresh": "started", "index_version": 1}, path="/v1/refresh")
        proxy.answer(200, {"index_version": 1, "refreshing": True, "refresh_error": None}, path="/v1/status")
        with self.assertRaises(TimeoutError):
            client.refresh("/data/c.qvec", poll=0.02, timeout=0.2)


    # -- held-out recall ------------------------------------------------------------------------

    def heldout_status(self, **heldout: object) -> dict[str, object]:
        figures = {"recall_at_10": 0.8, "recall_at_100": 0.9, "ndcg_at_10": 0.7, "queries": 40, "seconds": 1.0}
        base: dict[str, object] = {"history": [{"version": 1, **figures, "best_recall_at_10": None, "drop": False},
                                               {"version": 2, **figures, "recall_at_10": 0.5,
                                                "best_recall_at_10": 0.8, "drop": True}],
                                   "evaluating_version": None, "pending_version": None, "error": None,
                                   "error_version": None, "alert": None, "advice": "use confidence filtering"}
        base.update(heldout)
        return {"index_version": 4, "refreshing": False, "refresh_error": None, "heldout": base}

    def test_recall_of_a_version_superseded_before_its_evaluation_started_is_none(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        proxy.answer(200, self.heldout_status(evaluating_version=4), path="/v1/status")
        self.assertIsNone(client.recall(3, timeout=5, poll=0.02))

    def test_recall_of_a_measured_version_returns_its_figures_and_warns_its_drop(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        proxy.answer(200, self.heldout_status(), path="/v1/status")
        with self.assertWarns(self.qc.RecallDropWarning) as warned:
            figures = client.recall(2, timeout=5, poll=0.02)
        self.assertIn("use confidence filtering", str(warned.warning))
        self.assertEqual((figures["recall_at_10"], figures["alert"]["best_recall_at_10"]), (0.5, 0.8))
        self.assertIsNone(client.recall(1, timeout=5, poll=0.02)["alert"])

    def test_recall_still_being_measured_raises_timeout_error_after_its_timeout(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        proxy.answer(200, self.heldout_status(evaluating_version=3, pending_version=4), path="/v1/status")
        with self.assertRaises(TimeoutError) as caught:
            client.recall(4, timeout=0.2, poll=0.02)
        self.assertIn("index version 4", str(caught.exception))

    def test_recall_of_a_version_whose_evaluation_failed_raises_its_error(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        proxy.answer(200, self.heldout_status(error="no space left", error_version=3), path="/v1/status")
        with self.assertRaises(self.qc.QuarryError) as caught:
            client.recall(3, timeout=5, poll=0.02)
        self.assertIn("no space left", caught.exception.message)

    def test_recall_without_a_heldout_set_is_none(self) -> None:
        proxy = self.proxy()
        client = self.proxied_client(proxy)
        proxy.answer(200, {"index_version": 2, "refreshing": False, "heldout": None}, path="/v1/status")
        self.assertIsNone(client.recall(timeout=5, poll=0.02))


class ClientWithNumpy(ClientCases, unittest.TestCase):
    NUMPY = True


class ClientWithoutNumpy(ClientCases, unittest.TestCase):
    NUMPY = False


class ClientSetup(unittest.TestCase):
    def test_rejects_urls_it_cannot_use(self) -> None:
        qc = load_client(False)
        for url in ["127.0.0.1:7700", "ftp://host/", "http://"]:
            with self.subTest(url=url), self.assertRaises(ValueError):
                qc.Client(url)

    def test_a_path_prefix_is_kept(self) -> None:
        qc = load_client(False)
        with FaultProxy(main_server().url) as proxy, qc.Client(proxy.url + "/quarry/", token=TOKEN) as client:
            with self.assertRaises(qc.QuarryError) as caught:
                client.health()
            self.assertEqual(caught.exception.status, 404)
            self.assertEqual(proxy.paths(), ["/quarry/v1/health"])


if __name__ == "__main__":
    unittest.main()
