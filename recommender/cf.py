"""Engagement from colleagues: an item-item model of which articles are engaged with together.

``CoEngagement`` is EASE (Steck 2019): a closed-form ridge regression of every item's engagement on
every other item's, ``B = I − P / diag(P)`` with ``P = (XᵀX + λI)⁻¹`` and a zero diagonal. An
employee's score for an article is the sum of the weights from the articles they engaged with. It
cannot score articles nobody has touched yet (new content); the ranker blends it with freshness,
popularity and content similarity for those.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.base import BaseEstimator

from recommender.errors import NotFittedError


class CoEngagement(BaseEstimator):  # type: ignore[misc]
    """Item-item co-engagement weights (EASE); scikit-learn conventions.

    Parameters
    ----------
    l2: ridge regularisation λ (larger → smoother, more popularity-like).
    binary: use engaged/not engaged instead of event strengths.
    """

    def __init__(self, l2: float = 200.0, binary: bool = True) -> None:
        self.l2 = l2
        self.binary = binary

    def fit(self, user_items: sp.spmatrix | NDArray[np.float64]) -> CoEngagement:
        """Fit on a ``(n_users, n_items)`` engagement matrix."""
        X = sp.csr_matrix(user_items, dtype=np.float64)
        if self.binary:
            X.data = np.ones_like(X.data)
        if self.l2 <= 0:
            raise ValueError(f"l2 must be positive, got {self.l2}")
        gram = np.asarray((X.T @ X).toarray(), dtype=np.float64)
        gram[np.diag_indices_from(gram)] += self.l2
        P = np.linalg.inv(gram)
        B = -P / np.diag(P)
        B[np.diag_indices_from(B)] = 0.0
        self.item_weights_ = B.astype(np.float32)
        self.n_items_ = int(X.shape[1])
        return self

    def score(self, user_items: sp.spmatrix | NDArray[np.float64]) -> NDArray[np.float32]:
        """Scores ``(n_users, n_items)`` for the given users' engagement rows."""
        if not hasattr(self, "item_weights_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit() first")
        X = sp.csr_matrix(user_items, dtype=np.float32)
        if X.shape[1] != self.n_items_:
            raise ValueError(f"expected {self.n_items_} item columns, got {X.shape[1]}")
        if self.binary:
            X.data = np.ones_like(X.data)
        out: NDArray[np.float32] = np.asarray(X @ self.item_weights_, dtype=np.float32)
        return out


# --- co-engagement as served ------------------------------------------------------------------
#
# ``backend.services.suggestions.peer_engagement`` and the Deskdrop "Herald as served" rows call
# these two functions, so the engagement signal measured is the one served.

MAX_ITEMS = 2000  # the most engaged articles the served model covers (B is MAX_ITEMS² floats)
SERVED_L2 = 200.0  # λ chosen on the 101 protocol's inner split of the train pairs (see docs)
PEER_TOP = 10.0  # an employee's best co-engaged article gets this value (the feature saturates)


class CoEngagementIndex:
    """A fitted ``CoEngagement`` over article ids: the served peer-engagement model."""

    def __init__(self, article_ids: NDArray[np.int64], model: CoEngagement | None) -> None:
        self.article_ids = article_ids
        self.model = model
        self.positions = {int(a): k for k, a in enumerate(article_ids.tolist())}

    def scores(self, engaged: Collection[int]) -> dict[int, float]:
        """Co-engagement score per article for someone who engaged with ``engaged``.

        Positive scores only, scaled so the best article gets ``PEER_TOP``: the served feature is
        ``log1p(value) / log1p(PEER_SATURATION)``, so the scale is the colleague count's.
        """
        if self.model is None:
            return {}
        cols = [self.positions[a] for a in set(engaged) if a in self.positions]
        if not cols:
            return {}
        row = self.model.item_weights_[cols].sum(axis=0, dtype=np.float64)
        top = float(row.max())
        if top <= 0.0:
            return {}
        keep = np.flatnonzero(row > 0.0)
        vals = row[keep] * (PEER_TOP / top)
        return dict(zip(self.article_ids[keep].tolist(), vals.tolist(), strict=True))


def fit_index(
    employee_ids: Sequence[int] | NDArray[np.int64],
    article_ids: Sequence[int] | NDArray[np.int64],
    l2: float = SERVED_L2,
    max_items: int = MAX_ITEMS,
) -> CoEngagementIndex:
    """Fit EASE on (employee, article) engagement pairs; keeps the ``max_items`` most engaged."""
    users = np.asarray(employee_ids, dtype=np.int64)
    items = np.asarray(article_ids, dtype=np.int64)
    if users.shape != items.shape:
        raise ValueError(f"{users.shape[0]} employee ids but {items.shape[0]} article ids")
    if users.size == 0:
        return CoEngagementIndex(np.zeros(0, dtype=np.int64), None)
    pairs = np.unique(np.stack([users, items], axis=1), axis=0)
    uniq, counts = np.unique(pairs[:, 1], return_counts=True)
    if uniq.shape[0] > max_items:
        order = np.lexsort((uniq, -counts))[:max_items]
        uniq = np.sort(uniq[order])
    keep = np.isin(pairs[:, 1], uniq)
    pairs = pairs[keep]
    u_ids, rows = np.unique(pairs[:, 0], return_inverse=True)
    cols = np.searchsorted(uniq, pairs[:, 1])
    X = sp.csr_matrix(
        (np.ones(pairs.shape[0]), (rows, cols)), shape=(u_ids.shape[0], uniq.shape[0])
    )
    return CoEngagementIndex(uniq, CoEngagement(l2=l2, binary=True).fit(X))
