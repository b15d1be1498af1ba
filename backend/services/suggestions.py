"""Suggestions for one employee and the engagement events that train the ranker.

``suggest`` = candidates (approved, unexpired, in a language the employee reads, not already shared
or dismissed by them) → relevance to the page (BM25 over stems in the catalog's languages fused
with the encoder's similarity, ``recommender.relevance``) → the served score (relevance first,
personal and promotion signals within ``RELEVANCE_BAND``; the ranker's probability without a
page) → diversity → reasons and caption drafts → one ``SuggestionImpression`` row per item, keyed
by a fresh request id that later events join back to.

Privacy: the context text is embedded in memory for this request only; it is never stored, logged
or returned. Impressions keep the page *type* and the numeric features only.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from cachetools import LRUCache, TTLCache
from flask import current_app

from backend.errors import Conflict, NotFound, ValidationFailed
from backend.extensions import db
from backend.i18n import lazy_translate, translate
from backend.models import (
    Article,
    ArticleCaption,
    Campaign,
    Employee,
    EngagementEvent,
    ModelVersion,
    Share,
    SuggestionImpression,
    utcnow,
)
from backend.schemas.suggestions import (
    EventIn,
    EventOut,
    ModelsOut,
    ModelVersionOut,
    SuggestionItem,
    SuggestionRequest,
    SuggestionsOut,
)
from backend.services import cache_sync, co_engagement
from backend.services.recommender_runtime import _setting, active_version, runtime
from backend.services.recommender_runtime import warm_up as warm_up  # for create_app
from recommender.captions import draft_caption
from recommender.columns import EVENT_WEIGHTS, HISTORY_HALF_LIFE_DAYS, POSITIVE_EVENTS, Events
from recommender.encoders import Encoder
from recommender.engine import Request, profile_vector, recommend
from recommender.lexical import query_terms
from recommender.reasons import Reason, ReasonContext, reason_keys_for
from recommender.relevance import dense_weight_for_page
from recommender.text import context_lexical_text, context_text, keywords, role_text

HISTORY_DAYS = 180
PEER_DAYS = 30
POPULARITY_DAYS = 7
POPULARITY_HALF_LIFE_DAYS = 2.0
SIGNAL_TTL_S = 30.0
DAY_S = 86400.0

EMPTY_NO_ARTICLES = "There are no approved articles yet."
EMPTY_NO_LANGUAGE = "No approved articles in your languages ({langs})."
EMPTY_ALL_SEEN = "You have already shared or dismissed every available article."


# --- cached company-wide signals ------------------------------------------------------------------


SIGNAL_CACHE_MAX = 1024  # entries (one per employee for peer engagement)
# Keyed per employee: bounded, so a worker does not keep a dict for every employee who ever asked.
_signal_cache: TTLCache[tuple[str, ...], dict[int, float]] = TTLCache(
    maxsize=SIGNAL_CACHE_MAX, ttl=SIGNAL_TTL_S
)
_signal_lock = threading.Lock()  # cachetools' caches are not thread-safe


def _cached(key: tuple[str, ...], compute: Any) -> dict[int, float]:
    if not current_app.testing:
        with _signal_lock:
            hit = _signal_cache.get(key)
        if hit is not None:
            return hit
    value: dict[int, float] = compute()
    with _signal_lock:
        _signal_cache[key] = value
    return value


def popularity_velocity(now: dt.datetime) -> dict[int, float]:
    """Positive engagement in the last week, each event halving in weight every two days."""
    since = now - dt.timedelta(days=POPULARITY_DAYS)
    rows = db.session.execute(
        sa.select(EngagementEvent.article_id, EngagementEvent.created_at).where(
            EngagementEvent.created_at >= since,
            EngagementEvent.type.in_(sorted(POSITIVE_EVENTS)),
        )
    ).all()
    out: dict[int, float] = {}
    for article_id, at in rows:
        age = max((now - at).total_seconds(), 0.0) / DAY_S
        out[article_id] = out.get(article_id, 0.0) + 2.0 ** (-age / POPULARITY_HALF_LIFE_DAYS)
    return out


def peer_engagement(employee: Employee, now: dt.datetime) -> dict[int, float]:
    """What colleagues engaged with, per article (``peer_engagement`` feature, count scale).

    Co-engagement (EASE, ``recommender.cf``): articles that people who engaged with what this
    employee engaged with also engaged with, over the last ``HISTORY_DAYS``, scaled so the best
    gets ``cf.PEER_TOP``. On Deskdrop it beats the colleague count it replaced (Recall@10 0.55 vs
    0.37 on the 101 protocol, served path; docs/benchmarks.md). An employee with no engagement
    yet gets the colleague count: distinct colleagues (same department or job title) who engaged
    with each article in the last ``PEER_DAYS``.
    """
    since = now - dt.timedelta(days=HISTORY_DAYS)
    positive = (
        EngagementEvent.created_at >= since,
        EngagementEvent.type.in_(sorted(POSITIVE_EVENTS)),
    )
    mine = set(
        db.session.scalars(
            sa.select(EngagementEvent.article_id)
            .where(EngagementEvent.employee_id == employee.id, *positive)
            .distinct()
        )
    )
    if mine:
        # Fitted by the worker (backend/services/co_engagement.py); a request never refits it.
        index = co_engagement.served_index(now)
        scores = index.scores(mine) if index is not None else {}
        if scores:
            return scores
    same_role = []
    if employee.department:
        same_role.append(Employee.department == employee.department)
    if employee.job_title:
        same_role.append(Employee.job_title == employee.job_title)
    if not same_role:
        return {}
    rows = db.session.execute(
        sa.select(
            EngagementEvent.article_id, sa.func.count(sa.distinct(EngagementEvent.employee_id))
        )
        .join(Employee, Employee.id == EngagementEvent.employee_id)
        .where(
            EngagementEvent.created_at >= now - dt.timedelta(days=PEER_DAYS),
            EngagementEvent.type.in_(sorted(POSITIVE_EVENTS)),
            EngagementEvent.employee_id != employee.id,
            sa.or_(*same_role),
        )
        .group_by(EngagementEvent.article_id)
    ).all()
    return {int(a): float(c) for a, c in rows}


def teammates_shared_24h(employee: Employee, now: dt.datetime) -> dict[int, float]:
    """Anti-flood: distinct teammates who shared each article in the last 24 hours."""
    if not employee.team:
        return {}
    rows = db.session.execute(
        sa.select(Share.article_id, sa.func.count(sa.distinct(Share.employee_id)))
        .join(Employee, Employee.id == Share.employee_id)
        .where(
            Share.created_at >= now - dt.timedelta(hours=24),
            Employee.team == employee.team,
            Share.employee_id != employee.id,
        )
        .group_by(Share.article_id)
    ).all()
    return {int(a): float(c) for a, c in rows}


@dataclass
class OwnHistory:
    exclude: set[int]
    weights: dict[int, float]


@dataclass(frozen=True)
class _HistoryRows:
    """The employee's events as arrays (a Python loop over the heaviest benchmark user's 540
    events cost ~1 ms a request) and the articles they shared."""

    version: tuple[Any, ...]  # _history_version when the rows were read
    since: dt.datetime  # the rows are the events at or after this
    article_ids: np.ndarray  # int64, one per event
    weights: np.ndarray  # float64: EVENT_WEIGHTS of the event's type
    at_ts: np.ndarray  # float64: the event's time, seconds since the epoch
    excluding: np.ndarray  # bool: a share or a dismissal
    shared: list[int]  # article ids of every share

    @classmethod
    def of(
        cls,
        version: tuple[Any, ...],
        since: dt.datetime,
        events: list[Any],
        shared: list[int],
    ) -> _HistoryRows:
        n = len(events)
        kinds = [kind for _, kind, _ in events]
        return cls(
            version,
            since,
            np.fromiter((a for a, _, _ in events), dtype=np.int64, count=n),
            np.fromiter((EVENT_WEIGHTS.get(k, 0.0) for k in kinds), dtype=np.float64, count=n),
            np.fromiter((at.timestamp() for _, _, at in events), dtype=np.float64, count=n),
            np.fromiter((k in _EXCLUDING for k in kinds), dtype=np.bool_, count=n),
            shared,
        )


_EXCLUDING = frozenset({Events.SHARED, Events.DISMISSED})

# Employees per worker: ~15 KB of arrays for the benchmark's heaviest user (540 events in 90
# days), so at most a few MB; the least recently served go first.
HISTORY_CACHE_MAX = 256
# The rows, not the weights (those decay with ``now``), per employee id; checked against the
# tables on every request (_history_version), so an event, a share or a deletion is seen at once.
_history_cache: LRUCache[int, _HistoryRows] = LRUCache(maxsize=HISTORY_CACHE_MAX)
_history_lock = threading.Lock()


def _history_version_query() -> sa.Select[Any]:
    def of(model: Any, *extra: Any) -> list[Any]:
        where = model.employee_id == sa.bindparam("employee_id")
        return [
            sa.select(agg).where(where).scalar_subquery()
            for agg in (sa.func.count(), sa.func.max(model.id), *extra)
        ]

    return sa.select(*of(EngagementEvent, sa.func.max(EngagementEvent.created_at)), *of(Share))


# Built once: constructing the five subqueries (and their cache key) on every request cost more
# than running them.
_HISTORY_VERSION = _history_version_query()


def _history_version(employee_id: int) -> tuple[Any, ...]:
    """One cheap query that changes whenever the employee's events or shares do: their count
    (a deletion), highest id and newest event time (an insertion, even one that reuses the id
    of a deleted row, as SQLite may). Events and shares are only ever added or deleted; a share's
    confirmation updates columns own_history does not read."""
    return tuple(db.session.execute(_HISTORY_VERSION, {"employee_id": employee_id}).one())


def _history_rows(employee_id: int, since: dt.datetime) -> _HistoryRows:
    """The employee's events since ``since`` and shared articles, from the per-worker cache
    while the tables say nothing changed (not in testing: ids restart with every test's
    database)."""
    use_cache = not current_app.testing
    version: tuple[Any, ...] = ()
    if use_cache:
        version = _history_version(employee_id)
        with _history_lock:
            hit = _history_cache.get(employee_id)
        if hit is not None and hit.version == version and hit.since <= since:
            return hit
    events = db.session.execute(
        sa.select(
            EngagementEvent.article_id, EngagementEvent.type, EngagementEvent.created_at
        ).where(
            EngagementEvent.employee_id == employee_id,
            EngagementEvent.created_at >= since,
        )
    ).all()
    shared = db.session.scalars(sa.select(Share.article_id).where(Share.employee_id == employee_id))
    rows = _HistoryRows.of(version, since, list(events), list(shared))
    if use_cache:
        with _history_lock:
            _history_cache[employee_id] = rows
    return rows


def own_history(employee: Employee, now: dt.datetime) -> OwnHistory:
    """Shared and dismissed articles (excluded) and time-decayed signed weights per article."""
    since = now - dt.timedelta(days=HISTORY_DAYS)
    cached = _history_rows(employee.id, since)
    ids, base, at_ts, excluding = (
        cached.article_ids,
        cached.weights,
        cached.at_ts,
        cached.excluding,
    )
    if cached.since < since:  # a cached read may reach further back than this request's window
        keep = at_ts >= since.timestamp()
        ids, base, at_ts, excluding = ids[keep], base[keep], at_ts[keep], excluding[keep]
    exclude = set(cached.shared)
    exclude.update(ids[excluding].tolist())
    age = np.maximum(now.timestamp() - at_ts, 0.0) / DAY_S
    w = base * np.exp2(-age / HISTORY_HALF_LIFE_DAYS)
    counted = w != 0.0
    # Summed per article in event order, as a loop would (np.bincount adds in input order).
    articles, where = np.unique(ids[counted], return_inverse=True)
    sums = np.bincount(where, weights=w[counted], minlength=articles.size)
    weights = dict(zip(articles.tolist(), sums.tolist(), strict=True))
    for article_id in exclude:  # shares still say what the employee likes
        weights.setdefault(article_id, EVENT_WEIGHTS[Events.SHARED])
    return OwnHistory(exclude, weights)


# Role texts repeat across employees; the least recently used go first past 10,000.
_role_cache: LRUCache[tuple[str, str], Any] = LRUCache(maxsize=10_000)
_role_lock = threading.Lock()


def role_vector(encoder: Encoder, employee: Employee) -> Any:
    text = role_text(
        employee.job_title,
        employee.role_text,
        employee.department,
        ", ".join(employee.interests or []),
    )
    if not text:
        return None
    key = (encoder.name, text)
    with _role_lock:
        vec = _role_cache.get(key)
    if vec is None:
        vec = encoder.encode_one(text, kind="query")
        with _role_lock:
            _role_cache[key] = vec
    return vec


# --- the suggestion request ----------------------------------------------------------------------


def localized_reasons(reasons: list[Reason]) -> list[str]:
    """The recommender's reasons in the request's language (the extension sends its UI language
    as Accept-Language; English without one): the gettext keys ``reason.<key>``."""
    out = []
    for key, values in reasons:
        filled = dict(values)
        if "page" in filled:
            filled["where"] = translate(f"reason.page.{filled.pop('page')}")
        out.append(translate(f"reason.{key}", **filled))
    return out


def suggest(
    employee: Employee, body: SuggestionRequest, now: dt.datetime | None = None
) -> SuggestionsOut:
    now = now or utcnow()
    rt = runtime()
    model = rt.serving()
    state = rt.current_catalog(model.encoder, now)
    catalog = state.catalog
    request_id = str(uuid.uuid4())
    out = SuggestionsOut(
        request_id=request_id, model_version=model.version, degraded=model.degraded, items=[]
    )
    if len(catalog) == 0:
        out.reason = EMPTY_NO_ARTICLES
        return out
    langs = [lang.lower() for lang in (employee.languages or ["en"])]
    history = own_history(employee, now)
    encoder = model.encoder
    ctx = body.context
    page_type = ctx.page_type if ctx else None
    ctx_words = context_text(ctx.text if ctx else None)
    context_vec = encoder.encode_one(ctx_words, kind="query") if encoder and ctx_words else None
    lexical = catalog.lexical
    terms = (
        query_terms(context_lexical_text(ctx.text), lexical.languages_)
        if ctx and ctx.text and lexical is not None
        else []
    )
    role_vec = role_vector(encoder, employee) if encoder else None
    prof = None
    if encoder is not None and history.weights:
        rows, weights = catalog.rows_of(history.weights)
        if rows.size:
            prof = profile_vector(catalog.embeddings[rows], weights)
    req = Request(
        now_ts=now.timestamp(),
        languages=langs,
        exclude_ids=history.exclude,  # expired articles: Catalog.expires_ts
        context_vec=context_vec,
        context_terms=terms,
        dense_weight=dense_weight_for_page(ctx_words, encoder.languages if encoder else None),
        role_vec=role_vec,
        profile_vec=prof,
        peer_engagement=_cached(
            ("peer", employee.department, employee.job_title, str(employee.id)),
            lambda: peer_engagement(employee, now),
        ),
        popularity=_cached(("popularity",), lambda: popularity_velocity(now)),
        teammates_24h=teammates_shared_24h(employee, now),
    )
    scored = recommend(catalog, req, model.ranker, limit=body.limit)
    if not scored:
        in_lang = catalog.language_mask(langs)
        out.reason = (
            EMPTY_NO_LANGUAGE.format(langs=", ".join(langs))
            if not in_lang.any()
            else EMPTY_ALL_SEEN
        )
        return out
    articles = _display_rows([s.article_id for s in scored])
    ctx_keys = frozenset(keywords(ctx_words)) if ctx_words else frozenset()
    impressions: list[dict[str, Any]] = []
    for rank, s in enumerate(scored):
        article = articles[s.article_id]
        age = (
            now - (article.published_at or article.approved_at or article.created_at)
        ).total_seconds()
        reason_ctx = ReasonContext(
            page_type=page_type,
            context_keywords=ctx_keys,
            article_title=article.title,
            article_tags=list(article.tags or []),
            department=employee.department,
            campaign_name=article.campaign_name,
            age_days=age / DAY_S,
        )
        caption = draft_caption(
            employee_id=employee.id,
            article_id=article.id,
            title=article.title,
            summary=article.summary or "",
            language=article.language,
            department=employee.department,
            team_captions=article.captions,
        )
        out.items.append(
            SuggestionItem(
                article_id=article.id,
                url=article.canonical_url,
                title=article.title,
                summary=article.summary or "",
                image_url=article.image_url,
                language=article.language,
                score=round(s.score, 4),
                relevance=None if s.relevance is None else round(s.relevance, 4),
                reasons=localized_reasons(
                    reason_keys_for(s.contributions, s.baseline, reason_ctx, relevance=s.relevance)
                ),
                caption=caption,
            )
        )
        impressions.append(
            {
                "request_id": request_id,
                "employee_id": employee.id,
                "article_id": article.id,
                "rank": rank,
                "score": s.score,
                "model_version": model.version,
                "page_type": page_type,
                "features": {k: round(v, 6) for k, v in s.features.items()},
                "created_at": now,
            }
        )
    # One executemany on the session's connection and transaction, as Core: no ORM objects
    # (nothing reads them back in this request), and not the ORM's bulk-insert path, whose
    # bookkeeping cost more than the insert.
    db.session.connection().execute(_INSERT_IMPRESSIONS, impressions)
    db.session.commit()
    return out


@dataclass(frozen=True)
class _Shown:
    """What an item shows and its reasons read: the article's columns, not the ORM object (which
    would load the body too), its campaign's name and its team captions, oldest first."""

    id: int
    canonical_url: str
    title: str
    summary: str | None
    image_url: str | None
    language: str
    tags: list[str] | None
    published_at: dt.datetime | None
    approved_at: dt.datetime | None
    created_at: dt.datetime
    campaign_name: str | None
    captions: list[tuple[str, str]]


