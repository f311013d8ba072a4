#!/usr/bin/python3
"""Derives the query and anchor files of bench/realdata.sh from its embedded texts.

    realdata_derive.py SET_DIR QUERIES ANCHOR_ROWS OUT_DIR

Reads SET_DIR/corpus.qvec, anchors.qvec, corpus.words and queries.words; writes to OUT_DIR:
- queries.npy: the first QUERIES anchors (float32), the query set of recall and latency runs;
- qrels.tsv: "anchor<TAB>corpus row" for every anchor: of the corpus texts whose headword is one of the
  anchor synset's words (case folded), the one whose vector scores highest against the anchor's (the sense
  the definition describes), so a mined negative is judged against a real positive;
- anchors-1M.npy and qrels-1M.tsv: the anchors repeated to ANCHOR_ROWS rows (row i is anchor i mod count)
  and their positives, for throughput runs with as many anchors as the synthetic set has.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
from qvec import open_qvec  # noqa: E402


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    src, n_queries, rows, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    corpus = open_qvec(os.path.join(src, "corpus.qvec"))
    anchors = np.asarray(open_qvec(os.path.join(src, "anchors.qvec")))
    with open(os.path.join(src, "corpus.words"), encoding="utf-8") as f:
        headwords = [line.rstrip("\n").lower() for line in f]
    with open(os.path.join(src, "queries.words"), encoding="utf-8") as f:
        synsets = [line.rstrip("\n").lower().split("\t") for line in f]
    if len(headwords) != corpus.shape[0] or len(synsets) != anchors.shape[0]:
        raise SystemExit(f"realdata_derive: {len(headwords)} headwords for {corpus.shape[0]} corpus rows, "
                         f"{len(synsets)} synsets for {anchors.shape[0]} anchors: rerun bench/realdata.sh from the texts")
    rows_of = {}
    for row, word in enumerate(headwords):
        rows_of.setdefault(word, []).append(row)
    positives = np.empty(len(synsets), dtype=np.int64)
    for a, words in enumerate(synsets):
        candidates = sorted({r for w in words for r in rows_of.get(w, ())})
        if not candidates:
            raise SystemExit(f"realdata_derive: anchor {a} ({words}) has no corpus text of its words")
        scores = np.asarray(corpus[candidates]) @ anchors[a]
        positives[a] = candidates[int(np.argmax(scores))]
    np.save(os.path.join(out, "queries.npy"), anchors[:n_queries])
    with open(os.path.join(out, "qrels.tsv"), "w") as f:
        f.writelines(f"{a}\t{p}\n" for a, p in enumerate(positives))
    tiled = np.lib.format.open_memmap(os.path.join(out, "anchors-1M.npy"), mode="w+", dtype="<f4",
                                      shape=(rows, anchors.shape[1]))
    for start in range(0, rows, len(anchors)):
        end = min(rows, start + len(anchors))
        tiled[start:end] = anchors[:end - start]
    tiled.flush()
    del tiled
    with open(os.path.join(out, "qrels-1M.tsv"), "w") as f:
        f.writelines(f"{i}\t{positives[i % len(positives)]}\n" for i in range(rows))
    print(f"realdata_derive: {n_queries} queries, {len(positives)} positives, {rows} anchor rows", file=sys.stderr)


if __name__ == "__main__":
    main()
