"""Error answers become QuarryError carrying the server's words (the real server's refusals: its JSON error's
field, value and expected); 503s are retried as Retry-After says, slow answers time out (the stand-in)."""

from __future__ import annotations

import time
import unittest

from fault_proxy import FaultProxy
from support import CLIENT_TIMEOUT, TOKEN, NumpyModes, corpus_id, main_corpus, main_server

OVERLOADED = {"error": "overloaded", "message": "the server is at capacity: retry after a second"}


class ErrorCases(NumpyModes):
    def setUp(self) -> None:
        self.server = main_server()
        self.client = self.qc.Client(self.server.url, token=TOKEN, timeout=CLIENT_TIMEOUT)
        self.addCleanup(self.client.close)
        self.proxy = FaultProxy(self.server.url).start()
        self.addCleanup(self.proxy.stop)
        self.proxied = self.qc.Client(self.proxy.url, token=TOKEN, timeout=CLIENT_TIMEOUT)
        self.addCleanup(self.proxied.close)
        self.anchors = [list(row) for row in main_corpus()[:2]]

    def error_of(self, call, *args, **kwargs):
        with self.assertRaises(self.qc.QuarryError) as caught:
            call(*args, **kwargs)
        return caught.exception

    # -- the server's refusals -----------------------------------------------------------------

    def test_400_carries_message_field_value_and_expected(self) -> None:
        for binary in (True, False):
            with self.subTest(binary=binary):
                e = self.error_of(self.client.mine, self.anchors, None, binary=binary, num_negatives=0)
                self.assertEqual((e.status, e.field, e.value, e.expected), (400, "num_negatives", "0", ">= 1"))
                self.assertEqual(e.message, "num_negatives=0, expected >= 1")
                self.assertEqual(e.error, "bad_request")
                self.assertEqual(str(e), "HTTP 400 bad_request: num_negatives=0, expected >= 1")
                self.assertEqual(e.body["field"], "num_negatives")

    def test_400_names_settings_refused_together_and_parts_of_the_request(self) -> None:
        e = self.error_of(self.client.mine, self.anchors, None, range_min=50, range_max=10)
        self.assertEqual((e.status, e.field, e.value), (400, "range_min", "50"))
        self.assertIn("range_max", e.expected)
        e = self.error_of(self.client.mine, self.anchors, [[corpus_id(0)], ["no-such-id"]])
        self.assertEqual((e.status, e.field, e.value), (400, "positives[1]", "no-such-id"))

    def test_a_setting_the_client_does_not_know_is_a_type_error(self) -> None:
        with self.assertRaises(TypeError):
            self.client.mine(self.anchors, None, num_negativs=3)

    # -- answers only a stand-in gives ---------------------------------------------------------

    def test_500_carries_the_servers_message(self) -> None:
        self.proxy.answer(500, {"error": "internal", "message": "IllegalStateException: index closed"})
        e = self.error_of(self.proxied.status)
        self.assertEqual((e.status, e.error, e.message), (500, "internal", "IllegalStateException: index closed"))
        self.assertEqual(str(e), "HTTP 500 internal: IllegalStateException: index closed")

    def test_an_answer_that_is_not_json_keeps_its_text(self) -> None:
        self.proxy.answer(502, b"upstream went away\n", content_type="text/plain")
        e = self.error_of(self.proxied.health)
        self.assertEqual((e.status, e.message, e.field), (502, "upstream went away", None))
        self.proxy.answer(404, b"")
        self.assertEqual(self.error_of(self.proxied.health).message, "Not Found")

    def test_a_json_answer_that_is_not_an_object_is_refused(self) -> None:
        self.proxy.answer(200, [1, 2])
        e = self.error_of(self.proxied.status)
        self.assertIsNone(e.status)
        self.assertIn("expected an object", e.message)

    def test_503_is_retried_and_the_call_succeeds(self) -> None:
        self.proxy.answer(503, OVERLOADED, {"Retry-After": "0"})
        self.proxy.answer(503, OVERLOADED, {"Retry-After": "0"})
        ids, _, version = self.proxied.mine(self.anchors, None, num_negatives=2)
        self.assertEqual((len(ids), version), (2, self.client.status()["index_version"]))
        mined = [r for r in self.proxy.requests if r.path == "/v1/mine"]
        self.assertEqual(len(mined), 3)
        self.assertEqual(mined[0].body, mined[2].body)  # the same request again

    def test_503_past_the_retries_raises_overloaded_with_retry_after(self) -> None:
        for _ in range(3):
            self.proxy.answer(503, OVERLOADED, {"Retry-After": "0"})
        e = self.error_of(self.proxied.health)
        self.assertEqual((e.status, e.error, e.retry_after), (503, "overloaded", 0.0))
        self.assertEqual(len(self.proxy.requests), 3)  # the call and its 2 retries (the default)

    def test_retries_zero_turns_retrying_off(self) -> None:
        client = self.qc.Client(self.proxy.url, retries=0)
        self.addCleanup(client.close)
        self.proxy.answer(503, OVERLOADED, {"Retry-After": "1"})
        e = self.error_of(client.health)
        self.assertEqual((e.status, e.retry_after, len(self.proxy.requests)), (503, 1.0, 1))

    def test_retry_waits_as_long_as_retry_after_says(self) -> None:
        self.proxy.answer(503, OVERLOADED, {"Retry-After": "1"})
        started = time.monotonic()
        self.assertEqual(self.proxied.health(), {"status": "ok"})
        self.assertGreaterEqual(time.monotonic() - started, 0.95)
        self.assertEqual(len(self.proxy.requests), 2)

    def test_retry_wait_is_capped_by_max_retry_wait(self) -> None:
        client = self.qc.Client(self.proxy.url, retries=1, max_retry_wait=0.05)
        self.addCleanup(client.close)
        self.proxy.answer(503, OVERLOADED, {"Retry-After": "300"})
        started = time.monotonic()
        self.assertEqual(client.health(), {"status": "ok"})
        self.assertLess(time.monotonic() - started, 60.0)  # far below the 300 s asked for

    def test_other_errors_are_not_retried(self) -> None:
        self.proxy.answer(500, {"error": "internal", "message": "boom"})
        self.error_of(self.proxied.health)
        self.assertEqual(len(self.proxy.requests), 1)

    def test_an_answer_slower_than_the_timeout_raises_timeout_error(self) -> None:
        client = self.qc.Client(self.proxy.url, timeout=0.5)
        self.addCleanup(client.close)
        self.proxy.hold()
        with self.assertRaises(TimeoutError):
            client.health()
        self.assertEqual(len(self.proxy.requests), 1)  # not sent again: the server may be working on it
        self.assertEqual(client.health(), {"status": "ok"})  # a new connection for the next call

    def test_quarry_error_takes_the_documented_arguments(self) -> None:
        e = self.qc.QuarryError(400, "m", "f", "v", "e")
        self.assertEqual((e.status, e.message, e.field, e.value, e.expected), (400, "m", "f", "v", "e"))
        self.assertIsInstance(e, Exception)


class ErrorsWithNumpy(ErrorCases, unittest.TestCase):
    NUMPY = True


class ErrorsWithoutNumpy(ErrorCases, unittest.TestCase):
    NUMPY = False


if __name__ == "__main__":
    unittest.main()
