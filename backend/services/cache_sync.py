"""Cache invalidation across nodes, with the database as the bus.

Every process keeps caches (the redirect target cache, the recommender's catalog and model). When
an article, a tracked link, a campaign or a model version changes, the transaction that changes it
also bumps a counter in ``cache_stamps`` (a SQLAlchemy ``after_flush`` hook, so no service can
forget it). Each process reads the counters at most once per ``CHECK_INTERVAL_S`` (one indexed
read of two rows) and, when one moved, runs the callbacks registered for it: the redirect cache is
emptied, the recommender re-checks its catalog and active model at once. So an edit on any node is
seen on every node within about a second, without Redis and without a restart.

The families: ``content`` (articles and their captions, tracked links, campaigns), ``model``
(model versions) and ``shares`` (a share started: the click writers forget which links they knew
to have no started share, ``services.clicks.ClickWriter``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from backend.extensions import db
from backend.models import (
    Article,
    ArticleCaption,
    CacheStamp,
    Campaign,
    ModelVersion,
    Share,
    TrackedLink,
)

log = logging.getLogger("herald.cache_sync")

EXTENSION_KEY = "herald_cache_sync"
CHECK_INTERVAL_S = 1.0
CONTENT = "content"
MODEL = "model"
SHARES = "shares"
_FAMILY: dict[type, str] = {
    Article: CONTENT,
    ArticleCaption: CONTENT,  # the suggestions' display cache shows them
    TrackedLink: CONTENT,
    Campaign: CONTENT,
    ModelVersion: MODEL,
}


def _upsert_bump(conn: sa.Connection, name: str) -> None:
    table = CacheStamp.__table__
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    stmt = stmt.values(name=name, value=1).on_conflict_do_update(
        index_elements=["name"], set_={"value": table.c.value + 1}
    )
    conn.execute(stmt)


def bump(session: Session, *names: str) -> None:
    """Bump the named stamps inside ``session``'s transaction (visible to others on commit)."""
    conn = session.connection()
    for name in sorted(set(names)):
        _upsert_bump(conn, name)


def _after_flush(session: Session, _context: Any) -> None:
    touched: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Share) and obj in session.new:
            touched.add(SHARES)  # a new started share: a click may confirm it now
            continue
        family = _FAMILY.get(type(obj))
        if family is None:
            continue
        if obj in session.new and isinstance(obj, TrackedLink):
            continue  # a new link is in no cache yet
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        touched.add(family)
    if touched:
        bump(session, *touched)


_listening = False


def listen() -> None:
    """Install the flush hook once per process (every Flask-SQLAlchemy session)."""
    global _listening
    if not _listening:
        sa.event.listen(Session, "after_flush", _after_flush)
        _listening = True


class StampWatcher:
    """Per process: polls ``cache_stamps`` and runs callbacks when a counter moved."""

    def __init__(self, engine: sa.Engine, interval: float = CHECK_INTERVAL_S) -> None:
        self.engine = engine
        self.interval = interval
        self.seen: dict[str, int] | None = None
        self.checked_at = 0.0
        self.callbacks: dict[str, list[Callable[[], None]]] = {}
        self._lock = threading.Lock()

    def on_change(self, name: str, callback: Callable[[], None]) -> None:
        self.callbacks.setdefault(name, []).append(callback)

    def read(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(CacheStamp.name, CacheStamp.value)).all()
        return {str(name): int(value) for name, value in rows}

    def poll(self, now: float | None = None) -> list[str]:
        """Check the counters if ``interval`` passed; returns the families that changed."""
        now = time.monotonic() if now is None else now
        if now - self.checked_at < self.interval:
            return []
        if not self._lock.acquire(blocking=False):
            return []  # another thread of this process is checking
        try:
            self.checked_at = now
            try:
                current = self.read()
            except sa.exc.SQLAlchemyError:
                log.warning("cache stamps unreadable; keeping caches", exc_info=True)
                return []
            previous, self.seen = self.seen, current
            if previous is None:
                return []
            changed = [k for k in current if previous.get(k) != current[k]]
            for name in changed:
                for callback in self.callbacks.get(name, []):
                    callback()
            if changed:
                log.info("caches invalidated: %s changed", ", ".join(changed))
            return changed
        finally:
            self._lock.release()


def watcher(app: Flask) -> StampWatcher:
    found = app.extensions.get(EXTENSION_KEY)
    if found is None:
        with app.app_context():
            found = app.extensions[EXTENSION_KEY] = StampWatcher(db.engine)
    assert isinstance(found, StampWatcher)
    return found


def init_app(app: Flask) -> None:
    """Install the flush hook and check the stamps before each request Flask handles."""
    listen()
    stamps = watcher(app)

    def check_stamps() -> None:
        stamps.poll()

    app.before_request(check_stamps)
