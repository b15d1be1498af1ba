"""Engagement from colleagues: an item-item model of which articles are engaged with together.

``CoEngagement`` is EASE (Steck 2019): a closed-form ridge regression of every item's engagement on
every other item's, ``B = I − P / diag(P)`` with ``P = (XᵀX + λI)⁻¹`` and a zero diagonal. An
employee's score for an article is the sum of the weights from the articles they engaged with. It
cannot score articles nobody has touched yet (new content); the ranker blends it with freshness,
popularity and content similarity for those.
"""

from __future__ import annotations

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