_INSERT_IMPRESSIONS = sa.insert(SuggestionImpression.__table__)
_IDS: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
# Built once (constructing them cost ~0.15 ms a request); the id list is bound at execution.
_SHOWN_CAPTIONS = (
    sa.select(ArticleCaption.article_id, ArticleCaption.language, ArticleCaption.text)
    .where(ArticleCaption.article_id.in_(_IDS))
    .order_by(ArticleCaption.id)
)
_SHOWN_ARTICLES = (
    sa.select(
        Article.id,
        Article.canonical_url,
        Article.title,
        Article.summary,
        Article.image_url,
        Article.language,
        Article.tags,
        Article.published_at,
        Article.approved_at,
        Article.created_at,
        Campaign.name,
    )
    .outerjoin(Campaign, Campaign.id == Article.campaign_id)
    .where(Article.id.in_(_IDS))
)


def _read_shown(ids: list[int]) -> dict[int, _Shown]:
    """The articles' display columns with their campaign names (one query) and captions (one
    more)."""
    captions: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    for article_id, language, text in db.session.execute(_SHOWN_CAPTIONS, {"ids": ids}):
        captions[article_id].append((language, text))
    rows = db.session.execute(_SHOWN_ARTICLES, {"ids": ids})
    return {row[0]: _Shown(*row, captions=captions[row[0]]) for row in rows}


