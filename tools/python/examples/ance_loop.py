"""Training with hard negatives from a live Quarry server, three ways, on the demo catalog.

A small model, x -> normalize(W x) with one 128 x 128 matrix W for queries and documents, is trained
with InfoNCE three times from the same start, seed and batches:

  (a) in-batch negatives only (the other anchors' positives);
  (b) plus hard negatives mined once from the server, at the start, with the starting model;
  (c) plus hard negatives mined for each batch from an index that follows the model, as ANCE does:
      every --refresh-every steps the corpus is re-embedded with the current model, written with
      write_qvec, and the server is asked to serve it (client.refresh); each batch's anchors, embedded
      by the current model, are mined against the latest refreshed index.

Then it reports recall@10 of each model on held-out anchors (--heldout of the labelled anchors, never
trained on), by exact search over the corpus embedded by that model. Every refresh also brings the
held-out anchors embedded by the same model (client.refresh's heldout_queries and heldout_qrels), so
the server measures each served version's held-out recall itself, after the refresh returned and while
training goes on: the curve is printed per refresh (each line once the figures are in, before the next
refresh), with the server's flag when recall fell below the best version so far. --no-defences mines with
sentence-transformers' plain shape (no skipped ranks, margins or near-duplicate filter), to see
whether the monitor catches the harm of the catalog's unlabelled positives.

The start: the demo catalog's own vectors rank every held-out anchor's true positive first (recall@10
is capped at about 0.94 only by the catalog's planted wrong labels), so from W = identity there is
nothing for training to find (--init identity shows it: the three runs end where they started).
By default the model starts weakened instead (--init weak): W = U diag(s) V^T with seeded random
rotations U, V and singular values s log-spaced from 1 down to 1e-6, which hides most directions
(recall@10 about 0.62), and each run has to train it back. Before (b) the server is refreshed to
serve the starting model's corpus; at the end it is refreshed back to the corpus it served before,
and the re-embedded corpora written here are removed, with the caches Quarry keeps beside them.
With an IVF index the server builds an index for each corpus it is refreshed to in its own work
directory (--work-dir) and deletes each once a newer version replaces it, the last when it stops:
nothing of this example stays in the catalog.

    quarry serve --demo DIR &
    /usr/bin/python3 tools/python/examples/ance_loop.py [DIR] [--url http://127.0.0.1:7700]

Needs Debian's python3-torch and python3-numpy (apt-get install -y python3-numpy python3-torch) and
runs under /usr/bin/python3. The catalog (default: the directory of the corpus the server serves)
must be the one the server serves, on the server's machine: the server reads the re-embedded corpora
written into it (or into --workdir).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import time
import warnings
from dataclasses import dataclass

try:
    from quarry_client import Client, RecallDropWarning, read_qvec, write_qvec
except ImportError:  # not installed (pip install tools/python): the checkout's copy
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from quarry_client import Client, RecallDropWarning, read_qvec, write_qvec

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover - depends on the machine
    sys.exit(f"ance_loop: {e.name} is missing: apt-get install -y python3-numpy python3-torch, "
             "then run with /usr/bin/python3")

MINE_CHUNK = 1024   # anchors per request when mining the whole training set at once
WEAK_FLOOR = 1e-6   # smallest singular value of the weakened start


@dataclass
class Catalog:
    """The demo catalog's vectors and labels."""

    corpus: torch.Tensor            # (rows, dim) float32
    queries: torch.Tensor           # (anchors, dim)
    positive_ids: list[list[str]]   # per query: its labelled positives' corpus ids
    positive_rows: list[list[int]]  # the same as corpus row numbers
    train: torch.Tensor             # query numbers trained on
    heldout: torch.Tensor           # query numbers never trained on
    query_ids: list[str]            # per query: its id


