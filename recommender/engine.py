"""The in-memory scoring path: candidate filter → features → ranker → diversity → reasons.

No Flask, no database: the service (``backend.services.suggestions``) builds a ``Catalog`` from the
database and a ``Request`` per call.

Cost per request, for a catalog of ``n`` articles: one ``(n, dim)`` matrix-vector product for the
similarity features (the probes combine first), a few ``O(n)`` vector operations (the ranker is
linear, so the whole catalog is scored without building the feature matrix), ``argpartition`` for
the shortlist, and then the full feature rows, contributions and MMR for the shortlist only. With a
page context the catalog product is the context's, and the personal part is scored only for the
rows whose relevance is within ``RELEVANCE_BAND`` of the pool's (``served_scores``): the others
cannot reach the pool whatever their personal signals. What does not depend on the
request is cached on the catalog: the language masks, and the freshness/campaign part of every
score (recomputed every ``STATIC_TTL_S`` seconds of ``now``). Reasons compare an item with the
median of the shortlist (the candidates the item actually competed with).

Relevance first. With a page context every candidate gets a ``relevance`` in [0, 1]
(``recommender.relevance``: BM25 and dense similarity fused), and the list is sorted by

    score = (relevance + RELEVANCE_BAND * personal) / (1 + RELEVANCE_BAND)

where ``personal`` in (0, 1) is the ranker's probability from everything except the context
(role, history, peers, popularity, freshness, campaign, anti-flood). So promotion and personal
signals can lift an article by at most ``RELEVANCE_BAND`` of relevance: an article whose relevance
is lower by more than the band can never outrank a better match because of them; within the band
they decide. Without a context ``score`` is the ranker's probability (personal signals lead), and
the diversity step (``recommender.diversity.diversify``) lowers the score of an item close to one
already picked; the list is returned in order of that final score. With a context there is no
diversity step (``CONTEXT_DIVERSITY``): on the retrieval benchmarks it only cost relevance, and
it could let a near-duplicate's neighbour jump the band. Either way ``score`` is in [0, 1] and
non-increasing down the list.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from recommender.diversity import diversify
from recommender.encoders import idle_cores
from recommender.features import (
    CAMPAIGN,
    CONTEXT_SIM,
    FEATURE_NAMES,
    FRESHNESS,
    OWN_HISTORY,
    PEER_ENGAGEMENT,
    PEER_SATURATION,
    POPULARITY,
    POPULARITY_SATURATION,
    ROLE_SIM,
    TEAMMATES_24H,
    build_matrix,
    freshness,
    log_scale,
)
from recommender.lexical import LexicalIndex
from recommender.ranker import EngagementRanker
from recommender.relevance import fuse

POOL_SIZE = 50  # candidates considered by MMR
STATIC_TTL_S = 10.0  # freshness moves by 0.001 % of its half-life in that time
RELEVANCE_BAND = 0.1  # how much relevance promotion/personal signals can make up for
CONTEXT_DIVERSITY = 0.0  # diversity weight when a page context is given
ROWS_MEMO_SIZE = 4  # mappings whose catalog rows Catalog.rows_of keeps
ROWS_MEMO_MIN = 256  # entries; smaller mappings are looked up afresh


@dataclass
class Catalog:
    """Suggestible articles, aligned arrays; row ``i`` is article ``article_ids[i]``."""

    article_ids: NDArray[np.int64]
    embeddings: NDArray[np.float32]
    languages: NDArray[np.str_]
    published_ts: NDArray[np.float64]
    campaign_priority: NDArray[np.float32]
    encoder: str = ""
    expires_ts: NDArray[np.float64] | None = None  # +inf = never; None = nothing expires
    lexical: LexicalIndex | None = None  # BM25 over the same rows; None = dense only
    _rows: dict[int, int] = field(default_factory=dict, repr=False)
    _lang_masks: dict[tuple[str, ...], NDArray[np.bool_]] = field(default_factory=dict, repr=False)
    _static: dict[tuple[bytes, float], NDArray[np.float64]] = field(
        default_factory=dict, repr=False
    )
    _rows_memo: list[tuple[Mapping[int, float], NDArray[np.int64], NDArray[np.float64]]] = field(
        default_factory=list, repr=False
    )

    def __post_init__(self) -> None:
        n = self.article_ids.shape[0]
        for name in ("embeddings", "languages", "published_ts", "campaign_priority"):
            if getattr(self, name).shape[0] != n:
                got = getattr(self, name).shape[0]
                raise ValueError(f"catalog column {name} has {got} rows, not {n}")
        if self.lexical is not None and len(self.lexical) != n:
            raise ValueError(f"lexical index has {len(self.lexical)} rows, not {n}")
        self._rows = {int(a): i for i, a in enumerate(self.article_ids.tolist())}
        # For ``rows_of``: ids in sorted order (stable, so the last of equal ids is the one the
        # dict above keeps) and where each sits in the catalog.
        self._id_order = np.argsort(self.article_ids, kind="stable")
        self._sorted_ids = self.article_ids[self._id_order]

    def __len__(self) -> int:
        return int(self.article_ids.shape[0])

    def language_mask(self, languages: Collection[str]) -> NDArray[np.bool_]:
        """Rows in any of ``languages`` (cached; callers must copy before writing)."""
        key = tuple(sorted(set(languages))) or ("en",)
        mask = self._lang_masks.get(key)
        if mask is None:
            mask = np.isin(self.languages, np.array(key, dtype=self.languages.dtype))
            mask.setflags(write=False)
            self._lang_masks[key] = mask
        return mask

    def static_scores(self, ranker: EngagementRanker, now_ts: float) -> NDArray[np.float64]:
        """Intercept + freshness + campaign part of every row's score (cached per ranker, TTL)."""
        bucket = float(np.floor(now_ts / STATIC_TTL_S) * STATIC_TTL_S)
        key = (np.append(ranker.coef_, ranker.intercept_).tobytes(), bucket)
        hit = self._static.get(key)
        if hit is None:
            w = dict(zip(FEATURE_NAMES, ranker.coef_.tolist(), strict=True))
            hit = (
                ranker.intercept_
                + w[FRESHNESS] * freshness(self.published_ts, bucket)
                + w[CAMPAIGN] * self.campaign_priority.astype(np.float64)
            )
            self._static.clear()  # one ranker and one time bucket at a time
            self._static[key] = hit
        return hit

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

    def rows_of(
        self, mapping: Mapping[int, float]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """``by_row`` as two arrays (rows, values), vectorised: the company-wide signals map a
        few thousand articles each, and a Python loop over them cost more than the scoring."""
        if not mapping or len(self) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        # The company-wide signals are one dict for every request while the service caches it
        # (``backend.services.suggestions.SIGNAL_TTL_S``), thousands of articles each: their rows
        # are kept for the last few such mappings, by identity (the reference is held, so the id
        # is not reused). A mapping is never changed after it is passed in a Request.
        for held, rows, vals in self._rows_memo:
            if held is mapping:
                return rows, vals
        ids = np.fromiter(mapping.keys(), dtype=np.int64, count=len(mapping))
        values = np.fromiter(mapping.values(), dtype=np.float64, count=len(mapping))
        rows, hit = self._find(ids)
        vals = values[hit]
        if len(mapping) >= ROWS_MEMO_MIN:
            self._rows_memo = [(mapping, rows, vals), *self._rows_memo[: ROWS_MEMO_SIZE - 1]]
        return rows, vals

    def rows_for(self, article_ids: Collection[int]) -> NDArray[np.int64]:
        """The catalog rows of ``article_ids`` (unknown articles dropped), vectorised."""
        if not article_ids or len(self) == 0:
            return np.zeros(0, dtype=np.int64)
        ids = np.fromiter(article_ids, dtype=np.int64, count=len(article_ids))
        return self._find(ids)[0]

    def _find(self, ids: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """(rows of the ids found, which of ``ids`` were found)."""
        pos = np.searchsorted(self._sorted_ids, ids, side="right") - 1
        hit = pos >= 0
        hit[hit] = self._sorted_ids[pos[hit]] == ids[hit]
        return self._id_order[pos[hit]], hit

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
    context_terms: Sequence[str] = ()  # the page's stems for BM25 (``recommender.lexical``)
    dense_weight: float | None = None  # fusion weight of the dense match (None: the default)
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
    relevance: float | None = None  # context match in [0, 1]; None without a context


def candidate_mask(catalog: Catalog, req: Request) -> NDArray[np.bool_]:
    """Articles in a language the employee reads, not expired, not shared or dismissed by them."""
    mask = catalog.language_mask(list(req.languages) or ["en"]).copy()
    if catalog.expires_ts is not None:
        mask &= catalog.expires_ts > req.now_ts
    mask[catalog.rows_for(req.exclude_ids)] = False
    return np.asarray(mask, dtype=np.bool_)


def feature_matrix(
    catalog: Catalog, req: Request, rows: NDArray[np.int64] | None = None
) -> NDArray[np.float64]:
    """Feature rows for catalog ``rows`` (all rows when None)."""
    if rows is None:
        rows = np.arange(len(catalog))
    ids = catalog.article_ids[rows].tolist()

    def local(mapping: Mapping[int, float]) -> dict[int, float]:
        # Look the (few) rows up in the mapping, not the (thousands of) mapped articles up in
        # the catalog.
        out: dict[int, float] = {}
        for i, article_id in enumerate(ids):
            value = mapping.get(article_id)
            if value is not None:
                out[i] = value
        return out

    return build_matrix(
        embeddings=catalog.embeddings[rows],
        published_ts=catalog.published_ts[rows],
        campaign_priority=catalog.campaign_priority[rows],
        now_ts=req.now_ts,
        context_vec=req.context_vec,
        role_vec=req.role_vec,
        profile_vec=req.profile_vec,
        peer_engagement=local(req.peer_engagement),
        popularity=local(req.popularity),
        teammates_24h=local(req.teammates_24h),
    )


def has_context(req: Request) -> bool:
    return req.context_vec is not None or len(req.context_terms) > 0


def catalog_scores(
    catalog: Catalog,
    req: Request,
    ranker: EngagementRanker,
    with_context: bool = True,
    rows: NDArray[np.int64] | None = None,
) -> NDArray[np.float64]:
    """The ranker's decision function for catalog ``rows`` (every row when None), without the
    feature matrix.

    Equal to ``ranker.decision_function(feature_matrix(catalog, req, rows))`` (the ranker is
    linear), up to float rounding; the static part comes from ``Catalog.static_scores``. With
    ``with_context=False`` the context term is left out (the "personal" part of the score).
    ``rows`` must be ascending (as ``np.flatnonzero`` gives them): a few hundred rows gather
    their embeddings instead of reading the whole matrix.
    """
    w = dict(zip(FEATURE_NAMES, ranker.coef_.tolist(), strict=True))
    static = catalog.static_scores(ranker, req.now_ts)
    scores = static.copy() if rows is None else static[rows]
    probes = [
        (vec, w[name])
        for vec, name in (
            (req.context_vec if with_context else None, CONTEXT_SIM),
            (req.role_vec, ROLE_SIM),
            (req.profile_vec, OWN_HISTORY),
        )
        if vec is not None and w[name] != 0.0
    ]
    if probes:
        # One matrix-vector product: the weighted probes combine before touching the catalog.
        combined = np.zeros(catalog.embeddings.shape[1], dtype=np.float32)
        for vec, weight in probes:
            combined += np.float32(weight) * vec.astype(np.float32)
        if rows is None:
            scores += catalog_product(catalog.embeddings, combined)
        else:
            scores += catalog.embeddings[rows] @ combined
    for mapping, name, transform in (
        (req.peer_engagement, PEER_ENGAGEMENT, lambda v: log_scale(v, PEER_SATURATION)),
        (req.popularity, POPULARITY, lambda v: log_scale(v, POPULARITY_SATURATION)),
        (req.teammates_24h, TEAMMATES_24H, np.log1p),
    ):
        if w[name] != 0.0:
            idx, vals = catalog.rows_of(mapping)
            if rows is not None and idx.size:
                # Catalog rows → positions in ``rows`` (ascending), dropping rows not asked for.
                pos = np.minimum(np.searchsorted(rows, idx), rows.size - 1)
                hit = rows[pos] == idx
                idx, vals = pos[hit], vals[hit]
            if idx.size:
                scores[idx] += w[name] * transform(vals)
    return scores


def sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * x)), dtype=np.float64)


