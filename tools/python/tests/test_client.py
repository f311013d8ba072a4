"""The client against a fake server: requests byte for byte, answers decoded, connections kept."""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import time
import unittest

from fake_server import FakeQuarry
from support import NumpyModes, as_lists, numpy, unit_rows

DIM = 4
CORPUS = unit_rows(40, DIM, seed=3)


class ClientCases(NumpyModes):
    """Every case runs twice: with numpy and with numpy hidden."""

    def setUp(self) -> None:
        self.fake = FakeQuarry(CORPUS).start()
        self.addCleanup(self.fake.stop)
        self.client = self.qc.Client(self.fake.url, timeout=5.0)
        self.addCleanup(self.client.close)

    def anchors(self, rows: list[list[float]]) -> object:
        """Anchors as a user of this mode would pass them: an array with numpy, lists without."""
        return numpy.asarray(rows, dtype=numpy.float32) if self.NUMPY else rows

    def mine_requests(self) -> list:
        return [r for r in self.fake.requests if r.path == "/v1/mine"]

    # -- plain calls ---------------------------------------------------------------------------

    def test_health_and_status_return_the_servers_json(self) -> None:
        self.assertEqual(self.client.health(), {"status": "ok"})
        status = self.client.status()
        self.assertEqual((status["index_version"], status["rows"], status["dim"], status["refreshing"]),
                         (1, 40, DIM, False))

    def test_the_connection_sends_without_waiting_for_acks(self) -> None:
        # headers and body leave in two writes: Nagle's algorithm would hold the body for a delayed ACK
        import socket
        self.client.health()
        self.assertNotEqual(self.client._conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 0)

    def test_metrics_returns_prometheus_text(self) -> None:
        self.client.health()
        self.assertIn('quarry_requests_total{path="/v1/health"} 1', self.client.metrics())

    # -- binary mining: the request ------------------------------------------------------------

    def test_binary_request_is_vectors_then_positive_lines_byte_for_byte(self) -> None:
        rows = [[1.0, -2.5, 0.0, 0.25], [0.5, 0.5, -0.5, 3.0]]
        self.client.mine(self.anchors(rows), [["d1", "d2"], []], num_negatives=2, range_min=0,
                         relative_margin="off", near_duplicate=0.95, seed=7)
        (request,) = self.mine_requests()
        self.assertEqual(request.method, "POST")
        self.assertEqual(request.query, [("n", "2"), ("num_negatives", "2"), ("range_min", "0"),
                                         ("relative_margin", "off"), ("near_duplicate", "0.95"), ("seed", "7")])
        self.assertEqual(request.headers["Content-Type"], "application/octet-stream")
        expected = struct.pack("<8f", 1.0, -2.5, 0.0, 0.25, 0.5, 0.5, -0.5, 3.0) + b"d1\td2\n\n"
        self.assertEqual(request.body, expected)
        self.assertEqual(int(request.headers["Content-Length"]), len(expected))

    def test_anchor_ids_follow_the_positive_lines(self) -> None:
        self.client.mine(self.anchors(CORPUS[:2]), ["d0", "d1"], anchor_ids=["q0", "q 1"])
        (request,) = self.mine_requests()
        self.assertIn(("with-anchor-ids", "true"), request.query)
        self.assertEqual(request.body[2 * DIM * 4:], "d0\nd1\nq0\nq 1\n".encode())

    def test_positives_take_lists_single_ids_ints_and_none(self) -> None:
        self.fake.script_mined([[1]] * 4, [[0.5]] * 4, version=1)
        self.client.mine(self.anchors(CORPUS[:4]), [["d1"], "d2", None, 7])
        self.fake.script_mined([[1]] * 2, [[0.5]] * 2, version=1)
        self.client.mine(self.anchors(CORPUS[:2]), None)
        first, second = self.mine_requests()
        self.assertEqual(first.body[4 * DIM * 4:], b"d1\nd2\n\n7\n")
        self.assertEqual(second.body[2 * DIM * 4:], b"\n\n")

    def test_options_go_out_by_their_schema_names(self) -> None:
        self.client.mine(self.anchors(CORPUS[:1]), [["d0"]], num_negatives=3, range_min=0, range_max=20,
                         min_score=0.1, max_score="off", absolute_margin=0.05, relative_margin="off",
                         near_duplicate="off", sampling_strategy="random", seed=11, nprobe=4, max_rank=None)
        (request,) = self.mine_requests()
        self.assertEqual([name for name, _ in request.query],
                         ["n", "num_negatives", "range_min", "range_max", "min_score", "max_score",
                          "absolute_margin", "relative_margin", "near_duplicate", "sampling_strategy", "seed",
                          "nprobe"])
        self.assertEqual(dict(request.query)["min_score"], "0.1")

    def test_bad_arguments_fail_before_sending(self) -> None:
        cases = [
            ((self.anchors(CORPUS[:2]), [["d0"]]), {}, ValueError),                # one positive entry short
            ((self.anchors(CORPUS[:1]), [["d\t0"]]), {}, ValueError),              # a tab inside an id
            ((self.anchors(CORPUS[:1]), [[b"d0"]]), {}, TypeError),                # bytes are not an id
            ((self.anchors(CORPUS[:1]), None), {"n": 3}, ValueError),             # the client's own field
            ((self.anchors(CORPUS[:1]), None), {"anchor_ids": ["a", "b"]}, ValueError),
            (([[0.1, 0.2], [0.3]], None), {}, ValueError),                         # ragged rows
        ]
        for args, kwargs, error in cases:
            with self.subTest(args=args, kwargs=kwargs), self.assertRaises(error):
                self.client.mine(*args, **kwargs)
        self.assertEqual(self.mine_requests(), [])

    # -- binary mining: the answer -------------------------------------------------------------

    def test_answer_decodes_row_numbers_and_scores_with_their_padding(self) -> None:
        self.fake.script_mined([[5, 3, -1], [-1, -1, -1], [0, 1, 2]],
                               [[0.75, 0.5, math.nan], [math.nan] * 3, [0.25, -0.125, -1.0]], version=7)
        ids, scores, version = self.client.mine(self.anchors(CORPUS[:3]), None)
        self.assertEqual(version, 7)
        self.assertEqual(as_lists(ids), [[5, 3, -1], [-1, -1, -1], [0, 1, 2]])
        flat = [s for row in as_lists(scores) for s in row]
        self.assertEqual([math.isnan(s) for s in flat], [False, False, True, True, True, True, False, False, False])
        self.assertEqual([s for s in flat if not math.isnan(s)], [0.75, 0.5, 0.25, -0.125, -1.0])
        if self.NUMPY:
            self.assertEqual((ids.dtype, ids.shape, scores.dtype, scores.shape),
                             (numpy.dtype("int32"), (3, 3), numpy.dtype("float32"), (3, 3)))
            ids[0, 0] = 9  # the arrays are the caller's to change
        else:
            self.assertIsInstance(ids, list)

    def test_padding_marks_anchors_that_got_fewer_negatives(self) -> None:
        ids, scores, _ = self.client.mine(self.anchors(CORPUS[:6]), [[f"d{i}"] for i in range(6)],
                                          num_negatives=5, range_min=0, relative_margin="off",
                                          near_duplicate="off", min_score=0.8)
        for row_ids, row_scores in zip(as_lists(ids), as_lists(scores)):
            found = [r for r in row_ids if r >= 0]
            self.assertEqual(row_ids, found + [-1] * (5 - len(found)))
            self.assertTrue(all(s >= 0.8 for s in row_scores[:len(found)]))
            self.assertTrue(all(math.isnan(s) for s in row_scores[len(found):]))
        self.assertTrue(any(r < 0 for row in as_lists(ids) for r in row), "min-score 0.8 should leave gaps")

    def test_malformed_answer_raises_quarry_error(self) -> None:
        self.fake.script(200, b"\x00" * 12, {"Quarry-Index-Version": "1", "Quarry-Anchors": "1",
                                             "Quarry-Negatives": "1"}, content_type="application/octet-stream")
        with self.assertRaises(self.qc.QuarryError) as caught:
            self.client.mine(self.anchors(CORPUS[:1]), None)
        self.assertIsNone(caught.exception.status)
        self.assertIn("12 body bytes, expected 8", caught.exception.message)
        self.fake.script_mined([[1]], [[0.5]], version=1, anchors=2)
        with self.assertRaises(self.qc.QuarryError):
            self.client.mine(self.anchors(CORPUS[:1]), None)

    # -- JSON mining ---------------------------------------------------------------------------

    def test_json_request_carries_anchors_positives_ids_and_options(self) -> None:
        rows = [[1.0, -2.5, 0.0, 0.25]]
        self.client.mine(self.anchors(rows), [["d1", "d2"]], anchor_ids=["q9"], binary=False, num_negatives=2,
                         relative_margin="off", seed=5)
        (request,) = self.mine_requests()
        self.assertEqual(request.headers["Content-Type"], "application/json")
        self.assertEqual(request.query, [])
        self.assertEqual(json.loads(request.body), {"anchors": rows, "positives": [["d1", "d2"]],
                                                    "anchor_ids": ["q9"], "num_negatives": 2,
                                                    "relative_margin": "off", "seed": 5})

    def test_json_and_binary_answers_agree(self) -> None:
        anchors = self.anchors(CORPUS[10:14])
        positives = [["d10"], ["d11"], ["d12", "d3"], []]
        options = {"num_negatives": 4, "range_min": 2, "relative_margin": 0.02}
        rows, scores, version = self.client.mine(anchors, positives, **options)
        ids, json_scores, json_version = self.client.mine(anchors, positives, binary=False, **options)
        self.assertEqual(version, json_version)
        for row_ids, row_scores, names, named_scores in zip(as_lists(rows), as_lists(scores), ids, json_scores):
            found = [r for r in row_ids if r >= 0]
            self.assertEqual([f"d{r}" for r in found], names)
            for a, b in zip(row_scores, named_scores):
                self.assertAlmostEqual(a, b, places=5)
        full = self.client.mine_json(anchors, positives, **options)
        self.assertEqual(set(full), {"index_version", "negatives", "scores", "ranks", "shortfall"})
        self.assertTrue(all(rank >= 2 for ranks in full["ranks"] for rank in ranks))

    # -- the negatives store -------------------------------------------------------------------

    def test_negatives_come_back_by_anchor_id(self) -> None:
        rows, scores, version = self.client.mine(self.anchors(CORPUS[:2]), [["d0"], ["d1"]], anchor_ids=["q0", "q1"],
                                                 num_negatives=2, range_min=0)
        stored = self.client.negatives(["q0", "q1", "nobody"])
        self.assertIsNone(stored["nobody"])
        for i, anchor in enumerate(["q0", "q1"]):
            self.assertEqual(stored[anchor]["ids"], [f"d{r}" for r in as_lists(rows)[i]])
            self.assertEqual(stored[anchor]["index_version"], version)
        self.assertEqual(set(self.client.negatives("q0")), {"q0"})

    def test_many_anchor_ids_are_asked_in_several_requests(self) -> None:
        wanted = [f"anchor-{i:05d}-with-a-long-name" for i in range(400)]
        found = self.client.negatives(wanted)
        self.assertEqual(list(found), wanted)
        asked = [r for r in self.fake.requests if r.path == "/v1/negatives"]
        self.assertGreater(len(asked), 1)
        self.assertTrue(all(len("&".join(f"{k}={v}" for k, v in r.query)) <= 4100 for r in asked))
        self.assertEqual(self.fake.connections, 1)

    def test_no_negatives_store_is_a_404_with_the_servers_message(self) -> None:
        fake = FakeQuarry(CORPUS, negatives_store=False).start()
        self.addCleanup(fake.stop)
        with self.qc.Client(fake.url) as client, self.assertRaises(self.qc.QuarryError) as caught:
            client.negatives(["q0"])
        self.assertEqual((caught.exception.status, caught.exception.error), (404, "no negatives store"))

    # -- auth ----------------------------------------------------------------------------------

    def test_token_goes_out_as_a_bearer_header(self) -> None:
        fake = FakeQuarry(CORPUS, token="s3cret").start()
        self.addCleanup(fake.stop)
        with self.qc.Client(fake.url, token="s3cret\n") as client:
            self.assertEqual(client.health(), {"status": "ok"})
        self.assertEqual(fake.requests[0].headers["Authorization"], "Bearer s3cret")
        with self.qc.Client(fake.url) as client, self.assertRaises(self.qc.QuarryError) as caught:
            client.status()
        self.assertEqual((caught.exception.status, caught.exception.error), (401, "unauthorized"))
        self.assertNotIn("Authorization", fake.requests[1].headers)

    # -- connections ---------------------------------------------------------------------------

    def test_one_connection_serves_many_calls(self) -> None:
        for i in range(10):
            self.client.health()
            self.client.mine(self.anchors(CORPUS[i:i + 3]), None, num_negatives=2)
            self.client.mine(self.anchors(CORPUS[i:i + 1]), [["d0"]], binary=False)
            self.client.status()
        self.client.negatives(["q0"])
        with self.assertRaises(self.qc.QuarryError):
            self.client.mine(self.anchors(CORPUS[:1]), None, num_negatives=0)  # an error answer keeps it too
        self.client.health()
        self.assertEqual(len(self.fake.requests), 43)
        self.assertEqual(self.fake.connections, 1)

    def test_reconnects_once_when_the_server_closed_an_idle_connection(self) -> None:
        self.fake.close_after_each = True  # closes after answering, without "Connection: close"
        for _ in range(3):
            self.assertEqual(self.client.health(), {"status": "ok"})
            time.sleep(0.05)
        self.assertEqual(self.fake.connections, 3)

    def test_a_connection_dropped_again_after_reconnecting_raises(self) -> None:
        self.client.health()
        self.fake.script(None)
        self.fake.script(None)
        with self.assertRaises(ConnectionError):
            self.client.health()
        self.assertEqual(len(self.fake.requests), 3)  # the first call, then the call and its one retry
        self.assertEqual(self.client.health(), {"status": "ok"})

    def test_a_new_connection_dropped_raises_without_retrying(self) -> None:
        self.fake.script(None)
        with self.assertRaises(ConnectionError):
            self.client.status()
        self.assertEqual(len(self.fake.requests), 1)

    def test_connection_refused_raises_oserror(self) -> None:
        url = self.fake.url
        self.fake.stop()
        with self.qc.Client(url, timeout=2.0) as client, self.assertRaises(OSError):
            client.health()

    # -- refresh -------------------------------------------------------------------------------

    def test_refresh_waits_for_the_new_index_version_and_mining_uses_it(self) -> None:
        self.fake.refresh_delay = 0.3
        flipped = [[-v for v in row] for row in CORPUS]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "corpus-2.qvec")
            self.qc.write_qvec(path, self.anchors(flipped))
            before = time.monotonic()
            status = self.client.refresh(path, poll=0.05)
            self.assertGreaterEqual(time.monotonic() - before, 0.25)
        self.assertEqual((status["index_version"], status["refreshing"], status["corpus"]), (2, False, path))
        self.assertEqual(json.loads(self.fake.requests[0].body), {"corpus": path, "retrain": False})
        rows, scores, version = self.client.mine(self.anchors(CORPUS[:1]), None, num_negatives=1, range_min=0,
                                                 near_duplicate="off")
        self.assertEqual(version, 2)
        # Against the flipped corpus the top row is the one farthest from the anchor in the first.
        dots = [sum(a * b for a, b in zip(CORPUS[0], row)) for row in CORPUS]
        self.assertEqual(as_lists(rows)[0][0], dots.index(min(dots)))
        self.assertAlmostEqual(as_lists(scores)[0][0], -min(dots), places=5)

    def test_refresh_without_waiting_returns_the_servers_answer_and_a_second_one_is_409(self) -> None:
        self.fake.refresh_delay = 0.5
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.qvec")
            self.qc.write_qvec(path, self.anchors(CORPUS))
            self.assertEqual(self.client.refresh(path, retrain=True, wait=False),
                             {"refresh": "started", "index_version": 1})
            self.assertEqual(json.loads(self.fake.requests[0].body), {"corpus": path, "retrain": True})
            with self.assertRaises(self.qc.QuarryError) as caught:
                self.client.refresh(path)
            self.assertEqual(caught.exception.status, 409)
            self.assertTrue(self.client.status()["refreshing"])

    def test_failed_refresh_raises_the_servers_refresh_error(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "short.qvec")
            self.qc.write_qvec(path, self.anchors(CORPUS[:5]))
            with self.assertRaises(self.qc.QuarryError) as caught:
                self.client.refresh(path, poll=0.02)
        self.assertIsNone(caught.exception.status)
        self.assertIn("5 rows x 4, expected the served corpus's 40 rows", caught.exception.message)
        self.assertEqual(self.client.status()["index_version"], 1)

    def test_refresh_that_outlasts_its_timeout_raises_timeout_error(self) -> None:
        self.fake.refresh_delay = 2.0
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.qvec")
            self.qc.write_qvec(path, self.anchors(CORPUS))
            with self.assertRaises(TimeoutError):
                self.client.refresh(path, poll=0.05, timeout=0.2)


