"""The client against a real `quarry serve` (run by the serve module's tests, not by unittest discovery).

    live_check.py URL CATALOG OUT

CATALOG holds queries.qvec, queries.qvec.ids, qrels.tsv and corpus.qvec as the server serves them.
Mines the first 40 queries through the binary and the JSON shapes, has the server keep them in its
negatives store, checks an option the server refuses, then refreshes the server twice with held-out
queries (queries 40..59): with the corpus written again by write_qvec (the first held-out figures),
then negated (a new model, same rows, that loses every held-out document: a recall drop, warned
with the server's advice); the first figures read with recall() once the refresh returned, the second
waited for by refresh(wait_for_recall=True); a held-out set naming a mined anchor is refused. Writes to OUT (for the Java side to
compare with `quarry mine`): the binary answer's rows and scores as JSON. Exits non-zero on any
mismatch, with the reason on stderr.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from quarry_client import Client, QuarryError, RecallDropWarning, read_qvec, write_qvec  # noqa: E402

ANCHORS = 40


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"live_check: {what}")


def plain(values):
    return values.tolist() if hasattr(values, "tolist") else values


def main() -> None:
    url, catalog, out = sys.argv[1:4]
    queries = read_qvec(os.path.join(catalog, "queries.qvec"))
    with open(os.path.join(catalog, "queries.qvec.ids"), encoding="utf-8") as f:
        query_ids = [line.rstrip("\n") for line in f][:ANCHORS]
    positives: dict[str, list[str]] = {}
    with open(os.path.join(catalog, "qrels.tsv"), encoding="utf-8") as f:
        for line in f:
            q, d, *_ = line.rstrip("\n").split("\t")
            positives.setdefault(q, []).append(d)
    anchors = [plain(queries[i]) for i in range(ANCHORS)]
    anchor_positives = [positives.get(q) for q in query_ids]
    with Client(url) as client:
        check(client.health().get("status") == "ok", "health")
        version = client.status()["index_version"]
        rows, scores, served = client.mine(anchors, anchor_positives, anchor_ids=query_ids, num_negatives=5,
                                           nprobe=4, range_min=3)
        check(served == version, f"binary answer served from version {served}, status said {version}")
        answer = client.mine_json(anchors, anchor_positives, num_negatives=5, nprobe=4, range_min=3)
        stored = client.negatives(query_ids)
        for i, q in enumerate(query_ids):
            got = [r for r in plain(rows[i]) if r >= 0]
            check(len(answer["negatives"][i]) == len(got), f"anchor {q}: JSON and binary counts differ")
            check(stored[q] is not None and stored[q]["ids"] == answer["negatives"][i],
                  f"anchor {q}: the store holds {stored[q]}, the JSON answer {answer['negatives'][i]}")
        try:
            client.mine(anchors[:1], anchor_positives[:1], num_negatives=0)
            check(False, "num_negatives=0 was accepted")
        except QuarryError as e:
            check(e.status == 400 and e.field == "num_negatives", f"refusal names the field: {e!r}")
        heldout = os.path.join(catalog, "heldout-live.tsv")
        trained = os.path.join(catalog, "heldout-trained.tsv")
        with open(os.path.join(catalog, "qrels.tsv"), encoding="utf-8") as f, \
                open(heldout, "w", encoding="utf-8") as h, open(trained, "w", encoding="utf-8") as t:
            for line in f:
                (t if line.split("\t")[0] in query_ids else h).write(line)
        queries_file = os.path.join(catalog, "queries.qvec")
        try:
            client.refresh(os.path.join(catalog, "corpus.qvec"), heldout_queries=queries_file, heldout_qrels=trained)
            check(False, "a held-out set of mined anchors was accepted")
        except QuarryError as e:
            check(e.status == 400 and "held-out query=" + query_ids[0] in e.message, f"overlap refused: {e!r}")
        corpus = read_qvec(os.path.join(catalog, "corpus.qvec"))
        again = os.path.join(catalog, "corpus-again.qvec")
        write_qvec(again, [plain(row) for row in corpus])
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            status = client.refresh(again, heldout_queries=queries_file, heldout_qrels=heldout)
            check(status["index_version"] == version + 1, f"refresh gave version {status['index_version']}")
            check(status["recall_pending"] == (status["recall"] is None), f"figures in, or pending: {status}")
            first = client.recall(version + 1, timeout=120)  # measured after the refresh, on the server's thread
            check(first is not None and first["version"] == version + 1 and first["recall_at_10"] > 0.5
                  and not first["drop"] and first["alert"] is None, f"first held-out figures: {first}")
            check(client.recall(timeout=120) == first, "recall() without a version: the one served")
            check(not warned, f"no warning without a drop: {[str(w.message) for w in warned]}")
            moved = os.path.join(catalog, "corpus-negated.qvec")
            write_qvec(moved, [[-x for x in plain(row)] for row in corpus])
            status = client.refresh(moved, heldout_queries=queries_file, heldout_qrels=heldout, wait_for_recall=True)
            check(status["index_version"] == version + 2, f"refresh gave version {status['index_version']}")
            drop = status["recall"]
            check(not status["recall_pending"] and drop["drop"] and drop["recall_at_10"] < first["recall_at_10"] - 0.01
                  and drop["best_recall_at_10"] == first["recall_at_10"], f"drop figures: {drop}")
            check("false-negative rate is too high" in status["recall_alert"]["advice"], f"alert: {status}")
            check(any(issubclass(w.category, RecallDropWarning) and "false-negative rate" in str(w.message)
                      for w in warned), f"warned: {[str(w.message) for w in warned]}")
        check("quarry_heldout_recall_drop 1.0" in client.metrics(), "the metrics flag the drop")
        _, _, after = client.mine(anchors[:2], anchor_positives[:2], num_negatives=5)
        check(after == version + 2, f"after the refreshes an answer came from version {after}")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"rows": [plain(r) for r in rows],
                   "scores": [[None if s != s else s for s in plain(r)] for r in scores]}, f)


if __name__ == "__main__":
    main()
