"""The examples run end to end against the stand-in server on a tiny catalog."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from fake_server import FakeQuarry
from support import load_client, unit_rows

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def has_torch() -> bool:
    return subprocess.run([sys.executable, "-c", "import torch, numpy"], capture_output=True).returncode == 0


def write_catalog(directory: Path, docs: int = 600, anchors: int = 120, dim: int = 16) -> list[list[float]]:
    """corpus.qvec and queries.qvec with their ids, and qrels.tsv: query i is a noisy copy of doc 3i."""
    qc = load_client(False)
    corpus = unit_rows(docs, dim, seed=11)
    rng = random.Random(12)
    queries = []
    for i in range(anchors):
        v = [x + rng.gauss(0, 0.05) for x in corpus[3 * i]]
        norm = sum(x * x for x in v) ** 0.5
        queries.append([x / norm for x in v])
    qc.write_qvec(directory / "corpus.qvec", corpus)
    qc.write_qvec(directory / "queries.qvec", queries)
    (directory / "corpus.qvec.ids").write_text("".join(f"d{i}\n" for i in range(docs)))
    (directory / "queries.qvec.ids").write_text("".join(f"q{i}\n" for i in range(anchors)))
    (directory / "qrels.tsv").write_text("".join(f"q{i}\td{3 * i}\t1\n" for i in range(anchors)))
    return corpus


class Examples(unittest.TestCase):
    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        corpus = write_catalog(self.dir)
        self.fake = FakeQuarry(corpus, corpus_path=str(self.dir / "corpus.qvec"), refresh_delay=0.0).start()
        self.addCleanup(self.fake.stop)

    def run_example(self, *args: str) -> str:
        done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        self.assertEqual(done.returncode, 0, done.stderr)
        if os.environ.get("QUARRY_SHOW_EXAMPLES"):
            print(done.stdout, file=sys.stderr)
        return done.stdout

    def test_mine_batch_prints_eight_anchors(self) -> None:
        out = self.run_example(str(EXAMPLES / "mine_batch.py"), self.fake.url).splitlines()
        self.assertEqual(out[0], "index version 1")
        self.assertEqual([line.split(" ")[0] for line in out[1:]], [f"q{i}" for i in range(8)])
        self.assertIn("q0 (positive d0): d", out[1])

    def test_ance_loop_trains_three_ways_and_puts_the_server_back(self) -> None:
        if not has_torch():
            self.skipTest("needs torch and numpy (apt-get install python3-torch python3-numpy)")
        out = self.run_example(str(EXAMPLES / "ance_loop.py"), str(self.dir), "--url", self.fake.url,
                               "--steps", "12", "--batch-size", "16", "--refresh-every", "5", "--negatives", "2",
                               "--lr", "1e-2")
        for label in ["(a) in-batch negatives only", "(b) + negatives mined once", "(c) + negatives re-mined"]:
            self.assertIn(label, out)
        # (b) and (c) mine from the starting model's corpus (version 2), (c) also from its refreshes at
        # steps 5 and 10 (3 and 4); the last refresh puts the first corpus back (5).
        self.assertIn("index_version 2, 3, 4;", out)
        self.assertIn(f"server back on {self.dir / 'corpus.qvec'} (index_version 5)", out)
        self.assertEqual(self.fake.corpus_path, str(self.dir / "corpus.qvec"))
        self.assertEqual(sorted(p.name for p in self.dir.glob("corpus-*")), [])


if __name__ == "__main__":
    unittest.main()
