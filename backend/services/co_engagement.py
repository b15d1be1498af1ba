"""The co-engagement (EASE) model as served: fitted on the worker, read by every web process.

A fit over ``recommender.cf.MAX_ITEMS`` articles takes 0.3-2.5 s on one core, too long for a
request. So the worker's ``fit_co_engagement`` task (backend/tasks.py) fits it on the last
``HISTORY_DAYS`` of positive engagement and stores it in ``co_engagement_fits`` (the newest
``KEEP_FITS`` rows are kept), and a web process only reads it:

* ``served_index`` answers with the newest stored fit, loaded once per fit and process (it checks
  for a newer row at most every ``CHECK_INTERVAL_S``), or None while there is none yet (the caller
  then uses the colleague count).
* When the newest fit is older than ``REFIT_AFTER_S`` (or there is none), it asks the worker for a
  refit (``task_queue.request``, coalesced: one waiting task however many requests ask) and
  keeps serving what it has. Under ``TESTING`` every call asks, so a test sees the events it just
  wrote (with Huey's immediate mode the "worker" is the caller).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from flask import current_app

from backend import task_queue
from backend.extensions import db
from backend.models import CoEngagementFit, EngagementEvent, utcnow
from recommender.cf import SERVED_L2, CoEngagement, CoEngagementIndex, fit_index
from recommender.columns import POSITIVE_EVENTS

log = logging.getLogger("herald.co_engagement")

HISTORY_DAYS = 180
REFIT_AFTER_S = 900.0
CHECK_INTERVAL_S = 10.0
KEEP_FITS = 2
REQUEST = "co-engagement"


def positive_since(now: dt.datetime) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        EngagementEvent.created_at >= now - dt.timedelta(days=HISTORY_DAYS),
        EngagementEvent.type.in_(sorted(POSITIVE_EVENTS)),
    )


# --- the worker's side -------------------------------------------------------------------------


def fit_and_store(now: dt.datetime | None = None) -> CoEngagementFit:
    """Fit on the positive (employee, article) pairs and store it (inside an app context)."""
    now = now or utcnow()
    started = time.perf_counter()
    pairs = db.session.execute(
        sa.select(EngagementEvent.employee_id, EngagementEvent.article_id)
        .where(*positive_since(now))
        .distinct()
    ).all()
    index = fit_index([int(e) for e, _ in pairs], [int(a) for _, a in pairs])
    ids = np.ascontiguousarray(index.article_ids, dtype="<i8")
    weights = (
        np.ascontiguousarray(index.model.item_weights_, dtype="<f4")
        if index.model is not None
        else np.zeros((0, 0), dtype="<f4")
    )
    row = CoEngagementFit(
        fitted_at=utcnow(),
        n_items=int(ids.shape[0]),
        n_pairs=len(pairs),
        l2=float(index.model.l2) if index.model is not None else SERVED_L2,
        article_ids=ids.tobytes(),
        weights=weights.tobytes(),
    )
    db.session.add(row)
    db.session.flush()
    keep = (
        sa.select(CoEngagementFit.id)
        .order_by(CoEngagementFit.id.desc())
        .limit(KEEP_FITS)
        .subquery()
    )
    db.session.execute(
        sa.delete(CoEngagementFit).where(CoEngagementFit.id.not_in(sa.select(keep.c.id)))
    )
    db.session.commit()
    log.info(
        "co-engagement fitted: %s articles from %s pairs in %.2f s",
        row.n_items,
        row.n_pairs,
        time.perf_counter() - started,
    )
    return row


def decode(row: CoEngagementFit) -> CoEngagementIndex:
    ids = np.frombuffer(row.article_ids, dtype="<i8").astype(np.int64)
    n = ids.shape[0]
    if n == 0:
        return CoEngagementIndex(ids, None)
    model = CoEngagement(l2=row.l2, binary=True)
    model.item_weights_ = np.frombuffer(row.weights, dtype="<f4").reshape(n, n)
    model.n_items_ = n
    return CoEngagementIndex(ids, model)


# --- the web process's side ---------------------------------------------------------------------


@dataclass
class _Served:
    fit: tuple[int, dt.datetime] | None  # (id, fitted_at) of the loaded row
    index: CoEngagementIndex | None
    checked_at: float


_served: dict[str, _Served] = {}  # per database (tests run several apps in one process)
_lock = threading.Lock()


def _newest() -> tuple[int, dt.datetime] | None:
    row = db.session.execute(
        sa.select(CoEngagementFit.id, CoEngagementFit.fitted_at)
        .order_by(CoEngagementFit.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), row[1])


def served_index(now: dt.datetime) -> CoEngagementIndex | None:
    """The newest fitted co-engagement model (None before the first fit); never fits."""
    key = str(db.engine.url)
    testing = current_app.testing
    mono = time.monotonic()
    state = _served.get(key)
    if state is not None and not testing and mono - state.checked_at < CHECK_INTERVAL_S:
        return state.index
    newest = _newest()
    refit_after = 0.0 if testing else REFIT_AFTER_S
    if newest is None or (now - newest[1]).total_seconds() >= refit_after:
        if task_queue.request(REQUEST):  # queued for the worker (or run, in immediate mode)
            newest = _newest()
    if state is not None and state.fit == newest:
        state.checked_at = mono
        return state.index
    if not _lock.acquire(blocking=False):
        return state.index if state is not None else None  # another thread is loading it
    try:
        row = None if newest is None else db.session.get(CoEngagementFit, newest[0])
        index = None if row is None else decode(row)
        if row is not None:
            db.session.expunge(row)  # the blobs are not kept in the session's identity map
        _served[key] = _Served(newest if row is not None else None, index, mono)
        return index
    finally:
        _lock.release()
