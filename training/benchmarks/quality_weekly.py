"""The weekly, time-ordered protocol of the quality benchmark (``training.benchmarks.quality``,
part (b)): for each week W, train on everything before W and rank every article live in W for each
warm user who engaged in W; the same baselines and the served path as the 101 protocol."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from recommender.cf import CoEngagement
from recommender.metrics import (
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)
from recommender.ranker import EngagementRanker
from training.benchmarks import deskdrop as dd
from training.benchmarks import models101 as m101
from training.benchmarks import served as sv

SERVED_CO = "Herald as served (co-engagement, served now)"
SERVED_COLLEAGUES = "Herald as served (colleague count, served before)"
DAY = 86400
WEEK = 7 * DAY
LIVE_WINDOW = 28 * DAY
K = 10


@dataclass
class WeeklyModelResult:
    name: str
    recall: list[float] = field(default_factory=list)
    ndcg: list[float] = field(default_factory=list)
    rr: list[float] = field(default_factory=list)
    recall_warm: list[float] = field(default_factory=list)
    recall_new: list[float] = field(default_factory=list)
    recommended: set[int] = field(default_factory=set)


@dataclass
class WeekState:
    """Everything known at the start of a week, for scoring its live catalog."""

    start: int
    catalog: NDArray[np.int64]  # item ids live in the week
    first_seen: NDArray[np.float64]  # per catalog item
    popularity: NDArray[np.float64]  # decayed engagement in the 14 days before start, per item
    peer: dict[int, NDArray[np.float64]]  # user → co-engagement score per catalog item
    history: dict[int, set[int]]  # user → items touched before start
    relevant: dict[int, set[int]]  # warm user → catalog items first touched in the week


FEATURES_WEEKLY = ("peer_engagement", "popularity", "freshness")
WEIGHTS_WEEKLY = {"peer_engagement": 1.0, "popularity": 0.8, "freshness": 0.7}


def week_state(data: dd.Interactions, first_seen_all: dict[int, int], start: int) -> WeekState:
    end = start + WEEK
    before = data.ts < start
    in_week = (data.ts >= start) & (data.ts < end)
    catalog = np.array(
        sorted(i for i, t in first_seen_all.items() if start - LIVE_WINDOW <= t < end),
        dtype=np.int64,
    )
    cpos = {int(i): k for k, i in enumerate(catalog.tolist())}
    first_seen = np.array([first_seen_all[int(i)] for i in catalog], dtype=np.float64)
    history: dict[int, set[int]] = {}
    for u, i in zip(data.user[before].tolist(), data.item[before].tolist(), strict=True):
        history.setdefault(u, set()).add(i)
    relevant: dict[int, set[int]] = {}
    for u, i in zip(data.user[in_week].tolist(), data.item[in_week].tolist(), strict=True):
        if u in history and i in cpos and i not in history[u]:
            relevant.setdefault(u, set()).add(i)
    recent = before & (data.ts >= start - 14 * DAY)
    pop = np.zeros(catalog.shape[0])
    decay = np.exp2(-(start - data.ts[recent]) / (3.0 * DAY))
    for i, w in zip(data.item[recent].tolist(), decay.tolist(), strict=True):
        k = cpos.get(i)
        if k is not None:
            pop[k] += w
    # Co-engagement over items seen before the week; new items get 0.
    items_before = np.unique(data.item[before])
    users_before = np.unique(data.user[before])
    mat = m101.build_matrix(
        data.user[before], data.item[before], np.ones(int(before.sum())), users_before, items_before
    )
    model = CoEngagement(l2=200.0).fit(mat.X)
    known = np.array([cpos.get(int(i), -1) for i in items_before])
    sel = known >= 0
    peer: dict[int, NDArray[np.float64]] = {}
    users = sorted(relevant)
    if users:
        scores = model.score(mat.X[[mat.user_index[u] for u in users]])
        for row, u in enumerate(users):
            vec = np.zeros(catalog.shape[0])
            vec[known[sel]] = scores[row, sel]
            peer[u] = vec
    return WeekState(start, catalog, first_seen, pop, peer, history, relevant)


def weekly_features(state: WeekState, user: int) -> NDArray[np.float64]:
    """Features on the serving scale (typical values in [0, 1]), which the prior weights assume:
    raw EASE scores are ~0.02 apart, so a prior of 1.0 on them would pull the weight far below
    the ~20 the data wants. Co-engagement is scaled by the user's largest score."""
    age_days = np.maximum(state.start - state.first_seen, 0.0) / DAY
    peer = state.peer[user]
    top = float(np.abs(peer).max()) if peer.size else 0.0
    return np.column_stack(
        [
            peer / top if top > 0 else peer,
            np.log1p(state.popularity) / np.log1p(50.0),
            np.exp2(-age_days / 7.0),
        ]
    )