def context_relevance(
    catalog: Catalog, req: Request, rows: NDArray[np.int64]
) -> NDArray[np.float64] | None:
    """Relevance in [0, 1] of catalog ``rows`` to the page (None without a context)."""
    if not has_context(req):
        return None
    dense = None
    if req.context_vec is not None and catalog.embeddings.shape[0]:
        # Over the whole catalog, then the rows: gathering the candidates' embeddings first
        # copied the (n, dim) matrix on every request.
        dense = catalog_product(catalog.embeddings, req.context_vec.astype(np.float32))[rows]
    lexical = None
    if catalog.lexical is not None and req.context_terms:
        lexical = catalog.lexical.scores(req.context_terms)[rows]
    return fuse(dense, lexical, dense_weight=req.dense_weight)


def served_scores(
    catalog: Catalog,
    req: Request,
    ranker: EngagementRanker,
    rows: NDArray[np.int64],
    pool: int | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64] | None]:
    """(rows, score, relevance): what the list is sorted by, before diversity.

    With a context and a ``pool``, only the rows that can still reach the top ``pool`` by score
    come back: personal signals add at most ``RELEVANCE_BAND`` to a row's relevance, so a row
    whose relevance is below the ``pool``-th best by more than the band scores below each of
    those ``pool`` rows whatever its personal part, and its personal part is never computed (on
    10k articles ~1-3 % of the rows are left, and the personal part no longer reads the whole
    embedding matrix a second time). The top ``pool`` by score are the same as over all rows.
    """
    if not has_context(req):
        return rows, sigmoid(catalog_scores(catalog, req, ranker)[rows]), None
    relevance = context_relevance(catalog, req, rows)
    assert relevance is not None
    if pool is not None and pool < rows.size:
        kth = float(np.partition(relevance, rows.size - pool)[rows.size - pool])
        keep = np.flatnonzero(relevance >= kth - RELEVANCE_BAND - 1e-9)
        rows, relevance = rows[keep], relevance[keep]
    personal = sigmoid(catalog_scores(catalog, req, ranker, with_context=False, rows=rows))
    return rows, (relevance + RELEVANCE_BAND * personal) / (1.0 + RELEVANCE_BAND), relevance


