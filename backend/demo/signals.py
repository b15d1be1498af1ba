"""What the demo's simulated suggestion requests saw: serving features, computed the serving way.

The demo company's history is a simulation, but the ranker is fit on it (``python -m training
bootstrap``), so its logged impressions must look like the ones the API logs: the eight features of
``recommender.features`` computed with the same formulas (``build_matrix``, ``profile_vector``,
the same windows, half-lives and event types as ``backend.services.suggestions``), and behaviour
that depends on what those features measure. Otherwise the ranker learns nothing about the
features the simulation never varied (the anchored ranker then keeps their priors, but learns
nothing either).

The one thing the simulation cannot compute the serving way is the embeddings (no model is loaded
while seeding the demo). It uses a small synthetic embedding space instead, laid out like the real
encoders lay out the demo catalog (measured with all-MiniLM-L6-v2, see docs/recommender.md):
articles on one topic in one language ~0.7 apart in cosine, other topics ~0.3; a context about a
topic ~0.6-0.7 to that topic's articles in its language and ~0.2 to the rest; a role text ~0.3 to
its department's topics and ~0.2 to the rest. Similarity features are dot products in that space.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from recommender.columns import EVENT_WEIGHTS, HISTORY_HALF_LIFE_DAYS, POSITIVE_EVENTS, Events
from recommender.engine import profile_vector
from recommender.features import build_matrix

DIM = 64
DAY_S = 86400.0
# Serving's windows (backend.services.suggestions).
HISTORY_DAYS = 180
PEER_DAYS = 30
POPULARITY_DAYS = 7
POPULARITY_HALF_LIFE_DAYS = 2.0

# Squared loadings of a unit vector on: a shared "company content" direction, its topic, its
# language, and its own noise (they sum to 1).
ARTICLE_LOADINGS = (0.15, 0.40, 0.15, 0.30)
CONTEXT_LOADINGS = (0.15, 0.40, 0.15, 0.30)
ROLE_LOADINGS = (0.15, 0.30, 0.10, 0.45)


def _unit(v: NDArray[np.float64]) -> NDArray[np.float64]:
    n = float(np.linalg.norm(v))
    return v / n if n else v


@dataclass
class Space:
    """Synthetic topic/language directions; every vector is built from them plus noise."""

    rng: np.random.Generator
    common: NDArray[np.float64] = field(init=False)
    directions: dict[str, NDArray[np.float64]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.common = self.direction("__common__")

    def direction(self, key: str) -> NDArray[np.float64]:
        vec = self.directions.get(key)
        if vec is None:
            vec = _unit(self.rng.standard_normal(DIM))
            self.directions[key] = vec
        return vec

    def vector(
        self,
        topics: dict[str, float],
        language: str,
        loadings: Sequence[float],
    ) -> NDArray[np.float32]:
        """A unit vector: ``topics`` maps topic keys to relative weights."""
        g, t, lang, noise = (math.sqrt(x) for x in loadings)
        mix = np.zeros(DIM)
        for key, weight in topics.items():
            mix += weight * self.direction(f"topic:{key}")
        mix = _unit(mix)
        vec = (
            g * self.common
            + t * mix
            + lang * self.direction(f"lang:{language}")
            + noise * _unit(self.rng.standard_normal(DIM))
        )
        return _unit(vec).astype(np.float32)


@dataclass
class Event:
    ts: float
    person: int
    article: int
    kind: str


@dataclass
class Signals:
    """The engagement log so far, to compute serving features for a request at time ``ts``."""

    departments: list[str]
    job_titles: list[str]
    teams: list[str]
    events: list[Event] = field(default_factory=list)
    shares: list[Event] = field(default_factory=list)
    by_person: dict[int, list[Event]] = field(default_factory=lambda: defaultdict(list))

    def add(self, ev: Event) -> None:
        self.events.append(ev)
        self.by_person[ev.person].append(ev)
        if ev.kind == Events.SHARED:
            self.shares.append(ev)

    def _recent(self, events: list[Event], since: float, until: float) -> list[Event]:
        # Appended day by day, so scan back only as far as the window (plus a day of slack).
        out: list[Event] = []
        for ev in reversed(events):
            if ev.ts < since - DAY_S:
                break
            if since <= ev.ts < until:
                out.append(ev)
        return out

    def popularity(self, ts: float) -> dict[int, float]:
        out: dict[int, float] = {}
        for ev in self._recent(self.events, ts - POPULARITY_DAYS * DAY_S, ts):
            if ev.kind in POSITIVE_EVENTS:
                age = (ts - ev.ts) / DAY_S
                out[ev.article] = out.get(ev.article, 0.0) + 2.0 ** (
                    -age / POPULARITY_HALF_LIFE_DAYS
                )
        return out

    def peers(self, person: int, ts: float) -> dict[int, float]:
        dept, title = self.departments[person], self.job_titles[person]
        seen: dict[int, set[int]] = defaultdict(set)
        for ev in self._recent(self.events, ts - PEER_DAYS * DAY_S, ts):
            if ev.kind not in POSITIVE_EVENTS or ev.person == person:
                continue
            if (dept and self.departments[ev.person] == dept) or (
                title and self.job_titles[ev.person] == title
            ):
                seen[ev.article].add(ev.person)
        return {a: float(len(p)) for a, p in seen.items()}

    def teammates_24h(self, person: int, ts: float) -> dict[int, float]:
        team = self.teams[person]
        if not team:
            return {}
        seen: dict[int, set[int]] = defaultdict(set)
        for ev in self._recent(self.shares, ts - DAY_S, ts):
            if ev.person != person and self.teams[ev.person] == team:
                seen[ev.article].add(ev.person)
        return {a: float(len(p)) for a, p in seen.items()}

    def history(self, person: int, ts: float) -> tuple[set[int], dict[int, float]]:
        """Excluded articles (shared or dismissed) and signed, decayed weights (as served)."""
        exclude: set[int] = set()
        weights: dict[int, float] = {}
        for ev in self.by_person.get(person, []):
            if ev.ts >= ts:
                continue
            if ev.kind in (Events.SHARED, Events.DISMISSED):
                exclude.add(ev.article)
            if ev.ts < ts - HISTORY_DAYS * DAY_S:
                continue
            age = (ts - ev.ts) / DAY_S
            w = EVENT_WEIGHTS.get(ev.kind, 0.0) * 2.0 ** (-age / HISTORY_HALF_LIFE_DAYS)
            if w:
                weights[ev.article] = weights.get(ev.article, 0.0) + w
        for article in exclude:
            weights.setdefault(article, EVENT_WEIGHTS[Events.SHARED])
        return exclude, weights


def request_features(
    *,
    signals: Signals,
    person: int,
    ts: float,
    rows: NDArray[np.int64],
    embeddings: NDArray[np.float32],
    published_ts: NDArray[np.float64],
    campaign_priority: NDArray[np.float32],
    role_vec: NDArray[np.float32],
    context_vec: NDArray[np.float32] | None,
    history_weights: dict[int, float],
) -> NDArray[np.float64]:
    """The ``(len(rows), 8)`` feature matrix serving would compute for these candidate rows."""
    pos = {int(a): i for i, a in enumerate(rows.tolist())}

    def by_row(values: dict[int, float]) -> dict[int, float]:
        return {pos[a]: v for a, v in values.items() if a in pos}

    profile = None
    if history_weights:
        keys = list(history_weights)
        profile = profile_vector(embeddings[keys], [history_weights[k] for k in keys])
    return build_matrix(
        embeddings=embeddings[rows],
        published_ts=published_ts[rows],
        campaign_priority=campaign_priority[rows],
        now_ts=ts,
        context_vec=context_vec,
        role_vec=role_vec,
        profile_vec=profile,
        peer_engagement=by_row(signals.peers(person, ts)),
        popularity=by_row(signals.popularity(ts)),
        teammates_24h=by_row(signals.teammates_24h(person, ts)),
    )
