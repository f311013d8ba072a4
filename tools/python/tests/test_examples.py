"""The examples run end to end against the real ``quarry serve`` on a tiny catalog."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from real_server import QuarryServe, run_quarry
from support import catalog_server, write_catalog

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def has_torch() -> bool:
    return subprocess.run([sys.executable, "-c", "import torch, numpy"], capture_output=True).returncode == 0


def run_example(test: unittest.TestCase, *args: str) -> str:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    test.assertEqual(done.returncode, 0, done.stdout + done.stderr)
    if os.environ.get("QUARRY_SHOW_EXAMPLES"):
        print(done.stdout, file=sys.stderr)
    return done.stdout


class MineBatch(unittest.TestCase):
    def test_mine_batch_prints_eight_anchors(self) -> None:
        out = run_example(self, str(EXAMPLES / "mine_batch.py"), catalog_server().url).splitlines()
        self.assertRegex(out[0], r"^index version \d+$")
        self.assertEqual([line.split(" ")[0] for line in out[1:]], [f"q{i}" for i in range(8)])
        self.assertIn("q0 (positive d0): d", out[1])


class AnceLoop(unittest.TestCase):
    """ance_loop.py against a server of its own (an IVF index, as the demo's), stopped after it to see what stays."""

    def setUp(self) -> None:
        if not has_torch():
            self.skipTest("needs torch and numpy (apt-get install python3-torch python3-numpy; "
                          "scripts/python-test.sh installs them)")
        tmp = tempfile.mkdtemp(prefix="quarry-client-ance-")
        self.addCleanup(shutil.rmtree, tmp, True)
        self.dir = Path(tmp)
        write_catalog(self.dir)
        run_quarry("index", "build", "--store", "corpus.qvec", "--nlist", "8", "--output", "corpus.qivf", cwd=self.dir)
        self.server = QuarryServe(self.dir, ["--corpus", str(self.dir / "corpus.qvec"),
                                             "--index", str(self.dir / "corpus.qivf")]).start()
        self.addCleanup(self.server.stop)

    def test_ance_loop_trains_three_ways_puts_the_server_back_and_removes_its_corpora(self) -> None:
        before = {p.name for p in self.dir.iterdir()}
        out = run_example(self, str(EXAMPLES / "ance_loop.py"), str(self.dir), "--url", self.server.url,
                          "--steps", "12", "--batch-size", "16", "--refresh-every", "5", "--negatives", "2",
                          "--lr", "1e-2")
        for label in ["(a) in-batch negatives only", "(b) + negatives mined once", "(c) + negatives re-mined"]:
            self.assertIn(label, out)
        # (b) and (c) mine from the starting model's corpus (version 2), (c) also from its refreshes at
        # steps 5 and 10 (3 and 4); the last refresh puts the first corpus back (5).
        self.assertIn("index_version 2, 3, 4;", out)
        back = re.search(r"server back on (\S+) \(index_version 5, ivf nlist=8 \((\S+\.qivf)\)\)", out)
        self.assertIsNotNone(back, out)
        self.assertEqual(back.group(1), str(self.dir / "corpus.qvec"))
        self.assertEqual(self.server.stop(), 0)
        # Nothing stays: the server built its indexes in its own work directory, emptied when it stopped.
        after = {p.name for p in self.dir.iterdir()}
        self.assertEqual((after - before, before - after), (set(), set()))
        self.assertEqual({p.name for p in (self.dir / ".quarry-serve").iterdir()} - {".quarry-serve",
                                                                                     ".quarry-serve.lock"}, set())
        # The server measured the held-out anchors of every version the example brought them with.
        self.assertEqual(len(re.findall(r"refresh \S+ +index_version +\d+: server's held-out recall@10 ", out)), 3,
                         out)


if __name__ == "__main__":
    unittest.main()
