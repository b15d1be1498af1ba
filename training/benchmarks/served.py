"""Herald as served, on Deskdrop: the serving ranker's own code path, not a benchmark model.

Every ranked list here comes from ``recommender.engine.recommend`` (candidate filter → features →
the ranker → MMR), the function ``backend.services.suggestions.suggest`` calls, with a
``Request`` filled the way the service fills it:

- ``peer_engagement``: ``recommender.cf.fit_index(...).scores(...)`` (EASE co-engagement), the
  two calls ``suggestions.peer_engagement`` makes; or, for comparison, the colleague count the
  service served before (distinct colleagues who engaged, per article; Deskdrop has no
  departments, so "colleagues" are the people working from the same country/region);
- ``popularity``: positive engagement in the 7 days before ``now``, each event halving every
  two days (``suggestions.popularity_velocity``'s formula);
- ``published_ts``: the article's first interaction (Deskdrop has no publish dates);
- no page context, no role text and no article text (Deskdrop has none): the context, role and
  own-history similarities are 0 for every article, so MMR sees identical (zero) embeddings.

The ranker: on the 101 protocol (no time, no impressions to fit on) the served default
(``EngagementRanker.with_defaults()``), what a deployment serves before it has logged enough
impressions to fit one; on the weekly protocol the served ``EngagementRanker`` refit every week
on the previous week's serving features (``recommender.engine.feature_matrix``) → engaged, as
``fit`` refits it on logged impressions.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from recommender.cf import CoEngagementIndex, fit_index
from recommender.engine import Catalog, Request, feature_matrix, recommend
from recommender.ranker import EngagementRanker
from training.benchmarks import deskdrop as dd

DAY = 86400.0
CO_ENGAGEMENT_DAYS = 180.0  # suggestions.HISTORY_DAYS
COLLEAGUE_DAYS = 30.0  # suggestions.PEER_DAYS
POPULARITY_DAYS = 7.0
POPULARITY_HALF_LIFE_DAYS = 2.0
EMBED_DIM = 8  # no article text: every embedding is zero

CO_ENGAGEMENT = "co-engagement (EASE)"
COLLEAGUE_COUNT = "colleague count"
PEER_SIGNALS = (CO_ENGAGEMENT, COLLEAGUE_COUNT)


def catalog_for(items: NDArray[np.int64], published_ts: NDArray[np.float64]) -> Catalog:
    n = items.shape[0]
    return Catalog(
        article_ids=items.astype(np.int64),
        embeddings=np.zeros((n, EMBED_DIM), dtype=np.float32),
        languages=np.full(n, "en", dtype="<U2"),
        published_ts=published_ts.astype(np.float64),
        campaign_priority=np.zeros(n, dtype=np.float32),
    )


def popularity_velocity(
    ts: NDArray[np.int64], items: NDArray[np.int64], now: float
) -> dict[int, float]:
    recent = (ts < now) & (ts >= now - POPULARITY_DAYS * DAY)
    weights = np.exp2(-(now - ts[recent]) / DAY / POPULARITY_HALF_LIFE_DAYS)
    out: dict[int, float] = {}
    for i, w in zip(items[recent].tolist(), weights.tolist(), strict=True):
        out[i] = out.get(i, 0.0) + w
    return out


class ColleagueCounts:
    """Distinct colleagues (same home region) who engaged, per article, the user excluded."""

    def __init__(
        self, users: NDArray[np.int64], items: NDArray[np.int64], region: Mapping[int, str]
    ) -> None:
        self.region = region
        by_region: dict[str, dict[int, set[int]]] = {}
        for u, i in zip(users.tolist(), items.tolist(), strict=True):
            by_region.setdefault(region.get(u, ""), {}).setdefault(i, set()).add(u)
        self.by_region = by_region

    def scores(self, user: int) -> dict[int, float]:
        per_item = self.by_region.get(self.region.get(user, ""), {})
        return {i: float(len(us - {user})) for i, us in per_item.items() if us - {user}}


@dataclass
class PeerModel:
    """The peer-engagement signal, built from the engagement known at ``now``."""

    name: str
    index: CoEngagementIndex | None = None
    colleagues: ColleagueCounts | None = None

    def scores(self, user: int, engaged: Collection[int]) -> dict[int, float]:
        if self.index is not None:
            return self.index.scores(engaged)
        assert self.colleagues is not None
        return self.colleagues.scores(user)


def peer_model(
    name: str,
    users: NDArray[np.int64],
    items: NDArray[np.int64],
    region: Mapping[int, str],
) -> PeerModel:
    if name == CO_ENGAGEMENT:
        return PeerModel(name, index=fit_index(users, items))
    if name == COLLEAGUE_COUNT:
        return PeerModel(name, colleagues=ColleagueCounts(users, items, region))
    raise ValueError(f"unknown peer signal {name!r}")


def served_list(
    catalog: Catalog,
    ranker: EngagementRanker,
    now: float,
    exclude: Collection[int],
    peer: Mapping[int, float],
    popularity: Mapping[int, float],
    limit: int,
) -> list[int]:
    """The list ``suggest`` would show (article ids, best first)."""
    req = Request(
        now_ts=now,
        languages=("en",),
        exclude_ids=exclude,
        peer_engagement=peer,
        popularity=popularity,
    )
    return [s.article_id for s in recommend(catalog, req, ranker, limit=limit)]


# --- the 101 protocol ---------------------------------------------------------------------------


def scorer_101(
    proto: dd.Protocol101,
    data: dd.Interactions,
    peer_name: str,
    ranker: EngagementRanker | None = None,
) -> dd.ListFn:
    """A list function for ``deskdrop.evaluate_101_lists``: the served top 10 of the candidates.

    Fitted on the train pairs only; popularity from the raw events of train pairs in the last
    7 days of the log; ``now`` is the end of the log.
    """
    ranker = ranker or EngagementRanker.with_defaults()
    train_u, train_i = proto.users[proto.train], proto.items[proto.train]
    model = peer_model(peer_name, train_u, train_i, dd.home_regions(data))
    train_pairs = set(zip(train_u.tolist(), train_i.tolist(), strict=True))
    in_train = np.array(
        [(u, i) in train_pairs for u, i in zip(data.user.tolist(), data.item.tolist(), strict=True)]
    )
    now = float(data.ts.max()) + 1.0
    popularity = popularity_velocity(data.ts[in_train], data.item[in_train], now)
    first_seen: dict[int, float] = {}
    for t, i in zip(data.ts.tolist(), data.item.tolist(), strict=True):
        first_seen[i] = min(first_seen.get(i, float(t)), float(t))
    universe = proto.universe
    catalog = catalog_for(universe, np.array([first_seen[int(i)] for i in universe.tolist()]))
    train_by_user: dict[int, set[int]] = {}
    for u, i in zip(train_u.tolist(), train_i.tolist(), strict=True):
        train_by_user.setdefault(u, set()).add(i)
    all_items = set(universe.tolist())
    cache: dict[int, dict[int, float]] = {}

    def ranked(user: int, candidates: list[int], limit: int) -> list[int]:
        if user not in cache:
            cache.clear()
            cache[user] = model.scores(user, train_by_user.get(user, set()))
        exclude = all_items.difference(candidates)
        return served_list(catalog, ranker, now, exclude, cache[user], popularity, limit)

    return ranked


def evaluate_101_served(
    proto: dd.Protocol101,
    data: dd.Interactions,
    peer_name: str,
    max_users: int | None = None,
) -> dd.Result101:
    """Steps 5-6 of the protocol on the served lists: Hit@N = test item in the served top N."""
    rank_fn = scorer_101(proto, data, peer_name)
    return dd.evaluate_101_lists(proto, rank_fn, max_users=max_users)


# --- the weekly protocol ------------------------------------------------------------------------


@dataclass
class WeekContext:
    """What the service knows at the start of a week: catalog, signals, each user's engagement."""

    now: float
    catalog: Catalog
    popularity: dict[int, float]
    peers: dict[str, PeerModel]
    engaged: dict[int, set[int]]

    def request(self, user: int, peer_name: str, exclude: Collection[int]) -> Request:
        peer = self.peers[peer_name].scores(user, self.engaged.get(user, set()))
        return Request(
            now_ts=self.now,
            languages=("en",),
            exclude_ids=exclude,
            peer_engagement=peer,
            popularity=self.popularity,
        )

    def served(
        self,
        user: int,
        peer_name: str,
        ranker: EngagementRanker,
        exclude: Collection[int],
        limit: int,
    ) -> list[int]:
        req = self.request(user, peer_name, exclude)
        return [s.article_id for s in recommend(self.catalog, req, ranker, limit=limit)]

    def fit_ranker(
        self,
        relevant: Mapping[int, set[int]],
        history: Mapping[int, set[int]],
        peer_name: str,
        rng: np.random.Generator,
        negatives: int = 50,
    ) -> EngagementRanker:
        """The served ranker refit as ``fit`` refits it: on this week's serving features of
        articles "shown" (the live catalog, 50 sampled negatives per user) → engaged."""
        Xs, ys = [], []
        for user, rel in relevant.items():
            seen = history.get(user, set())
            ids = self.catalog.article_ids
            ok = np.array([int(i) not in seen for i in ids.tolist()])
            label = np.array([int(i) in rel for i in ids.tolist()])
            pos = np.flatnonzero(ok & label)
            neg = np.flatnonzero(ok & ~label)
            if neg.size > negatives:
                neg = rng.choice(neg, size=negatives, replace=False)
            rows = np.concatenate([pos, neg]).astype(np.int64)
            if rows.size == 0:
                continue
            X = feature_matrix(self.catalog, self.request(user, peer_name, seen), rows)
            Xs.append(X)
            ys.append(label[rows].astype(int))
        ranker = EngagementRanker()
        if not Xs:
            return EngagementRanker.with_defaults()
        return ranker.fit(np.vstack(Xs), np.concatenate(ys))


