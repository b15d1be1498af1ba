"""Maximal marginal relevance: trade a little score for topical variety in the final list."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def mmr(
    scores: NDArray[np.float64],
    embeddings: NDArray[np.float32],
    k: int,
    lambda_: float = 0.7,
) -> list[int]:
    """Pick ``k`` positions from ``scores`` greedily by
    ``λ·score − (1−λ)·max similarity to the items already picked``.

    ``scores`` are min-max scaled first so λ means the same whatever the ranker's scale. With
    ``lambda_ == 1`` this is plain top-k by score.
    """
    n = scores.shape[0]
    k = min(k, n)
    if k <= 0:
        return []
    span = float(scores.max() - scores.min())
    rel = (scores - scores.min()) / span if span > 0 else np.zeros_like(scores)
    picked: list[int] = []
    max_sim = np.full(n, -np.inf)
    available = np.ones(n, dtype=bool)
    for _ in range(k):
        penalty = np.where(np.isfinite(max_sim), max_sim, 0.0)
        value = lambda_ * rel - (1.0 - lambda_) * penalty
        value[~available] = -np.inf
        best = int(np.argmax(value))
        picked.append(best)
        available[best] = False
        sims = embeddings @ embeddings[best]
        max_sim = np.maximum(max_sim, sims.astype(np.float64))
    return picked


def diversify(
    scores: NDArray[np.float64],
    embeddings: NDArray[np.float32],
    k: int,
    weight: float = 0.3,
) -> tuple[list[int], list[float]]:
    """Pick ``k`` positions greedily by ``score · (1 − weight · closeness)``; return them and
    those values, which are non-increasing and in [0, 1] when ``scores`` are.

    ``closeness`` is an item's highest cosine to the items already picked, rescaled so that the
    shortlist's mean pairwise cosine is 0 and an identical vector 1 (clipped): a near-duplicate
    of a shown item loses up to ``weight`` of its score, a typical neighbour nothing, whatever the
    encoder's cosine scale. Each item's value can only fall as more items are picked, and the
    greedy pick is the largest remaining value, so the returned values never increase.
    """
    n = scores.shape[0]
    k = min(k, n)
    if k <= 0:
        return [], []
    if weight <= 0 or n == 1:
        order = np.argsort(-scores, kind="stable")[:k]
        return [int(i) for i in order], [float(scores[i]) for i in order]
    sims = (embeddings @ embeddings.T).astype(np.float64)
    off = sims[~np.eye(n, dtype=bool)]
    mean = float(off.mean()) if off.size else 0.0
    span = max(1.0 - mean, 1e-6)
    max_sim = np.full(n, -np.inf)
    available = np.ones(n, dtype=bool)
    picked: list[int] = []
    values: list[float] = []
    for _ in range(k):
        closeness = np.clip((max_sim - mean) / span, 0.0, 1.0)
        value = scores * (1.0 - weight * closeness)
        value[~available] = -np.inf
        best = int(np.argmax(value))
        picked.append(best)
        values.append(float(value[best]))
        available[best] = False
        max_sim = np.maximum(max_sim, sims[:, best])
    return picked, values