def load_catalog(path: str, heldout_share: float, seed: int) -> Catalog:
    corpus = torch.from_numpy(np.array(read_qvec(os.path.join(path, "corpus.qvec")), dtype=np.float32))
    queries = torch.from_numpy(np.array(read_qvec(os.path.join(path, "queries.qvec")), dtype=np.float32))
    row_of = {doc: i for i, doc in enumerate(read_lines(os.path.join(path, "corpus.qvec.ids")))}
    query_of = {q: i for i, q in enumerate(read_lines(os.path.join(path, "queries.qvec.ids")))}
    positive_ids: list[list[str]] = [[] for _ in query_of]
    with open(os.path.join(path, "qrels.tsv"), encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(fields) < 2 or fields[0] not in query_of or fields[1] not in row_of:
                continue  # comments, BEIR's header, ids of no row
            if len(fields) > 2 and float(fields[2]) <= 0:
                continue  # label 0: not a positive
            positive_ids[query_of[fields[0]]].append(fields[1])
    labelled = torch.tensor([q for q, p in enumerate(positive_ids) if p])
    order = labelled[torch.randperm(len(labelled), generator=torch.Generator().manual_seed(seed))]
    cut = int(round(len(order) * heldout_share))
    return Catalog(corpus, queries, positive_ids, [[row_of[d] for d in p] for p in positive_ids],
                   train=order[cut:], heldout=order[:cut], query_ids=list(query_of))


def read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def starting_weight(dim: int, init: str, seed: int) -> torch.Tensor:
    if init == "identity":
        return torch.eye(dim)
    g = torch.Generator().manual_seed(seed)
    u, _ = torch.linalg.qr(torch.randn(dim, dim, generator=g))
    v, _ = torch.linalg.qr(torch.randn(dim, dim, generator=g))
    return u @ torch.diag(torch.logspace(0, math.log10(WEAK_FLOOR), dim)) @ v.T


class Model(torch.nn.Module):
    """x -> normalize(W x); one W for queries and documents."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(weight.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(x @ self.weight.T, dim=-1)

    @torch.no_grad()
    def embed(self, x: torch.Tensor, chunk: int = 16384) -> torch.Tensor:
        return torch.cat([self(x[i:i + chunk]) for i in range(0, len(x), chunk)])


def info_nce(q: torch.Tensor, p: torch.Tensor, negatives: torch.Tensor | None, valid: torch.Tensor | None,
             temperature: float) -> torch.Tensor:
    """InfoNCE over the batch's positives (in-batch negatives) plus each anchor's own hard negatives."""
    logits = q @ p.T
    if negatives is not None:
        hard = torch.einsum("bd,bkd->bk", q, negatives).masked_fill(~valid, float("-inf"))
        logits = torch.cat([logits, hard], dim=1)
    return F.cross_entropy(logits / temperature, torch.arange(len(q)))


def recall_at(model: Model, cat: Catalog, k: int = 10) -> float:
    """Share of held-out anchors with a labelled positive in the exact top k."""
    docs = model.embed(cat.corpus)
    queries = model.embed(cat.queries[cat.heldout])
    hits = 0
    for start in range(0, len(queries), 256):
        top = (queries[start:start + 256] @ docs.T).topk(k, dim=1).indices.tolist()
        for j, found in enumerate(top):
            hits += bool(set(found) & set(cat.positive_rows[int(cat.heldout[start + j])]))
    return hits / len(queries)


def batches(cat: Catalog, steps: int, size: int, seed: int) -> list[torch.Tensor]:
    """The same batches for every run: epochs of the training anchors in a seeded order."""
    g = torch.Generator().manual_seed(seed)
    out: list[torch.Tensor] = []
    while len(out) < steps:
        order = cat.train[torch.randperm(len(cat.train), generator=g)]
        out += [order[i:i + size] for i in range(0, len(order) - size + 1, size)]
    return out[:steps]


class Trainer:
    """Runs the three ways; keeps track of what it asked the server to serve."""

    def __init__(self, args: argparse.Namespace, cat: Catalog, client: Client, start: torch.Tensor) -> None:
        self.args, self.cat, self.client, self.start = args, cat, client, start
        self.written: list[str] = []     # re-embedded corpora and held-out files, removed at the end
        self.options = {"num_negatives": args.negatives, "nprobe": args.nprobe}
        if args.no_defences:
            self.options["no_defences"] = True
        self.heldout_qrels = os.path.join(args.workdir, "heldout-qrels.tsv")
        with open(self.heldout_qrels, "w", encoding="utf-8") as f:
            for q in cat.heldout.tolist():
                for doc in cat.positive_ids[q]:
                    f.write(f"{cat.query_ids[q]}\t{doc}\t1\n")
        self.written.append(self.heldout_qrels)
        self.plan = batches(cat, args.steps, args.batch_size, args.seed)
        self.mine_ms: list[float] = []
        self.refresh_s: list[float] = []
        self.serving_start = args.init == "identity"  # the catalog's own vectors are the identity's
        self.version: int | None = None  # index_version of the last refresh
        self.awaiting: tuple[str, int] | None = None  # the last refresh, its held-out figures not printed yet
        self.versions: set[int] = set()  # index versions that answered the last run's mine calls

    def mine(self, anchors: torch.Tensor, queries: torch.Tensor) -> torch.Tensor:
        """Row numbers [n, k] (-1 where the server found fewer) of the anchors' hard negatives."""
        started = time.perf_counter()
        rows, _, version = self.client.mine(anchors.numpy(), [self.cat.positive_ids[int(q)] for q in queries],
                                            **self.options)
        self.mine_ms.append(1000 * (time.perf_counter() - started))
        self.versions.add(version)
        return torch.from_numpy(rows.astype(np.int64))

    def serve(self, model: Model, name: str, retrain: bool) -> None:
        """Re-embeds the corpus with ``model`` and has the server serve it."""
        started = time.perf_counter()
        path = os.path.join(self.args.workdir, f"corpus-{name}.qvec")
        write_qvec(path, model.embed(self.cat.corpus).numpy(), normalized=True)
        shutil.copyfile(self.args.corpus_ids, path + ".ids")  # the same rows, so the same ids
        self.written.append(path)
        heldout = os.path.join(self.args.workdir, f"heldout-{name}.qvec")
        write_qvec(heldout, model.embed(self.cat.queries[self.cat.heldout]).numpy(), normalized=True)
        with open(heldout + ".ids", "w", encoding="utf-8") as f:
            f.writelines(self.cat.query_ids[q] + "\n" for q in self.cat.heldout.tolist())
        self.written.append(heldout)
        self.report_recall()  # the version served until now: measured by the server while training went on
        status = self.client.refresh(path, retrain=retrain, heldout_queries=heldout,
                                     heldout_qrels=self.heldout_qrels)
        self.version = status["index_version"]
        self.refresh_s.append(time.perf_counter() - started)
        self.awaiting = (name, self.version)

    def report_recall(self) -> None:
        """Prints the server's held-out figures of the version last refreshed to (one line of the curve).
        The server measures them after the refresh returned, while training goes on; asked for here, before
        the next refresh and at the end of a run, they are usually in already (the wait is printed)."""
        if self.awaiting is None:
            return
        name, version = self.awaiting
        self.awaiting = None
        started = time.perf_counter()
        recall = self.client.recall(version, timeout=3600)
        waited = time.perf_counter() - started
        if recall is None:
            print(f"    refresh {name:<8} index_version {version:>3}: no held-out figures", flush=True)
            return
        alert = recall["alert"]
        print(f"    refresh {name:<8} index_version {version:>3}: server's held-out recall@10 "
              f"{recall['recall_at_10']:.3f}, recall@100 {recall['recall_at_100']:.3f}, nDCG@10 "
              f"{recall['ndcg_at_10']:.3f} (measured in {recall['seconds']:.1f}s, waited {waited:.1f}s)"
              + (f"  DROP below the best {alert['best_recall_at_10']:.3f}: {alert['advice']}" if alert else ""),
              flush=True)

    def run(self, way: str) -> tuple[Model, float]:
        torch.manual_seed(self.args.seed)
        model = Model(self.start)
        optimizer = torch.optim.Adam(model.parameters(), lr=self.args.lr)
        self.versions.clear()
        if way != "in-batch" and not self.serving_start:
            self.serve(model, "start", retrain=True)  # the index was built for other vectors: new clusters
            self.serving_start = True
        started = time.perf_counter()
        if way == "once":
            anchors = model.embed(self.cat.queries[self.cat.train])
            mined = torch.cat([self.mine(anchors[i:i + MINE_CHUNK], self.cat.train[i:i + MINE_CHUNK])
                               for i in range(0, len(anchors), MINE_CHUNK)])
            slot = torch.full((len(self.cat.queries),), -1, dtype=torch.long)
            slot[self.cat.train] = torch.arange(len(self.cat.train))
        for step, batch in enumerate(self.plan):
            if way == "ance" and step > 0 and step % self.args.refresh_every == 0:
                self.serve(model, f"step{step}", retrain=not self.args.keep_clusters)
                self.serving_start = False
            q = model(self.cat.queries[batch])
            p = model(self.cat.corpus[[self.cat.positive_rows[int(b)][0] for b in batch]])
            negatives = valid = None
            if way != "in-batch":
                rows = mined[slot[batch]] if way == "once" else self.mine(q.detach(), batch)
                valid = rows >= 0
                negatives = model(self.cat.corpus[rows.clamp(min=0)])
            loss = info_nce(q, p, negatives, valid, self.args.temperature)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds = time.perf_counter() - started
        self.report_recall()
        return model, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("catalog", nargs="?", help="the demo catalog (default: the directory of the served corpus)")
    parser.add_argument("--url", default="http://127.0.0.1:7700", help="the server (default %(default)s)")
    parser.add_argument("--token-file", help="file holding the server's bearer token")
    parser.add_argument("--steps", type=int, default=300, help="optimizer steps per run (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=64, help="anchors per batch (default %(default)s)")
    parser.add_argument("--refresh-every", type=int, default=100,
                        help="steps between corpus re-embeddings in run (c) (default %(default)s)")
    parser.add_argument("--negatives", type=int, default=4, help="mined negatives per anchor (default %(default)s)")
    parser.add_argument("--nprobe", type=int, help="IVF lists probed per anchor (default: the server's)")
    parser.add_argument("--keep-clusters", action="store_true",
                        help="refreshes in run (c) keep the index's clusters (retrain=false) instead of retraining")
    parser.add_argument("--init", choices=["weak", "identity"], default="weak",
                        help="the starting model (default %(default)s; see above)")
    parser.add_argument("--lr", type=float, default=1.5e-4, help="Adam learning rate (default %(default)s)")
    parser.add_argument("--temperature", type=float, default=0.05, help="InfoNCE temperature (default %(default)s)")
    parser.add_argument("--heldout", type=float, default=0.1, help="share of anchors held out (default %(default)s)")
    parser.add_argument("--seed", type=int, default=42, help="batches, held-out split, start (default %(default)s)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default %(default)s: on 2 cores the server mines on the other)")
    parser.add_argument("--no-defences", action="store_true",
                        help="mine with no skipped ranks, margins or near-duplicate filter (default: Quarry's defences)")
    parser.add_argument("--workdir", help="where re-embedded corpora go, read by the server (default: the catalog)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    token = None
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as f:
            token = f.read().strip()

    with Client(args.url, token=token) as client:
        status = client.status()
        served = status["corpus"]
        catalog_dir = os.path.abspath(args.catalog or os.path.dirname(served))
        args.workdir = os.path.abspath(args.workdir or catalog_dir)
        args.corpus_ids = os.path.join(catalog_dir, "corpus.qvec.ids")
        started = time.perf_counter()
        cat = load_catalog(catalog_dir, args.heldout, args.seed)
        if (status["rows"], status["dim"]) != tuple(cat.corpus.shape):
            sys.exit(f"ance_loop: the server serves {served} ({status['rows']} x {status['dim']}), "
                     f"not {catalog_dir}/corpus.qvec ({cat.corpus.shape[0]} x {cat.corpus.shape[1]})")
        start = starting_weight(cat.corpus.shape[1], args.init, args.seed)
        print(f"catalog {catalog_dir}: {cat.corpus.shape[0]:,} documents x {cat.corpus.shape[1]}, "
              f"{len(cat.train) + len(cat.heldout):,} labelled anchors ({len(cat.train):,} trained on, "
              f"{len(cat.heldout):,} held out), read in {time.perf_counter() - started:.1f}s")
        print(f"server {args.url}: {status['index']}, index_version {status['index_version']}")
        print(f"{args.steps} steps of {args.batch_size} anchors, InfoNCE t={args.temperature}, Adam lr={args.lr}, "
              f"{args.negatives} mined negatives per anchor, refresh every {args.refresh_every} steps, "
              f"seed {args.seed}, {args.threads} torch thread{'s' if args.threads > 1 else ''}")
        print(f"recall@10 of the starting model ({args.init}) on the held-out anchors: "
              f"{recall_at(Model(start), cat):.3f}\n")

        trainer = Trainer(args, cat, client, start)
        try:
            for way, label in [("in-batch", "(a) in-batch negatives only"),
                               ("once", "(b) + negatives mined once at the start"),
                               ("ance", "(c) + negatives re-mined from a refreshed index")]:
                trainer.mine_ms.clear()
                trainer.refresh_s.clear()
                model, seconds = trainer.run(way)
                notes = []
                if trainer.mine_ms:
                    calls = len(trainer.mine_ms)
                    notes.append(f"{calls} mine call{'s' if calls > 1 else ''}, median "
                                 f"{statistics.median(trainer.mine_ms):.1f} ms, index_version "
                                 + ", ".join(str(v) for v in sorted(trainer.versions)))
                if trainer.refresh_s:
                    notes.append(f"{len(trainer.refresh_s)} refresh{'es' if len(trainer.refresh_s) > 1 else ''} "
                                 f"(re-embed, write, index) {sum(trainer.refresh_s):.1f}s")
                print(f"{label:<48} recall@10 {recall_at(model, cat):.3f}  trained in {seconds:5.1f}s"
                      + (f"  [{'; '.join(notes)}]" if notes else ""), flush=True)
        finally:
            if trainer.written:
                # The corpus served before comes back with its own held-out queries (the catalog's, unchanged),
                # so the server measures the pair of one model, not the last model's queries against it.
                heldout = os.path.join(args.workdir, "heldout-restore.qvec")
                write_qvec(heldout, F.normalize(cat.queries[cat.heldout], dim=-1).numpy(), normalized=True)
                with open(heldout + ".ids", "w", encoding="utf-8") as f:
                    f.writelines(cat.query_ids[q] + "\n" for q in cat.heldout.tolist())
                trainer.written.append(heldout)
                with warnings.catch_warnings():
                    # The catalog's own vectors may score below a trained version: not a drop to report.
                    warnings.simplefilter("ignore", RecallDropWarning)
                    restored = client.refresh(served, retrain=True, heldout_queries=heldout,
                                              heldout_qrels=trainer.heldout_qrels)
                print(f"\nserver back on {served} (index_version {restored['index_version']}, {restored['index']})")
                for path in trainer.written:
                    # The file, its ids, and the caches Quarry keeps beside a store.
                    for leftover in (path, path + ".ids", path + ".qsum", path + ".ids.qidx"):
                        if os.path.exists(leftover):
                            os.unlink(leftover)
    return 0


if __name__ == "__main__":
    sys.exit(main())
