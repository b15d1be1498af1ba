"""A linear, explainable ranker: logistic regression, logged impressions → engaged (shared/opened).

With too little data (a new deployment, few positives) it keeps ``DEFAULT_WEIGHTS``, hand-set so
that context and personal history lead, popularity and freshness break ties, and teammates'
recent shares push an article down (anti-flood). Because the model is linear, ``contributions``
(weight × feature) say exactly which features drove a score; reasons are built from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from recommender.errors import NotFittedError
from recommender.features import FEATURE_NAMES

DEFAULT_WEIGHTS: dict[str, float] = {
    "context_sim": 3.0,
    "role_sim": 1.0,
    "peer_engagement": 1.0,
    "own_history": 1.5,
    "popularity": 0.8,
    "freshness": 0.7,
    "campaign": 0.6,
    "teammates_24h": -1.0,
}
DEFAULT_INTERCEPT = -2.0


class EngagementRanker(BaseEstimator):  # type: ignore[misc]
    """Scores candidates; scikit-learn conventions (``fit`` returns self, learned ``attrs_``).

    Parameters
    ----------
    feature_names: column names of ``X``, in order.
    min_samples, min_positives: below either, ``fit`` keeps the fixed ``default_weights``.
    C: inverse L2 regularisation strength of the logistic regression.
    default_weights: weights used without enough data (missing names weigh 0).
    """

    def __init__(
        self,
        feature_names: Sequence[str] = FEATURE_NAMES,
        min_samples: int = 200,
        min_positives: int = 20,
        C: float = 1.0,
        default_weights: Mapping[str, float] | None = None,
    ) -> None:
        self.feature_names = feature_names
        self.min_samples = min_samples
        self.min_positives = min_positives
        self.C = C
        self.default_weights = default_weights

    def _defaults(self) -> tuple[NDArray[np.float64], float]:
        weights = DEFAULT_WEIGHTS if self.default_weights is None else self.default_weights
        unknown = set(weights) - set(self.feature_names)
        if unknown:
            raise ValueError(f"default_weights name unknown features: {sorted(unknown)}")
        coef = np.array([float(weights.get(name, 0.0)) for name in self.feature_names])
        return coef, DEFAULT_INTERCEPT

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> EngagementRanker:
        """Fit on feature rows ``X`` and binary labels ``y`` (1 = engaged)."""
        Xa = np.asarray(X, dtype=np.float64)
        ya = np.asarray(y).astype(np.int64).ravel()
        if Xa.ndim != 2 or Xa.shape[1] != len(self.feature_names):
            raise ValueError(f"X must have shape (n, {len(self.feature_names)}), got {Xa.shape}")
        if Xa.shape[0] != ya.shape[0]:
            raise ValueError(f"X has {Xa.shape[0]} rows but y has {ya.shape[0]}")
        if not np.isfinite(Xa).all():
            raise ValueError("X contains NaN or infinite values")
        self.n_features_in_ = Xa.shape[1]
        self.n_samples_seen_ = int(Xa.shape[0])
        positives = int(ya.sum())
        self.n_positives_seen_ = positives
        negatives = int(ya.shape[0] - positives)
        if (
            Xa.shape[0] < self.min_samples
            or positives < self.min_positives
            or negatives < self.min_positives
        ):
            self.coef_, self.intercept_ = self._defaults()
            self.fallback_ = True
            return self
        mean = Xa.mean(axis=0)
        scale = Xa.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=self.C, max_iter=1000)
        model.fit((Xa - mean) / scale, ya, sample_weight=sample_weight)
        coef = model.coef_[0] / scale
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = float(model.intercept_[0] - float((coef * mean).sum()))
        self.fallback_ = False
        return self

    def _check(self, X: ArrayLike) -> NDArray[np.float64]:
        if not hasattr(self, "coef_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit() or use with_defaults()"
            )
        Xa = np.asarray(X, dtype=np.float64)
        if Xa.ndim != 2 or Xa.shape[1] != self.n_features_in_:
            raise ValueError(f"X must have shape (n, {self.n_features_in_}), got {Xa.shape}")
        return Xa

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        Xa = self._check(X)
        return np.asarray(Xa @ self.coef_ + self.intercept_, dtype=np.float64)

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def contributions(self, X: ArrayLike) -> NDArray[np.float64]:
        """Per-feature contribution ``coef × x`` to the decision function (same shape as X)."""
        Xa = self._check(X)
        return np.asarray(Xa * self.coef_, dtype=np.float64)

    def weights(self) -> dict[str, float]:
        self._check(np.zeros((0, len(self.feature_names))))
        return {n: float(w) for n, w in zip(self.feature_names, self.coef_, strict=True)}

    @classmethod
    def with_defaults(cls, **params: Any) -> EngagementRanker:
        """A ranker that uses the fixed default weights (no data needed)."""
        ranker = cls(**params)
        n = len(ranker.feature_names)
        return ranker.fit(np.zeros((0, n)), np.zeros(0))