class ClientWithNumpy(ClientCases, unittest.TestCase):
    NUMPY = True


class ClientWithoutNumpy(ClientCases, unittest.TestCase):
    NUMPY = False


class ClientSetup(unittest.TestCase):
    def test_rejects_urls_it_cannot_use(self) -> None:
        from quarry_client import Client

        for url in ["127.0.0.1:7700", "ftp://host/", "http://"]:
            with self.subTest(url=url), self.assertRaises(ValueError):
                Client(url)

    def test_path_prefix_is_kept(self) -> None:
        from quarry_client import Client, QuarryError

        with FakeQuarry(CORPUS) as fake, Client(fake.url + "/quarry/") as client:
            with self.assertRaises(QuarryError):
                client.health()
            self.assertEqual(fake.requests[0].path, "/quarry/v1/health")


if __name__ == "__main__":
    unittest.main()


class KeywordNamesFromTheSchema(unittest.TestCase):
    """The client's mining keywords are the request schema's (quarry options --json), documented one by one."""

    def test_every_setting_the_service_takes_is_a_keyword_named_as_the_schema_names_it(self) -> None:
        import json
        import os
        import quarry_client.client as client
        path = os.path.join(os.path.dirname(client.__file__), "schema.json")
        with open(path, encoding="utf-8") as f:
            settings = json.load(f)["settings"]
        wanted = {s["names"]["python"]: s["names"]["http"] for s in settings if "python" in s["names"]}
        self.assertEqual(client.MINE_OPTIONS, wanted)
        self.assertIn("num_negatives", wanted)
        self.assertNotIn("output_format", wanted)  # the service answers with ids and scores, not a file format
        doc = client.Client.mine.__doc__ or ""
        for name in wanted:
            self.assertIn(name, doc, f"Client.mine documents {name}")