def fit_weekly_ranker(state: WeekState, rng: np.random.Generator) -> EngagementRanker:
    """Fit on the previous week: candidates shown = live catalog, label = engaged in that week."""
    Xs, ys = [], []
    for user, rel in state.relevant.items():
        X = weekly_features(state, user)
        seen = state.history.get(user, set())
        ok = np.array([int(i) not in seen for i in state.catalog])
        label = np.array([int(i) in rel for i in state.catalog])
        pos = np.flatnonzero(ok & label)
        neg = np.flatnonzero(ok & ~label)
        neg = rng.choice(neg, size=min(50, neg.shape[0]), replace=False) if neg.size else neg
        idx = np.concatenate([pos, neg])
        Xs.append(X[idx])
        ys.append(label[idx].astype(int))
    ranker = EngagementRanker(feature_names=FEATURES_WEEKLY, default_weights=WEIGHTS_WEEKLY)
    if not Xs:
        return ranker.fit(np.zeros((0, 3)), np.zeros(0))
    return ranker.fit(np.vstack(Xs), np.concatenate(ys))


def run_weekly(
    data: dd.Interactions, smoke: bool, n_weeks: int = 20
) -> tuple[dict[str, WeeklyModelResult], dict[str, object]]:
    first_seen_all: dict[int, int] = {}
    for t, i in zip(data.ts.tolist(), data.item.tolist(), strict=True):
        if i not in first_seen_all or t < first_seen_all[i]:
            first_seen_all[i] = t
    t_min = int(data.ts.min())
    t_end = int(data.ts.max()) + 1
    n_weeks = 2 if smoke else n_weeks
    total_weeks = (t_end - t_min) // WEEK
    starts = [t_min + (total_weeks - n_weeks + k) * WEEK for k in range(n_weeks)]
    rng = np.random.default_rng(0)
    names = (
        "Popularity (last 14 days)",
        "Freshness (newest first)",
        "Co-engagement (EASE, benchmark only)",
        "Engagement ranker on 3 features (benchmark only)",
        "Random order (floor)",
    )
    served_names = {SERVED_CO: sv.CO_ENGAGEMENT, SERVED_COLLEAGUES: sv.COLLEAGUE_COUNT}
    results = {n: WeeklyModelResult(n) for n in (*names, *served_names)}
    regions = dd.home_regions(data)
    prev_served = sv.week_context(data, first_seen_all, starts[0] - WEEK, regions)
    relevant_total = new_total = 0
    catalog_union: set[int] = set()
    prev = week_state(data, first_seen_all, starts[0] - WEEK)
    for start in starts:
        state = week_state(data, first_seen_all, start)
        ranker = fit_weekly_ranker(prev, rng)
        served_rankers = {
            name: prev_served.fit_ranker(prev.relevant, prev.history, peer_name, rng)
            for name, peer_name in served_names.items()
        }
        prev = state
        served_ctx = sv.week_context(data, first_seen_all, start, regions)
        prev_served = served_ctx
        catalog_union.update(state.catalog.tolist())
        for user, rel in state.relevant.items():
            seen = state.history.get(user, set())
            ok = np.array([int(i) not in seen for i in state.catalog])
            X = weekly_features(state, user)
            new_rel = {i for i in rel if first_seen_all[i] >= start}
            warm_rel = rel - new_rel
            relevant_total += len(rel)
            new_total += len(new_rel)
            per_model: dict[str, NDArray[np.float64]] = {
                names[0]: state.popularity,
                names[1]: state.first_seen,
                names[2]: state.peer[user],
                names[3]: ranker.decision_function(X),
                names[4]: rng.random(size=(int(state.catalog.shape[0]),)),
            }
            lists: dict[str, list[int]] = {}
            for name, scores in per_model.items():
                s = np.where(ok, scores, -np.inf)
                order = np.argsort(-s, kind="stable")[:K]
                lists[name] = [int(state.catalog[j]) for j in order if ok[j]]
            for name, peer_name in served_names.items():
                lists[name] = served_ctx.served(user, peer_name, served_rankers[name], seen, K)
            for name, ranked in lists.items():
                r = results[name]
                r.recall.append(recall_at_k(ranked, set(rel), K))
                r.ndcg.append(ndcg_at_k(ranked, set(rel), K))
                r.rr.append(reciprocal_rank(ranked, set(rel)))
                if warm_rel:
                    r.recall_warm.append(recall_at_k(ranked, set(warm_rel), K))
                if new_rel:
                    r.recall_new.append(recall_at_k(ranked, set(new_rel), K))
                r.recommended.update(ranked[:K])
        print(
            f"  week of {dt.datetime.fromtimestamp(start, dt.UTC):%Y-%m-%d}: "
            f"{len(state.relevant)} warm users, {state.catalog.shape[0]} live articles, "
            f"ranker {'default weights' if ranker.fallback_ else 'learned'}"
        )
    info: dict[str, object] = {
        "weeks": n_weeks,
        "user_weeks": len(results[names[0]].recall),
        "relevant_pairs": relevant_total,
        "new_article_share": new_total / max(relevant_total, 1),
        "catalog_union": len(catalog_union),
    }
    return results, info
