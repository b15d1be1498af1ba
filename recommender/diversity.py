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