DISPLAY_CACHE_MAX = 4096  # articles; a few hundred bytes each
DISPLAY_CACHE_KEY = "herald_suggestion_display"


class DisplayCache:
    """Per process: what a suggested article shows (``_Shown``), by article id.

    The same few hundred articles are suggested over and over, and reading their columns and
    captions was two queries and ~1.5 ms of every suggestion request. Emptied whenever an
    article, campaign, tracked link or caption changes on any node (``cache_sync.CONTENT``, seen
    within ``cache_sync.CHECK_INTERVAL_S``), like the catalog those suggestions come from. A
    read that started before an emptying is not stored (``generation``), so a stale row can not
    outlive the change that made it stale.
    """

    def __init__(self, maxsize: int = DISPLAY_CACHE_MAX) -> None:
        self.rows: LRUCache[int, _Shown] = LRUCache(maxsize=maxsize)
        self.generation = 0
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe

    def clear(self) -> None:
        with self._lock:
            self.rows.clear()
            self.generation += 1

    def get(self, ids: list[int]) -> tuple[int, dict[int, _Shown]]:
        """(generation, the cached rows of ``ids``)."""
        with self._lock:
            found = {i: hit for i in ids if (hit := self.rows.get(i)) is not None}
            return self.generation, found

    def put(self, generation: int, rows: Mapping[int, _Shown]) -> None:
        with self._lock:
            if generation == self.generation:
                self.rows.update(rows)


