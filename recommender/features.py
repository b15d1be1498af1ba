"""Ranking features: one row per (employee, candidate article), in a fixed column order.

Every feature is computed vectorised over the whole candidate set (one matrix product for the three
similarities), so a request costs one ``(n, dim) @ (dim, 3)`` product plus a few scatters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

import numpy as np
from numpy.typing import NDArray

CONTEXT_SIM: Final = "context_sim"
ROLE_SIM: Final = "role_sim"
PEER_ENGAGEMENT: Final = "peer_engagement"
OWN_HISTORY: Final = "own_history"
POPULARITY: Final = "popularity"
FRESHNESS: Final = "freshness"
CAMPAIGN: Final = "campaign"
TEAMMATES_24H: Final = "teammates_24h"

FEATURE_NAMES: Final[tuple[str, ...]] = (
    CONTEXT_SIM,
    ROLE_SIM,
    PEER_ENGAGEMENT,
    OWN_HISTORY,
    POPULARITY,
    FRESHNESS,
    CAMPAIGN,
    TEAMMATES_24H,
)

# Scales: counts enter as log1p(count) / log1p(saturation) so a typical value lands in [0, 1].
PEER_SATURATION: Final = 10.0
POPULARITY_SATURATION: Final = 50.0
FRESHNESS_HALF_LIFE_DAYS: Final = 7.0
DAY_S: Final = 86400.0


def log_scale(values: NDArray[np.float64], saturation: float) -> NDArray[np.float64]:
    return np.log1p(np.maximum(values, 0.0)) / math.log1p(saturation)


def scatter(rows: Mapping[int, float], n: int) -> NDArray[np.float64]:
    """A dense length-``n`` vector from a sparse ``{row: value}`` mapping."""
    out = np.zeros(n, dtype=np.float64)
    if rows:
        idx = np.fromiter(rows.keys(), dtype=np.int64, count=len(rows))
        val = np.fromiter(rows.values(), dtype=np.float64, count=len(rows))
        np.add.at(out, idx, val)
    return out


def freshness(published_ts: NDArray[np.float64], now_ts: float) -> NDArray[np.float64]:
    """1.0 for an article published now, halving every ``FRESHNESS_HALF_LIFE_DAYS``."""
    age_days = np.maximum(now_ts - published_ts, 0.0) / DAY_S
    return np.asarray(np.exp2(-age_days / FRESHNESS_HALF_LIFE_DAYS), dtype=np.float64)


def build_matrix(
    *,
    embeddings: NDArray[np.float32],
    published_ts: NDArray[np.float64],
    campaign_priority: NDArray[np.float32],
    now_ts: float,
    context_vec: NDArray[np.float32] | None = None,
    role_vec: NDArray[np.float32] | None = None,
    profile_vec: NDArray[np.float32] | None = None,
    peer_engagement: Mapping[int, float] | None = None,
    popularity: Mapping[int, float] | None = None,
    teammates_24h: Mapping[int, float] | None = None,
) -> NDArray[np.float64]:
    """The ``(n, len(FEATURE_NAMES))`` feature matrix for rows of ``embeddings``.

    Mappings are keyed by row index into ``embeddings`` (not by article id).
    """
    n, dim = embeddings.shape
    X = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float64)
    probes = np.zeros((dim, 3), dtype=np.float32)
    for col, vec in enumerate((context_vec, role_vec, profile_vec)):
        if vec is not None:
            probes[:, col] = vec
    if context_vec is not None or role_vec is not None or profile_vec is not None:
        X[:, [0, 1, 3]] = embeddings @ probes
    X[:, 2] = log_scale(scatter(peer_engagement or {}, n), PEER_SATURATION)
    X[:, 4] = log_scale(scatter(popularity or {}, n), POPULARITY_SATURATION)
    X[:, 5] = freshness(published_ts, now_ts)
    X[:, 6] = campaign_priority
    X[:, 7] = np.log1p(scatter(teammates_24h or {}, n))
    return X
