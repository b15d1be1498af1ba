"""The task queue itself (Huey) and how the rest of Herald asks it for work.

``backend.tasks`` defines the tasks and imports the services they run; a service that wants work
done on the worker cannot import it back. So this module holds what both sides share:

* ``huey``, pointed by ``configure`` at ``TASK_QUEUE_URL`` (``redis://…``, ``sqlite:///path``,
  ``memory://``; immediate mode under ``TESTING`` without a URL);
* ``register``/``request``: ``backend.tasks`` registers one enqueue function per kind of request
  when it is imported (``create_app`` imports it); services call ``request(name, *args)``;
* ``enqueue_coalesced``: one waiting task per kind however many processes ask (an atomic marker
  in the queue's storage, shared by every node with Redis; the task clears it when it starts);
* SQLAlchemy hooks that queue work *after the commit* that makes it necessary, so a worker never
  looks for a row that is not there yet: a new or edited article asks for ``embed``, a new or
  redelivered webhook delivery for ``webhook``. In immediate mode (tests) deliveries are not
  queued from the hook (a request would wait on the receiver); tests drive them themselves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import Huey
from huey.api import TaskWrapper
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy.orm import Session

from backend.models import Article, WebhookDelivery

log = logging.getLogger("herald.tasks")

huey = Huey("herald", results=False, utc=True, storage_class=MemoryStorage)
_app: Flask | None = None


def queue_url(app: Flask) -> str:
    url = app.config.get("TASK_QUEUE_URL")
    if url:
        return str(url)
    if app.testing:
        return "immediate://"
    return "sqlite:///" + str(Path(app.instance_path) / "tasks.db")


def configure(url: str) -> None:
    """Point the process's queue at ``url`` (idempotent for the same URL)."""
    if getattr(huey, "_herald_url", None) == url:
        return
    storage: Any = None
    if url.startswith("redis"):
        storage = RedisStorage(huey.name, url=url)
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        storage = SqliteStorage(huey.name, filename=str(path))
    elif url.startswith("memory://"):
        storage = MemoryStorage(huey.name)
    elif not url.startswith("immediate://"):
        raise ValueError(f"TASK_QUEUE_URL {url!r}: use redis://, sqlite:/// or memory://")
    if storage is None:
        huey.immediate = True
    else:
        huey._immediate = False
        huey.storage = storage
    huey._herald_url = url


def init_app(app: Flask) -> None:
    global _app
    _app = app
    configure(queue_url(app))
    _listen()


def context_app() -> Flask:
    """The app a task runs in: the current one, else the one ``init_app`` saw (the worker's)."""
    if has_app_context():
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        return app
    if _app is None:
        raise RuntimeError("the task queue used before init_app (create_app does it)")
    return _app


# --- requests ---------------------------------------------------------------------------------

_handlers: dict[str, Callable[..., Any]] = {}


def register(name: str, enqueue: Callable[..., Any]) -> None:
    _handlers[name] = enqueue


def request(name: str, *args: Any) -> bool:
    """Ask the worker for ``name``; True when a task was queued (or ran, in immediate mode).

    Never raises: a queue that cannot be reached is logged, and the caller goes on with what it
    has (the periodic passes pick up committed work).
    """
    enqueue = _handlers.get(name)
    if enqueue is None:
        log.warning("no task registered for %r (backend.tasks not imported)", name)
        return False
    try:
        return enqueue(*args) is not False
    except Exception:  # noqa: BLE001 - a request must not fail because the queue is down
        log.exception("could not queue %s%s", name, args or "")
        return False


PENDING_PREFIX = "herald.pending."
PENDING_STALE_S = 600.0  # a marker older than this is a request whose enqueue never happened


def enqueue_coalesced(task: TaskWrapper, name: str) -> bool:
    """Queue ``task()`` unless a request for ``name`` is still waiting; True when queued.

    The marker is set atomically in the queue's storage, and the task clears it when it starts
    (``mark_started``), so a request made while it runs queues one more pass. A marker left by a
    process that died between setting it and queueing the task is taken over after
    ``PENDING_STALE_S``.
    """
    key = PENDING_PREFIX + name
    now = time.time()
    if not huey.put_if_empty(key, now):
        since = huey.get(key, peek=True)
        if isinstance(since, float) and now - since < PENDING_STALE_S:
            return False
        huey.put(key, now)
    try:
        task()
    except Exception:
        huey.delete(key)
        raise
    return True


def mark_started(name: str) -> None:
    huey.delete(PENDING_PREFIX + name)


# --- queued after the commit ------------------------------------------------------------------

_EMBED_FLAG = "herald_tasks_embed"
_DELIVERIES = "herald_tasks_deliveries"
_listening = False


def _after_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Article):
            if obj in session.new or session.is_modified(obj, include_collections=False):
                session.info[_EMBED_FLAG] = True
        elif isinstance(obj, WebhookDelivery) and obj.status == "pending":
            if obj in session.new or sa.inspect(obj).attrs.attempts.history.added == [0]:
                session.info.setdefault(_DELIVERIES, set()).add(int(obj.id))  # new or redelivered


def _after_commit(session: Session) -> None:
    embed = session.info.pop(_EMBED_FLAG, False)
    deliveries = session.info.pop(_DELIVERIES, set())
    if embed:
        request("embed")
    if not huey.immediate:
        for delivery_id in sorted(deliveries):
            request("webhook", delivery_id)  # a failure leaves it to the minute's sweep


def _after_rollback(session: Session) -> None:
    session.info.pop(_EMBED_FLAG, None)
    session.info.pop(_DELIVERIES, None)


def _listen() -> None:
    global _listening
    if not _listening:
        sa.event.listen(Session, "after_flush", _after_flush)
        sa.event.listen(Session, "after_commit", _after_commit)
        sa.event.listen(Session, "after_soft_rollback", lambda s, _tx: _after_rollback(s))
        _listening = True
