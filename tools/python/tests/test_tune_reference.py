"""``quarry tune``'s adapter training matches the same training in torch: held-out recall within 0.005.

The data set is fixed (seeded): documents on the sphere, and queries that are a fixed linear distortion of
their positive plus noise, so training moves recall a long way and two implementations that differed would
show it. ``quarry tune`` trains on the negatives ``quarry mine`` mines with the same options (the same
bytes: mining is deterministic), and the torch reference in ``adapter_reference.py`` trains on them too.
Needs Debian's python3-torch and numpy (``scripts/python-test.sh`` installs them and requires this test to
run); skipped without torch otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if importlib.util.find_spec("quarry_client") is None:
    sys.path.insert(0, str(ROOT / "tools" / "python"))  # not installed: the checkout's copy

from quarry_client import read_options  # noqa: E402

try:
    import numpy as np
    import torch
    import adapter_reference as ref
except ImportError:  # torch or numpy missing
    torch = None

CANDIDATE = "--range-max 60 --num-negatives 4"
TRAINING = {"temperature": 0.05, "learning-rate": 0.01, "epochs": 2, "batch-size": 32}
SEED = 42


def quarry(*args: str) -> str:
    done = subprocess.run([str(ROOT / "quarry"), *args], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise AssertionError(f"quarry {' '.join(args)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout


@unittest.skipIf(torch is None and not os.environ.get("QUARRY_TORCH_REQUIRED"), "torch is not installed")
class TuneMatchesTorch(unittest.TestCase):
    def test_held_out_recall_after_training_matches_torch(self) -> None:
        if torch is None:
            self.fail("python3-torch is required here (QUARRY_TORCH_REQUIRED) and cannot be imported")
        torch.set_num_threads(2)
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            rng = np.random.default_rng(7)
            docs, n_queries, dim = 3000, 2000, 32
            corpus = rng.standard_normal((docs, dim)).astype(np.float32)
            corpus /= np.linalg.norm(corpus, axis=1, keepdims=True)
            # noise enough that recall stays mid-range after training (about 0.11 before, 0.57 after)
            distortion = np.eye(dim) + 2.0 * rng.standard_normal((dim, dim)) / np.sqrt(dim)
            queries = corpus[:n_queries] @ distortion.T + 3.0 * rng.standard_normal((n_queries, dim)) / np.sqrt(dim)
            queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
            np.save(d / "corpus.npy", corpus)
            np.save(d / "queries.npy", queries)
            train = [a for a in range(n_queries) if a % 2 == 0]
            heldout = {a: [a] for a in range(n_queries) if a % 2 == 1}
            (d / "train.tsv").write_text("".join(f"{a}\t{a}\t1\n" for a in train))
            (d / "heldout.tsv").write_text("".join(f"{a}\t{a}\t1\n" for a in heldout))
            (d / "one.candidates").write_text(CANDIDATE + "\n")
            stores = ["--corpus", str(d / "corpus.npy"), "--queries", str(d / "queries.npy")]
            options = [x for k, v in TRAINING.items() for x in (f"--{k}", str(v))]
            quarry("tune", *stores, "--qrels", str(d / "train.tsv"), "--heldout-qrels", str(d / "heldout.tsv"),
                   "--candidates", str(d / "one.candidates"), "--no-default-candidates", "--seeds", "1",
                   "--seed", str(SEED), *options, "--threads", "2", "--json", str(d / "tune.json"),
                   "--output", str(d / "best.options"))
            quarry("mine", *stores, "--qrels", str(d / "train.tsv"), *CANDIDATE.split(), "--seed", str(SEED),
                   "--output-format", "npy", "--output", str(d / "mined"))
            report = {c["name"]: c for c in json.loads((d / "tune.json").read_text())["candidates"]}
            # the options file tune wrote is read by the client as the candidate's settings
            chosen = read_options(d / "best.options")
            self.assertEqual((chosen["range_max"], chosen["num_negatives"], chosen["seed"]), (60, 4, SEED), chosen)
            mined_ids = np.load(d / "mined.ids.npy")
            mined_anchors = np.load(d / "mined.anchors.npy")
            negatives = {int(a): [int(x) for x in row if x >= 0] for a, row in zip(mined_anchors, mined_ids)}
            positives = {a: [a] for a in train}
            self.assertEqual(sorted(negatives), train, "quarry mine mined every training anchor")
            before = ref.recall_at(corpus, queries, None, heldout)
            # anchors the filters left short are left out (their npy row is all -1): neither side trains them
            kept = [a for a in train if negatives[a]]
            self.assertGreater(len(kept), len(train) // 4, "enough anchors keep their negatives to train on")
            for name, anchors, negs in ((CANDIDATE, kept, negatives), ("in-batch only (no mined negatives)", train, {})):
                w = ref.train(corpus, queries, ref.examples(anchors, positives, negs), TRAINING["temperature"],
                              TRAINING["learning-rate"], TRAINING["epochs"], TRAINING["batch-size"], SEED)
                theirs = ref.recall_at(corpus, queries, w, heldout)
                ours = report[name]["recall_at_10"]["per_seed"][0]
                if os.environ.get("QUARRY_SHOW_EXAMPLES"):
                    print(f"{name}: before {before:.4f}, quarry tune {ours:.4f}, torch {theirs:.4f}", file=sys.stderr)
                self.assertGreater(theirs, before + 0.1, f"{name}: training moves recall ({before:.4f} -> {theirs:.4f})")
                self.assertLessEqual(abs(ours - theirs), 0.005,
                                     f"{name}: quarry tune {ours:.4f}, torch {theirs:.4f} (before training {before:.4f})")


if __name__ == "__main__":
    unittest.main()
