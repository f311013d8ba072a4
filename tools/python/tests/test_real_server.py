"""The harness that runs the real server for these tests fails clearly and leaves nothing running."""

from __future__ import annotations

import tempfile
import unittest
from pathlib import Path

from real_server import QuarryServe


class RealServer(unittest.TestCase):
    def test_a_server_that_cannot_start_is_reported_with_its_output(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            server = QuarryServe(Path(tmp), ["--corpus", str(Path(tmp) / "missing.qvec")])
            with self.assertRaises(RuntimeError) as caught:
                server.start()
            self.assertFalse(server.running())
        self.assertIn("quarry serve exited with 3", str(caught.exception))  # 3: a data or path error
        self.assertIn("missing.qvec", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
