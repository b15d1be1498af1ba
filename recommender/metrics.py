"""Ranking metrics per user (so they can be bootstrapped) and catalog coverage.

``ranked`` is a list of recommended item ids (best first); ``relevant`` the set of held-out items.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet

import numpy as np
from numpy.typing import NDArray


def recall_at_k(ranked: Sequence[Hashable], relevant: AbstractSet[Hashable], k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & relevant) / len(relevant)


def ndcg_at_k(ranked: Sequence[Hashable], relevant: AbstractSet[Hashable], k: int) -> float:
    if not relevant:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal


def reciprocal_rank(ranked: Sequence[Hashable], relevant: AbstractSet[Hashable]) -> float:
    for i, item in enumerate(ranked):
        if item in relevant:
            return 1.0 / (i + 1)
    return 0.0


def coverage(recommendations: Iterable[Sequence[Hashable]], catalog_size: int, k: int) -> float:
    """Share of the catalog that appears in at least one top-k list."""
    if catalog_size <= 0:
        return 0.0
    seen: set[Hashable] = set()
    for recs in recommendations:
        seen.update(recs[:k])
    return len(seen) / catalog_size


def bootstrap_ci(
    values: Sequence[float] | NDArray[np.float64],
    n_resamples: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
    statistic: Callable[[NDArray[np.float64]], float] | None = None,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (or ``statistic``) of per-user values."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, arr.size, size=(n_resamples, arr.size))
    if statistic is None:
        stats = arr[idx].mean(axis=1)
    else:
        stats = np.array([statistic(arr[row]) for row in idx])
    lo, hi = np.quantile(stats, [alpha / 2, 1 - alpha / 2])
    return (float(lo), float(hi))


def evaluate_rankings(
    rankings: Sequence[Sequence[Hashable]],
    relevant: Sequence[AbstractSet[Hashable]],
    k: int = 10,
    catalog_size: int | None = None,
) -> dict[str, float]:
    """Mean Recall@k, NDCG@k and MRR over users, plus coverage when ``catalog_size`` is given."""
    if len(rankings) != len(relevant):
        raise ValueError(f"{len(rankings)} rankings but {len(relevant)} relevance sets")
    n = max(len(rankings), 1)
    out = {
        f"recall@{k}": sum(recall_at_k(r, s, k) for r, s in zip(rankings, relevant, strict=True))
        / n,
        f"ndcg@{k}": sum(ndcg_at_k(r, s, k) for r, s in zip(rankings, relevant, strict=True)) / n,
        "mrr": sum(reciprocal_rank(r, s) for r, s in zip(rankings, relevant, strict=True)) / n,
        "users": float(len(rankings)),
    }
    if catalog_size is not None:
        out[f"coverage@{k}"] = coverage(rankings, catalog_size, k)
    return out


def ratio_bootstrap_ci(
    numerators: Sequence[float] | NDArray[np.float64],
    denominators: Sequence[float] | NDArray[np.float64],
    n_resamples: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the micro-average ``sum(num) / sum(den)``.

    Resamples units (users, requests) with their numerator and denominator together, so the
    interval describes the same statistic as the point estimate (a per-unit mean would not:
    units with more held-out items weigh more in a micro-average).
    """
    num = np.asarray(numerators, dtype=np.float64)
    den = np.asarray(denominators, dtype=np.float64)
    if num.shape != den.shape:
        raise ValueError(f"{num.shape[0]} numerators but {den.shape[0]} denominators")
    if num.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, num.size, size=(n_resamples, num.size))
    stats = num[idx].sum(axis=1) / np.maximum(den[idx].sum(axis=1), 1e-12)
    lo, hi = np.quantile(stats, [alpha / 2, 1 - alpha / 2])
    return (float(lo), float(hi))