def display_cache() -> DisplayCache | None:
    """The app's display cache; None when ``SUGGESTION_DISPLAY_CACHE`` is off (default: on
    unless TESTING, where every test's database restarts the ids)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app
    if not _setting(app, "SUGGESTION_DISPLAY_CACHE"):
        return None
    cache = app.extensions.get(DISPLAY_CACHE_KEY)
    if cache is None:
        cache = app.extensions[DISPLAY_CACHE_KEY] = DisplayCache()
        cache_sync.watcher(app).on_change(cache_sync.CONTENT, cache.clear)
    assert isinstance(cache, DisplayCache)
    return cache


def _display_rows(ids: list[int]) -> dict[int, _Shown]:
    """The suggested articles as shown, from the display cache where it has them."""
    cache = display_cache()
    if cache is None:
        return _read_shown(ids)
    generation, rows = cache.get(ids)
    missing = [i for i in ids if i not in rows]
    if missing:
        fresh = _read_shown(missing)
        cache.put(generation, fresh)
        rows.update(fresh)
    return rows


# --- events --------------------------------------------------------------------------------------


def record_event(employee: Employee, body: EventIn) -> EventOut:
    """Log opened/shared/dismissed/saved; ``request_id`` must be one of the employee's requests.

    Only approved articles: a draft is 404 like an unknown id (employees must not learn draft
    ids), an archived one 409; neither may end up in the training data."""
    article = db.session.get(Article, body.article_id)
    if article is None or article.status == "draft":
        raise NotFound(
            lazy_translate("error.articles.article_not_found", article_id=body.article_id)
        )
    if article.status != "approved":
        raise Conflict(
            lazy_translate(
                "error.suggestions.article_status",
                article_id=body.article_id,
                status=article.status,
            )
        )
    if body.request_id is not None:
        shown = db.session.scalar(
            sa.select(SuggestionImpression.id)
            .where(
                SuggestionImpression.request_id == body.request_id,
                SuggestionImpression.employee_id == employee.id,
            )
            .limit(1)
        )
        if shown is None:
            raise ValidationFailed(
                lazy_translate("error.suggestions.unknown_request_id"),
                details=[
                    {
                        "field": "request_id",
                        "message": "no suggestions were shown to you under this request id",
                        "type": "value_error",
                    }
                ],
            )
    event = EngagementEvent(
        employee_id=employee.id,
        article_id=body.article_id,
        type=body.type,
        request_id=body.request_id,
    )
    db.session.add(event)
    db.session.commit()
    return EventOut.model_validate(event)


# --- readiness and models ------------------------------------------------------------------------


def readiness() -> tuple[bool, list[str]]:
    """For /readyz: (ok, reasons). Not ok while warming up or serving the degraded fallback."""
    try:
        if runtime().warming:
            return False, ["model loading"]
        model = runtime().serving()
    except Exception as exc:  # noqa: BLE001 - readiness must answer, whatever broke
        return False, [f"recommender unavailable: {type(exc).__name__}"]
    return (not model.degraded, list(model.reasons))


def list_models() -> ModelsOut:
    rt = runtime()
    model = rt.serving()
    rows = db.session.scalars(sa.select(ModelVersion).order_by(ModelVersion.created_at.desc()))
    return ModelsOut(
        active=active_version(),
        serving=model.version,
        degraded=model.degraded,
        reasons=list(model.reasons),
        items=[ModelVersionOut.model_validate(r) for r in rows],
    )


def serving_info() -> Mapping[str, Any]:
    model = runtime().serving()
    return {"version": model.version, "degraded": model.degraded, "reasons": list(model.reasons)}