def recommend(
    catalog: Catalog,
    req: Request,
    ranker: EngagementRanker,
    limit: int = 5,
    diversity: float = 0.3,
    pool_size: int = POOL_SIZE,
) -> list[Scored]:
    """The top ``limit`` candidates by served score, diversified (``diversity`` in [0, 1])."""
    if len(catalog) == 0 or limit <= 0:
        return []
    mask = candidate_mask(catalog, req)
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return []
    pool = min(max(pool_size, limit), rows.size)
    rows, cand_scores, cand_rel = served_scores(catalog, req, ranker, rows, pool)
    top = (
        np.argpartition(-cand_scores, pool - 1)[:pool] if pool < rows.size else np.arange(rows.size)
    )
    order = top[np.argsort(-cand_scores[top], kind="stable")]
    short = rows[order]
    scores = cand_scores[order]
    rel = cand_rel[order] if cand_rel is not None else None
    weight = diversity if rel is None else CONTEXT_DIVERSITY
    picked, final = diversify(scores, catalog.embeddings[short], limit, weight=weight)
    X = feature_matrix(catalog, req, short)
    contrib = ranker.contributions(X)
    baseline = np.median(contrib, axis=0)  # what the items competed with: the shortlist
    out: list[Scored] = []
    for p, value in zip(picked, final, strict=True):
        out.append(
            Scored(
                article_id=int(catalog.article_ids[short[p]]),
                score=float(value),
                features={n: float(v) for n, v in zip(FEATURE_NAMES, X[p], strict=True)},
                contributions=contrib[p],
                baseline=baseline,
                relevance=None if rel is None else float(rel[p]),
            )
        )
    return out


