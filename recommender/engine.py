"""The in-memory scoring path: candidate filter → features → ranker → diversity → reasons.

No Flask, no database: the service (``backend.services.suggestions``) builds a ``Catalog`` from the
database and a ``Request`` per call. A request is a handful of vectorised operations over the
pre-normalised ``(n, dim)`` embedding matrix plus ``argpartition`` for the top of the list.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from recommender.diversity import mmr
from recommender.features import FEATURE_NAMES, build_matrix
from recommender.ranker import EngagementRanker

POOL_SIZE = 50  # candidates considered by MMR


@dataclass
class Catalog:
    """Suggestible articles, aligned arrays; row ``i`` is article ``article_ids[i]``."""

    article_ids: NDArray[np.int64]
    embeddings: NDArray[np.float32]
    languages: NDArray[np.str_]
    published_ts: NDArray[np.float64]
    campaign_priority: NDArray[np.float32]
    encoder: str = ""
    _rows: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        n = self.article_ids.shape[0]
        for name in ("embeddings", "languages", "published_ts", "campaign_priority"):
            if getattr(self, name).shape[0] != n:
                got = getattr(self, name).shape[0]
                raise ValueError(f"catalog column {name} has {got} rows, not {n}")
        self._rows = {int(a): i for i, a in enumerate(self.article_ids.tolist())}

    def __len__(self) -> int:
        return int(self.article_ids.shape[0])

    def row(self, article_id: int) -> int | None:
        return self._rows.get(article_id)

    def by_row(self, mapping: Mapping[int, float]) -> dict[int, float]:
        """Re-key an ``{article_id: value}`` mapping by catalog row, dropping unknown articles."""
        out: dict[int, float] = {}
        for article_id, value in mapping.items():
            r = self._rows.get(article_id)
            if r is not None:
                out[r] = value
        return out

    @classmethod
    def empty(cls, dim: int, encoder: str = "") -> Catalog:
        return cls(
            article_ids=np.zeros(0, dtype=np.int64),
            embeddings=np.zeros((0, dim), dtype=np.float32),
            languages=np.zeros(0, dtype="<U2"),
            published_ts=np.zeros(0, dtype=np.float64),
            campaign_priority=np.zeros(0, dtype=np.float32),
            encoder=encoder,
        )


@dataclass
class Request:
    """Everything known about one suggestion request; mappings are keyed by article id."""

    now_ts: float
    languages: Collection[str] = ("en",)
    exclude_ids: Collection[int] = ()
    context_vec: NDArray[np.float32] | None = None
    role_vec: NDArray[np.float32] | None = None
    profile_vec: NDArray[np.float32] | None = None
    peer_engagement: Mapping[int, float] = field(default_factory=dict)
    popularity: Mapping[int, float] = field(default_factory=dict)
    teammates_24h: Mapping[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Scored:
    article_id: int
    score: float
    features: dict[str, float]
    contributions: NDArray[np.float64]
    baseline: NDArray[np.float64]


def candidate_mask(catalog: Catalog, req: Request) -> NDArray[np.bool_]:
    """Articles in a language the employee reads and not already shared or dismissed by them."""
    langs = list(req.languages) or ["en"]
    mask = np.isin(catalog.languages, np.array(langs, dtype=catalog.languages.dtype))
    for article_id in req.exclude_ids:
        r = catalog.row(int(article_id))
        if r is not None:
            mask[r] = False
    return np.asarray(mask, dtype=np.bool_)


def feature_matrix(catalog: Catalog, req: Request) -> NDArray[np.float64]:
    return build_matrix(
        embeddings=catalog.embeddings,
        published_ts=catalog.published_ts,
        campaign_priority=catalog.campaign_priority,
        now_ts=req.now_ts,
        context_vec=req.context_vec,
        role_vec=req.role_vec,
        profile_vec=req.profile_vec,
        peer_engagement=catalog.by_row(req.peer_engagement),
        popularity=catalog.by_row(req.popularity),
        teammates_24h=catalog.by_row(req.teammates_24h),
    )


def recommend(
    catalog: Catalog,
    req: Request,
    ranker: EngagementRanker,
    limit: int = 5,
    diversity: float = 0.3,
    pool_size: int = POOL_SIZE,
) -> list[Scored]:
    """The top ``limit`` candidates, diversified by MMR (``diversity`` = 1 − λ)."""
    if len(catalog) == 0 or limit <= 0:
        return []
    rows = np.flatnonzero(candidate_mask(catalog, req))
    if rows.size == 0:
        return []
    X_all = feature_matrix(catalog, req)
    X = X_all[rows]
    scores = ranker.decision_function(X)
    pool = min(max(pool_size, limit), rows.size)
    top = np.argpartition(-scores, pool - 1)[:pool] if pool < rows.size else np.arange(rows.size)
    top = top[np.argsort(-scores[top], kind="stable")]
    picked = mmr(scores[top], catalog.embeddings[rows[top]], limit, lambda_=1.0 - diversity)
    contrib = ranker.contributions(X[top])
    baseline = np.median(ranker.contributions(X), axis=0)
    out: list[Scored] = []
    for p in picked:
        i = int(top[p])
        out.append(
            Scored(
                article_id=int(catalog.article_ids[rows[i]]),
                score=float(scores[i]),
                features={n: float(v) for n, v in zip(FEATURE_NAMES, X[i], strict=True)},
                contributions=contrib[p],
                baseline=baseline,
            )
        )
    return out


def profile_vector(
    embeddings: NDArray[np.float32], weights: Sequence[float]
) -> NDArray[np.float32] | None:
    """The employee's taste: weighted (time-decayed, signed) sum of engaged articles' embeddings."""
    if len(weights) == 0:
        return None
    vec = np.asarray(weights, dtype=np.float32) @ embeddings
    norm = float(np.linalg.norm(vec))
    if norm == 0.0:
        return None
    return (vec / norm).astype(np.float32)
