"""Baselines and Herald's engagement model as scorers over an item universe (benchmark only)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from recommender.cf import CoEngagement


@dataclass
class Matrix:
    """A users × items engagement matrix with its id maps."""

    X: sp.csr_matrix
    user_index: dict[int, int]
    items: NDArray[np.int64]

    def rows(self, users: NDArray[np.int64]) -> list[int]:
        return [self.user_index.get(int(u), -1) for u in users]


def build_matrix(
    users: NDArray[np.int64],
    items: NDArray[np.int64],
    weights: NDArray[np.float64],
    all_users: NDArray[np.int64],
    universe: NDArray[np.int64],
) -> Matrix:
    uidx = {int(u): k for k, u in enumerate(all_users.tolist())}
    ipos = {int(i): k for k, i in enumerate(universe.tolist())}
    r = np.array([uidx[int(u)] for u in users], dtype=np.int64)
    c = np.array([ipos[int(i)] for i in items], dtype=np.int64)
    X = sp.csr_matrix((weights, (r, c)), shape=(len(uidx), len(ipos)), dtype=np.float64)
    X.sum_duplicates()
    return Matrix(X, uidx, universe)


def _user_rows(m: Matrix, users: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.array(m.rows(users), dtype=np.int64)


class Popularity:
    name = "Popularity (train only)"

    def __init__(self, m: Matrix) -> None:
        self.pop = np.asarray(m.X.sum(axis=0), dtype=np.float64).ravel()

    def __call__(self, users: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.tile(self.pop, (users.shape[0], 1))


class SVD:
    """The notebook's SVD: truncated SVD (k=15) of the train pivot; items not in train → NaN."""

    name = "SVD, k=15"

    def __init__(self, m: Matrix, k: int = 15) -> None:
        from scipy.sparse.linalg import svds

        in_train = np.asarray(m.X.getnnz(axis=0) > 0)
        self.cols = np.flatnonzero(in_train)
        A = m.X[:, self.cols].astype(np.float64)
        rng = np.random.default_rng(42)
        v0 = rng.random(min(A.shape))
        U, s, Vt = svds(A, k=k, v0=v0)
        self.U, self.s, self.Vt = U, s, Vt
        self.m = m

    def __call__(self, users: NDArray[np.int64]) -> NDArray[np.float64]:
        rows = _user_rows(self.m, users)
        out = np.full((users.shape[0], self.m.X.shape[1]), np.nan)
        out[:, self.cols] = (self.U[rows] * self.s) @ self.Vt
        return out


class ALS:
    """implicit's ALS; confidence ``1 + alpha·strength``. ``alpha`` defaults to implicit's own
    default; the quality benchmark picks it on a validation split of the train pairs."""

    name = "implicit ALS, 64 factors"

    def __init__(self, m: Matrix, factors: int = 64, alpha: float = 1.0, seed: int = 42) -> None:
        import implicit.als
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # implicit's BLAS-threads advice
            model = implicit.als.AlternatingLeastSquares(
                factors=factors, iterations=15, regularization=0.01, alpha=alpha, random_state=seed
            )
            model.fit((m.X * 1.0).astype(np.float32).tocsr(), show_progress=False)
        self.uf = np.asarray(model.user_factors)
        self.itf = np.asarray(model.item_factors)
        self.m = m

    def __call__(self, users: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.asarray(self.uf[_user_rows(self.m, users)] @ self.itf.T, dtype=np.float64)


class LightFMWarp:
    name = "LightFM WARP (rectools-lightfm)"

    def __init__(self, m: Matrix, components: int = 64, epochs: int = 30, seed: int = 42) -> None:
        from lightfm import LightFM

        inter = m.X.copy()
        inter.data = np.ones_like(inter.data)
        model = LightFM(no_components=components, loss="warp", random_state=seed)
        model.fit(inter.tocoo().astype(np.float32), epochs=epochs, num_threads=2)
        ib, ie = model.get_item_representations()
        ub, ue = model.get_user_representations()
        self.ie, self.ib, self.ue, self.ub = ie, ib, ue, ub
        self.m = m

    def __call__(self, users: NDArray[np.int64]) -> NDArray[np.float64]:
        rows = _user_rows(self.m, users)
        return np.asarray(
            self.ue[rows] @ self.ie.T + self.ib + self.ub[rows, None], dtype=np.float64
        )


class HeraldEngagement:
    """Herald's colleague co-engagement model (``recommender.cf.CoEngagement``)."""

    name = "Herald engagement (co-engagement, EASE)"

    def __init__(self, m: Matrix, l2: float = 200.0) -> None:
        self.model = CoEngagement(l2=l2, binary=True).fit(m.X)
        self.m = m
        self.l2 = l2

    def __call__(self, users: NDArray[np.int64]) -> NDArray[np.float64]:
        rows = _user_rows(self.m, users)
        return np.asarray(self.model.score(self.m.X[rows]), dtype=np.float64)