# --- the full-catalog product ----------------------------------------------------------------

# A catalog at least this long has its product split over two threads while a core is idle.
SPLIT_MIN_ROWS = 4_096
# The split falls on a multiple of this many rows: OpenBLAS then computes every row exactly as in
# the whole product (bit-identical, tested), so a split never changes a score or an order.
SPLIT_ALIGN = 64

_product_threads = 1  # set_product_threads(); 1: never split
_product_pool: ThreadPoolExecutor | None = None
_product_lock = threading.Lock()


def set_product_threads(n: int) -> None:
    """Process-wide: the full-catalog product may use ``n`` (1 or 2) threads while a core is idle.

    With BLAS on one thread (``limit_blas_threads``) the product of a 10k × 384 float32 catalog
    streams 15 MB through one core: 1.2 ms on a 2-vCPU AVX-512 machine, against 0.55 ms on two
    (docs/benchmarks.md, session 11). A second BLAS thread would spin and collapse under load, so
    the split is Herald's own: two halves on two Python threads (numpy releases the GIL), taken
    only while ``idle_cores`` says a core is free; under load the product runs whole on the
    caller's thread as before.
    """
    global _product_threads
    _product_threads = max(1, min(int(n), 2))


def _pool() -> ThreadPoolExecutor:
    global _product_pool
    with _product_lock:
        if _product_pool is None:
            _product_pool = ThreadPoolExecutor(1, thread_name_prefix="herald-product")
        return _product_pool