def week_context(
    data: dd.Interactions, first_seen: Mapping[int, int], start: int, region: Mapping[int, str]
) -> WeekContext:
    """The live catalog of the week starting at ``start`` and the signals known at ``start``."""
    end = start + 7 * DAY
    live = np.array(
        sorted(i for i, t in first_seen.items() if start - 28 * DAY <= t < end), dtype=np.int64
    )
    catalog = catalog_for(live, np.array([float(first_seen[int(i)]) for i in live.tolist()]))
    before = data.ts < start
    co_win = before & (data.ts >= start - CO_ENGAGEMENT_DAYS * DAY)
    col_win = before & (data.ts >= start - COLLEAGUE_DAYS * DAY)
    peers = {
        CO_ENGAGEMENT: peer_model(CO_ENGAGEMENT, data.user[co_win], data.item[co_win], region),
        COLLEAGUE_COUNT: peer_model(
            COLLEAGUE_COUNT, data.user[col_win], data.item[col_win], region
        ),
    }
    engaged: dict[int, set[int]] = {}
    for u, i in zip(data.user[co_win].tolist(), data.item[co_win].tolist(), strict=True):
        engaged.setdefault(u, set()).add(i)
    popularity = popularity_velocity(data.ts[before], data.item[before], float(start))
    return WeekContext(float(start), catalog, popularity, peers, engaged)
