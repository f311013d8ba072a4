"""Error answers become QuarryError carrying the server's words; 503 is retried as Retry-After says."""

from __future__ import annotations

import time
import unittest

from fake_server import FakeQuarry
from support import NumpyModes, unit_rows

CORPUS = unit_rows(30, 4, seed=5)
OVERLOADED = {"error": "overloaded"}


class ErrorCases(NumpyModes):
    def setUp(self) -> None:
        self.fake = FakeQuarry(CORPUS).start()
        self.addCleanup(self.fake.stop)
        self.client = self.qc.Client(self.fake.url, timeout=5.0)
        self.addCleanup(self.client.close)

    def error_of(self, call, *args, **kwargs):
        with self.assertRaises(self.qc.QuarryError) as caught:
            call(*args, **kwargs)
        return caught.exception

    def test_400_carries_message_field_value_and_expected(self) -> None:
        for binary in (True, False):
            with self.subTest(binary=binary):
                e = self.error_of(self.client.mine, CORPUS[:1], None, binary=binary, num_negatives="x")
                self.assertEqual((e.status, e.field, e.value, e.expected), (400, "num_negatives", "x", ">= 1"))
                self.assertEqual(e.message, "num_negatives=x, expected >= 1")
                self.assertEqual(e.error, "bad request")
                self.assertIn("num_negatives=x, expected >= 1", str(e))
                self.assertEqual(e.body["field"], "num_negatives")

    def test_400_for_an_option_the_server_does_not_know(self) -> None:
        e = self.error_of(self.client.mine, CORPUS[:1], None, num_negativs=3)
        self.assertEqual((e.status, e.field, e.error), (400, "num_negativs", "unknown parameter"))

    def test_500_carries_the_servers_message(self) -> None:
        self.fake.script(500, {"error": "internal error", "message": "IllegalStateException: index closed"})
        e = self.error_of(self.client.status)
        self.assertEqual((e.status, e.error, e.message), (500, "internal error", "IllegalStateException: index closed"))
        self.assertEqual(str(e), "HTTP 500 internal error: IllegalStateException: index closed")

    def test_an_answer_that_is_not_json_keeps_its_text(self) -> None:
        self.fake.script(502, b"upstream went away\n", content_type="text/plain")
        e = self.error_of(self.client.health)
        self.assertEqual((e.status, e.message, e.field), (502, "upstream went away", None))
        self.fake.script(404, b"")
        self.assertEqual(self.error_of(self.client.health).message, "Not Found")

    def test_503_is_retried_and_the_call_succeeds(self) -> None:
        self.fake.script(503, OVERLOADED, {"Retry-After": "0"})
        self.fake.script(503, OVERLOADED, {"Retry-After": "0"})
        ids, _, version = self.client.mine(CORPUS[:2], None, num_negatives=2)
        self.assertEqual((len(ids), version), (2, 1))
        self.assertEqual(len(self.fake.requests), 3)
        self.assertEqual(self.fake.requests[0].body, self.fake.requests[2].body)  # the same request again

    def test_503_past_the_retries_raises_overloaded_with_retry_after(self) -> None:
        for _ in range(3):
            self.fake.script(503, OVERLOADED, {"Retry-After": "0"})
        e = self.error_of(self.client.health)
        self.assertEqual((e.status, e.error, e.retry_after), (503, "overloaded", 0.0))
        self.assertEqual(len(self.fake.requests), 3)  # the call and its 2 retries (the default)

    def test_retries_zero_turns_retrying_off(self) -> None:
        client = self.qc.Client(self.fake.url, retries=0)
        self.addCleanup(client.close)
        self.fake.script(503, OVERLOADED, {"Retry-After": "1"})
        started = time.monotonic()
        e = self.error_of(client.health)
        self.assertLess(time.monotonic() - started, 0.5)
        self.assertEqual((e.status, e.retry_after, len(self.fake.requests)), (503, 1.0, 1))

    def test_retry_waits_as_long_as_retry_after_says(self) -> None:
        self.fake.script(503, OVERLOADED, {"Retry-After": "1"})
        started = time.monotonic()
        self.assertEqual(self.client.health(), {"status": "ok"})
        self.assertGreaterEqual(time.monotonic() - started, 0.95)

    def test_retry_wait_is_capped_by_max_retry_wait(self) -> None:
        client = self.qc.Client(self.fake.url, retries=1, max_retry_wait=0.05)
        self.addCleanup(client.close)
        self.fake.script(503, OVERLOADED, {"Retry-After": "30"})
        started = time.monotonic()
        self.assertEqual(client.health(), {"status": "ok"})
        self.assertLess(time.monotonic() - started, 1.0)

    def test_other_errors_are_not_retried(self) -> None:
        self.fake.script(500, {"error": "internal error", "message": "boom"})
        self.error_of(self.client.health)
        self.assertEqual(len(self.fake.requests), 1)

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
