"""The training ``quarry tune`` runs, written in torch: the reference its Java implementation is checked against.

A linear adapter ``W`` (d x d, from the identity) maps a query embedding ``q`` to ``W q / |W q|``. Each
example is an (anchor, positive) pair with the anchor's mined negatives; its logits are the cosines of
the adapted query with its positive, its negatives and the positives of the other examples of the batch
(those that are positives of its own anchor are masked), over the temperature; the loss is the
cross-entropy of the positive, averaged over the batch; Adam steps once per batch. An epoch visits the
examples sorted by ``mix(mix(seed, epoch), i)`` as a signed 64-bit number (Quarry's ``Seeds.mix``), ties
by ``i``, and cuts them into batches in that order.
"""

from __future__ import annotations

import numpy as np
import torch

_MASK = (1 << 64) - 1


def _fmix(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _MASK
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _MASK
    k ^= k >> 33
    return k


def mix(seed: int, index: int) -> int:
    """Quarry's ``Seeds.mix``: the MurmurHash3 finalizer twice, on 64-bit two's complement values."""
    return _fmix(_fmix(seed & _MASK) ^ ((index * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & _MASK))


def _signed(x: int) -> int:
    return x - (1 << 64) if x >= 1 << 63 else x


def epoch_order(count: int, seed: int, epoch: int) -> list[int]:
    """The examples of epoch ``epoch`` in the order Quarry's ``BatchOrder`` visits them."""
    epoch_seed = mix(seed, epoch)
    return sorted(range(count), key=lambda i: (_signed(mix(epoch_seed, i)), i))


def examples(anchors: list[int], positives: dict[int, list[int]], negatives: dict[int, list[int]]):
    """(query row, positive row, negative rows, anchor's positive rows) per example, in Quarry's order:
    anchors as given, each anchor's positives ascending."""
    out = []
    for a in anchors:
        own = sorted(positives[a])
        for p in own:
            out.append((a, p, list(negatives.get(a, [])), own))
    return out


def train(corpus: np.ndarray, queries: np.ndarray, exs, temperature: float, learning_rate: float, epochs: int,
          batch_size: int, seed: int) -> torch.Tensor:
    """Trains W from the identity and returns it (float32, W[r][c] maps component c to r)."""
    torch.manual_seed(0)  # nothing here is random; set so that nothing could be
    dim = corpus.shape[1]
    docs = torch.from_numpy(corpus)
    qs = torch.from_numpy(queries)
    w = torch.eye(dim, dtype=torch.float32, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=learning_rate, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    for epoch in range(epochs):
        order = epoch_order(len(exs), seed, epoch)
        for start in range(0, len(order), batch_size):
            batch = [exs[e] for e in order[start:start + batch_size]]
            optimizer.zero_grad()
            q = qs[[b[0] for b in batch]]
            u = q @ w.T
            v = u / u.norm(dim=1, keepdim=True)
            pos = docs[[b[1] for b in batch]]
            in_batch = v @ pos.T / temperature
            losses = []
            for i, (_, p, negs, own) in enumerate(batch):
                parts = [in_batch[i, i:i + 1]]
                if negs:
                    parts.append(v[i] @ docs[negs].T / temperature)
                others = [j for j in range(len(batch)) if j != i]
                masked = torch.tensor([batch[j][1] in own for j in others], dtype=torch.bool)
                parts.append(in_batch[i, others].masked_fill(masked, float("-inf")))
                logits = torch.cat(parts)
                losses.append(torch.logsumexp(logits, dim=0) - logits[0])
            loss = torch.stack(losses).mean()
            loss.backward()
            optimizer.step()
    return w.detach()


def recall_at(corpus: np.ndarray, queries: np.ndarray, w: torch.Tensor | None, heldout: dict[int, list[int]],
              k: int = 10) -> float:
    """Mean recall@k of exact search with the adapted held-out queries (ties by row, as Quarry orders them)."""
    rows = sorted(heldout)
    q = torch.from_numpy(queries[rows])
    if w is not None:
        q = q @ w.T
    q = (q / q.norm(dim=1, keepdim=True)).numpy()
    scores = q @ corpus.T
    total = 0.0
    for i, a in enumerate(rows):
        s = scores[i]
        top = np.lexsort((np.arange(len(s)), -s))[:k]
        relevant = set(heldout[a])
        total += len(relevant.intersection(top.tolist())) / len(relevant)
    return total / len(rows)
