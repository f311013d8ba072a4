"""A trainer's calls as a type checker sees them (not a unittest module: scripts/python-test.sh runs
``mypy --strict --warn-unused-ignores`` on it against the installed package). The lines marked
``type: ignore[...]`` are mistakes the typed signatures must catch: if one stopped being an error, its ignore
would be unused and the run would fail."""

from __future__ import annotations

from quarry_client import Client, Mined, QuarryError, SamplingStrategy


def mine_a_batch(client: Client, anchors: list[list[float]], positives: list[list[str]]) -> int:
    ids, scores, version = client.mine(anchors, positives, num_negatives=8, range_min=0, relative_margin="off",
                                       near_duplicate=0.95, sampling_strategy="semi-hard", seed=7, nprobe=4)
    strategy: SamplingStrategy = "simans"
    answer: Mined = client.mine(anchors, None, anchor_ids=["q1"], binary=False, sampling_strategy=strategy)
    whole = client.mine_json(anchors, [None], min_score="off", no_defences=True)
    try:
        client.mine(anchors, positives, num_negatives=0)
    except QuarryError as e:
        field: str | None = e.field
        value: str | None = e.value
        expected: str | None = e.expected
        print(field, value, expected)
    return version + answer.index_version + len(whole)


def mistakes(client: Client, anchors: list[list[float]]) -> None:
    client.mine(anchors, None, num_negativs=8)  # type: ignore[call-arg]
    client.mine(anchors, None, num_negatives="8")  # type: ignore[arg-type]
    client.mine(anchors, None, range_min="off")  # type: ignore[arg-type]
    client.mine(anchors, None, sampling_strategy="hardest")  # type: ignore[arg-type]
    client.mine_json(anchors, None, binary=False)  # type: ignore[call-arg]
    client.mine(anchors, None, 8)  # type: ignore[misc, arg-type]


def watch_recall(client: Client) -> float:
    status = client.refresh("/data/epoch2.qvec", heldout_queries="/data/h.qvec", heldout_qrels="/data/h.tsv")
    figures = client.recall(status["index_version"], timeout=120.0)
    waited = client.refresh("/data/epoch3.qvec", wait_for_recall=True)
    return float(figures["recall_at_10"] if figures is not None else 0.0) + float(waited["recall_pending"])


def recall_mistakes(client: Client) -> None:
    client.recall("2")  # type: ignore[arg-type]
    client.refresh("/data/c.qvec", wait_for_recall=1.5)  # type: ignore[arg-type]
    figures = client.recall(2)
    figures["recall_at_10"]  # type: ignore[index]
