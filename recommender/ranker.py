"""A linear, explainable ranker: logistic regression anchored to fixed prior weights.

``DEFAULT_WEIGHTS`` are hand-set so that context and personal history lead, popularity and
freshness break ties, and teammates' recent shares push an article down (anti-flood). ``fit``
minimises the summed log-loss of logged impressions → engaged (opened/shared/saved) plus
``prior_strength / 2 · ||w − w_prior||²`` with L-BFGS-B (a Gaussian prior centred on the defaults,
not on zero). So a feature the logs never vary, or barely, keeps its prior weight instead of
dropping to 0, and evidence moves a weight as far as the data supports. Where the sign is known the
weight is bounded (``SIGNS``: similarities, peer engagement and own history ≥ 0, anti-flood ≤ 0).
The intercept is not penalised. With too little data (a new deployment, few positives) ``fit``
keeps the priors exactly (``fallback_``).

Because the model is linear, ``contributions`` (weight × feature) say exactly which features
drove a score; reasons are built from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator

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

# Known signs: +1 → weight ≥ 0, −1 → weight ≤ 0. Features not named here are unconstrained.
SIGNS: dict[str, int] = {
    "context_sim": 1,
    "role_sim": 1,
    "peer_engagement": 1,
    "own_history": 1,
    "teammates_24h": -1,
}


class EngagementRanker(BaseEstimator):  # type: ignore[misc]
    """Scores candidates; scikit-learn conventions (``fit`` returns self, learned ``attrs_``).

    Parameters
    ----------
    feature_names: column names of ``X``, in order.
    min_samples, min_positives: below either, ``fit`` keeps the prior weights exactly.
    prior_strength: precision of the Gaussian prior around the prior weights (the penalty is
        ``prior_strength / 2 · ||w − w_prior||²`` against the *summed* log-loss, so evidence
        outweighs it as impressions accumulate).
    default_weights: the prior weights (missing names weigh 0); ``DEFAULT_WEIGHTS`` if None.
    signs: known weight signs by feature name; ``SIGNS`` if None.
    """

    def __init__(
        self,
        feature_names: Sequence[str] = FEATURE_NAMES,
        min_samples: int = 200,
        min_positives: int = 20,
        prior_strength: float = 1.0,
        default_weights: Mapping[str, float] | None = None,
        signs: Mapping[str, int] | None = None,
    ) -> None:
        self.feature_names = feature_names
        self.min_samples = min_samples
        self.min_positives = min_positives
        self.prior_strength = prior_strength
        self.default_weights = default_weights
        self.signs = signs

    def _defaults(self) -> tuple[NDArray[np.float64], float]:
        weights = DEFAULT_WEIGHTS if self.default_weights is None else self.default_weights
        unknown = set(weights) - set(self.feature_names)
        if unknown:
            raise ValueError(f"default_weights name unknown features: {sorted(unknown)}")
        coef = np.array([float(weights.get(name, 0.0)) for name in self.feature_names])
        return coef, DEFAULT_INTERCEPT

    def _bounds(self, prior: NDArray[np.float64]) -> list[tuple[float | None, float | None]]:
        signs = SIGNS if self.signs is None else self.signs
        bounds: list[tuple[float | None, float | None]] = []
        for name, p in zip(self.feature_names, prior.tolist(), strict=True):
            sign = signs.get(name, 0)
            if sign > 0:
                if p < 0:
                    raise ValueError(f"prior weight of {name} is {p}, but its sign is >= 0")
                bounds.append((0.0, None))
            elif sign < 0:
                if p > 0:
                    raise ValueError(f"prior weight of {name} is {p}, but its sign is <= 0")
                bounds.append((None, 0.0))
            else:
                bounds.append((None, None))
        return [*bounds, (None, None)]  # the intercept is free

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> EngagementRanker:
        """Fit on feature rows ``X`` and binary labels ``y`` (1 = engaged)."""
        if self.prior_strength <= 0:
            raise ValueError(f"prior_strength must be positive, got {self.prior_strength}")
        Xa = np.asarray(X, dtype=np.float64)
        ya = np.asarray(y).astype(np.int64).ravel()
        if Xa.ndim != 2 or Xa.shape[1] != len(self.feature_names):
            raise ValueError(f"X must have shape (n, {len(self.feature_names)}), got {Xa.shape}")
        if Xa.shape[0] != ya.shape[0]:
            raise ValueError(f"X has {Xa.shape[0]} rows but y has {ya.shape[0]}")
        if not np.isfinite(Xa).all():
            raise ValueError("X contains NaN or infinite values")
        sw = (
            np.ones(ya.shape[0])
            if sample_weight is None
            else np.asarray(sample_weight, dtype=np.float64).ravel()
        )
        if sw.shape[0] != ya.shape[0]:
            raise ValueError(f"sample_weight has {sw.shape[0]} values but y has {ya.shape[0]}")
        prior, prior_b = self._defaults()
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
            self.coef_, self.intercept_ = prior, prior_b
            self.fallback_ = True
            return self
        bounds = self._bounds(prior)
        coef, intercept = _fit_anchored(Xa, ya, sw, prior, self.prior_strength, bounds)
        self.coef_ = coef
        self.intercept_ = intercept
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


def _fit_anchored(
    X: NDArray[np.float64],
    y: NDArray[np.int64],
    sample_weight: NDArray[np.float64],
    prior: NDArray[np.float64],
    strength: float,
    bounds: list[tuple[float | None, float | None]],
) -> tuple[NDArray[np.float64], float]:
    """argmin Σ sw·logloss(y, Xw + b) + strength/2·||w − prior||² within ``bounds`` (L-BFGS-B).

    Solved over standardised columns (``v = w·scale``, the intercept absorbing the means) for
    conditioning; the objective and its optimum are the same as over raw ``X``. A constant column
    has ``scale = 1`` and no data gradient, so its weight stays at the prior.
    """
    yf = y.astype(np.float64)
    sign = 2.0 * yf - 1.0  # log p(y | z) = log σ(sign · z)
    mean = np.average(X, axis=0, weights=sample_weight)
    scale = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=sample_weight))
    scale[scale < 1e-12] = 1.0
    Xs = (X - mean) / scale
    # Start at the prior with the intercept matching the base rate (deterministic, so refits agree).
    rate = float(np.clip(np.average(yf, weights=sample_weight), 1e-6, 1 - 1e-6))
    theta0 = np.concatenate([prior * scale, [np.log(rate / (1 - rate))]])
    # Sign bounds carry over (scale > 0).
    std_bounds = list(bounds)

    def objective(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        v, c = theta[:-1], theta[-1]
        z = Xs @ v + c
        loss = -float(sample_weight @ log_expit(sign * z))
        resid = sample_weight * (expit(z) - yf)
        diff = v / scale - prior
        grad = np.concatenate([Xs.T @ resid + strength * diff / scale, [resid.sum()]])
        return loss + 0.5 * strength * float(diff @ diff), grad

    res = minimize(
        objective,
        theta0,
        jac=True,
        method="L-BFGS-B",
        bounds=std_bounds,
        options={"maxiter": 5000, "ftol": 1e-13, "gtol": 1e-9},
    )
    theta = np.asarray(res.x, dtype=np.float64)
    w = theta[:-1] / scale
    return w, float(theta[-1] - float(w @ mean))