def catalog_product(
    embeddings: NDArray[np.float32], vec: NDArray[np.float32]
) -> NDArray[np.float32]:
    """``embeddings @ vec``, over two threads for a long catalog while a core is idle."""
    n = embeddings.shape[0]
    if _product_threads < 2 or n < SPLIT_MIN_ROWS or idle_cores() < 1:
        out: NDArray[np.float32] = embeddings @ vec
        return out
    half = (n // 2) // SPLIT_ALIGN * SPLIT_ALIGN
    result = np.empty(n, dtype=np.result_type(embeddings.dtype, vec.dtype))
    other = _pool().submit(np.matmul, embeddings[half:], vec, out=result[half:])
    np.matmul(embeddings[:half], vec, out=result[:half])
    other.result()
    return result


def limit_blas_threads(n: int = 1) -> None:
    """Process-wide: BLAS (OpenBLAS/MKL) uses ``n`` threads. Call once in a serving worker.

    Spinning BLAS threads collapse under CPU contention: 10k × 384 took 9.5 ms at p50 (40 ms p99)
    with OpenBLAS's 2 threads on a loaded 2-core box and 0.6 ms with one. An idle core still
    helps the catalog product; ``catalog_product`` takes it only while it is idle.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(n, user_api="blas")


def profile_vector(
    embeddings: NDArray[np.float32], weights: Sequence[float] | NDArray[np.float64]
) -> NDArray[np.float32] | None:
    """The employee's taste: weighted (time-decayed, signed) sum of engaged articles' embeddings."""
    if len(weights) == 0:
        return None
    vec = np.asarray(weights, dtype=np.float32) @ embeddings
    norm = float(np.linalg.norm(vec))
    if norm == 0.0:
        return None
    return (vec / norm).astype(np.float32)
