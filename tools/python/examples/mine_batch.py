"""The smallest use of the client: mine hard negatives for 8 anchors of the demo catalog, print them.

    quarry serve --demo DIR &                      # the server, on the demo catalog
    /usr/bin/python3 tools/python/examples/mine_batch.py [http://127.0.0.1:7700]

Reads the anchors' vectors and labels from the catalog the server serves (the directory of its
corpus, so run it on the server's machine). Works with or without numpy.
"""

import os
import sys

try:
    from quarry_client import Client, read_qvec
except ImportError:  # not installed (pip install tools/python): the checkout's copy
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from quarry_client import Client, read_qvec

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:7700"
with Client(url) as client:
    catalog = os.path.dirname(client.status()["corpus"])
    anchors = read_qvec(os.path.join(catalog, "queries.qvec"))[:8]
    with open(os.path.join(catalog, "queries.qvec.ids")) as f:
        anchor_ids = [next(f).strip() for _ in range(8)]
    positives = {a: [] for a in anchor_ids}
    with open(os.path.join(catalog, "qrels.tsv")) as f:
        for line in f:
            anchor, doc = line.split("\t")[:2]
            if anchor in positives:
                positives[anchor].append(doc)
    rows, scores, version = client.mine(anchors, [positives[a] for a in anchor_ids], num_negatives=4)
    with open(os.path.join(catalog, "corpus.qvec.ids")) as f:
        corpus_ids = f.read().splitlines()
    print(f"index version {version}")
    for anchor, row_ids, row_scores in zip(anchor_ids, rows, scores):
        found = [f"{corpus_ids[r]} ({s:.3f})" for r, s in zip(row_ids, row_scores) if r >= 0]
        print(f"{anchor} (positive {', '.join(positives[anchor])}): {', '.join(found) or 'none'}")
