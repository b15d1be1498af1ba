"""Clicks on tracked links: classified (desktop/mobile/bot), hashed, committed in groups.

Nothing here touches ``flask.request``: the redirect views pass in headers and the address.
A click is *counted* only when ``is_bot`` is false; bots, link previews, prefetches, ``HEAD`` and
self-clicks (the sharer's own address, token or console session; ``ua_class = "self"``) are
stored with ``is_bot = true`` so that every report that counts human clicks leaves them out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import logging
import os
import re
import threading
import weakref
from collections.abc import Iterator
from typing import Any, Protocol
from urllib.parse import urlsplit

from cachetools import LRUCache
from sqlalchemy import Connection, Engine, TextClause, bindparam, insert, text
from sqlalchemy.exc import DataError, IntegrityError

from backend.extensions import db
from backend.models import Click, utcnow
from backend.services import share_confirmation

log = logging.getLogger(__name__)

SELF = "self"  # ua_class of a click by the sharer on their own link


def addr_hash(salt: str, ip: str) -> str:
    """Salted hash of a network address (the address itself is never stored)."""
    return hashlib.sha256("\x1f".join((salt, "addr", ip)).encode("utf-8")).hexdigest()


# --- classification ------------------------------------------------------------------------


class HeaderLookup(Protocol):
    """Request headers, looked up by name with a default: a dict, or werkzeug's ``Headers``."""

    def get(self, key: str, default: str, /) -> str: ...


# Matched against the lowercased User-Agent: the same matches as re.IGNORECASE on the latin-1
# text a header arrives as, about ten times faster (an IGNORECASE alternation cannot use the
# literal search; the three searches took ~60 µs of a redirect's CPU on a 2-vCPU VM).
_BOT_RE = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|skypeuripreview"
    r"|headless|curl/|wget/|python-|httpx|go-http-client|java/|okhttp|libwww|scrapy|lighthouse"
)
_MOBILE_RE = re.compile(r"mobi|android|iphone|ipad|ipod|windows phone")
_DESKTOP_RE = re.compile(r"windows nt|macintosh|x11|linux x86|cros")
PREFETCH_VALUES = ("prefetch", "preview", "prerender")


def classify_user_agent(user_agent: str) -> str:
    """desktop | mobile | bot | other."""
    if not user_agent:
        return "other"
    user_agent = user_agent.lower()
    if _BOT_RE.search(user_agent):
        return "bot"
    if _MOBILE_RE.search(user_agent):
        return "mobile"
    if _DESKTOP_RE.search(user_agent):
        return "desktop"
    return "other"


def is_prefetch(headers: HeaderLookup) -> bool:
    """Purpose / Sec-Purpose / X-Purpose / X-Moz headers that mark a speculative fetch."""
    for name in ("Purpose", "Sec-Purpose", "X-Purpose", "X-Moz"):
        value = headers.get(name, "").lower()
        if any(word in value for word in PREFETCH_VALUES):
            return True
    return False


def referrer_host(referrer: str) -> str:
    if not referrer:
        return ""
    try:
        host = urlsplit(referrer).hostname or ""
    except ValueError:
        return ""
    return host.lower()[:255]


def visitor_hash(salt: str, day: dt.date, ip: str, user_agent: str) -> str:
    """sha256(salt | day | ip | ua): counts unique visitors per day; the IP itself is never kept."""
    raw = "\x1f".join((salt, day.isoformat(), ip, user_agent))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


_INSERT_CLICK = insert(Click.__table__)


def visitor_id(salt: str, ip: str, user_agent: str) -> str:
    """sha256(salt | "visitor" | ip | ua) without the day: distinct visitors over a period of any
    length (``analytics.visitors``). Salted like every hash here; the IP itself is never kept, and
    the raw clicks that carry it go with retention (``CLICK_RETENTION_MONTHS``)."""
    raw = "\x1f".join((salt, "visitor", ip, user_agent))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


_CLICK_COLUMNS = (
    "link_id",
    "created_at",
    "referrer_host",
    "ua_class",
    "is_bot",
    "visitor_hash",
    "visitor_id",
)


@functools.lru_cache(maxsize=64)
def _insert_clicks(n: int) -> TextClause:
    """One INSERT of ``n`` rows with parameters ``<column>_<i>``, built once per ``n``. Text, so
    that SQLAlchemy compiles it once: a multi-row ``insert().values([...])`` has no cache key and
    is compiled again on every call."""
    table = Click.__table__
    rows = ", ".join("(" + ", ".join(f":{c}_{i}" for c in _CLICK_COLUMNS) + ")" for i in range(n))
    return text(f"INSERT INTO {table.name} ({', '.join(_CLICK_COLUMNS)}) VALUES {rows}").bindparams(
        *(bindparam(f"{c}_{i}", type_=table.c[c].type) for i in range(n) for c in _CLICK_COLUMNS)
    )


def click_row(
    link_id: int,
    *,
    method: str,
    headers: HeaderLookup,
    remote_addr: str,
    salt: str,
    now: dt.datetime | None = None,
    sharer_addrs: frozenset[str] = frozenset(),
    is_self: bool = False,
) -> dict[str, Any]:
    """The ``clicks`` row for one request: classified and hashed, the IP itself left out.

    ``is_self`` (the request carried the sharer's token or console session) or an address the
    sharer shared from makes it a self-click: stored, never counted, whatever the User-Agent."""
    now = now or utcnow()
    user_agent = headers.get("User-Agent", "")[:1000]
    ua_class = classify_user_agent(user_agent)
    if ua_class != "bot" and (
        is_self or (sharer_addrs and addr_hash(salt, remote_addr) in sharer_addrs)
    ):
        ua_class = SELF
    return {
        "link_id": link_id,
        "created_at": now,
        "referrer_host": referrer_host(headers.get("Referer", "")),
        "ua_class": ua_class,
        "is_bot": ua_class in ("bot", SELF) or method == "HEAD" or is_prefetch(headers),
        "visitor_hash": visitor_hash(salt, now.date(), remote_addr, user_agent),
        "visitor_id": visitor_id(salt, remote_addr, user_agent),
    }


class ClickNotStored(RuntimeError):
    """The commit that carried this click was interrupted; the click may not be stored."""


class _PendingClick:
    __slots__ = ("row", "done", "stored", "error")

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.done = False
        self.stored = False
        self.error: BaseException | None = None


class ClickWriter:
    """Group commit for clicks: every caller returns only once its own row is committed.

    A commit waits for the disk (an fsync of the write-ahead log, a few milliseconds here), and on
    PostgreSQL each statement is a round trip to another process; one transaction per click caps a
    process at a few hundred clicks a second. So the threads of a process that arrive while a
    commit is in progress queue their rows; when it ends, one of them writes everything queued in
    one transaction while the others wait for it. No caller returns before its row is durable, and
    nobody waits for company: with one request in flight the batch is that one row, at once.

    On PostgreSQL the batch is one multi-row INSERT in autocommit mode (one statement, one round
    trip, all rows or none); on SQLite, where there is no round trip, an executemany between BEGIN
    and COMMIT. SQLite lets one writer in at a time and makes the others poll with growing sleeps
    (1, 2, 5, 10 ... 100 ms) until it is free, which gave seconds-long outliers with two gunicorn
    workers; so the writers of a database file first take an exclusive ``flock`` on
    ``<database>-clicks.lock``, which wakes the next one as soon as the lock is released.

    The connection stays with the writer while clicks keep coming: a committer that finds others
    queued behind it leaves the connection to the next one, and the last of a run returns it to the
    pool. A checkout costs a round trip on PostgreSQL (the engine's ``pool_pre_ping``), as long as
    the INSERT itself: under ``make bench-load`` it was a tenth of a worker's samples. Only a
    connection that was just in use skips the ping; one taken from the pool after a quiet moment,
    or after a failure (which always returns the connection), is checked as before.

    A batch the database rejects (an integrity or data error: nothing of it was stored) is retried
    one row at a time, so a bad row fails only its own caller. Any other error (the connection
    dropped, the disk is full) is raised in every caller of the batch and never retried here: the
    rows may or may not have been committed, and a retry could store a click twice.

    Confirmation (issue #15): after a batch, a counted click confirms its link's started shares.
    Most clicks come through links whose shares are confirmed already, so the writer remembers the
    links it found with no started share (``_settled``) and reads only the others. A new share
    on such a link bumps the ``shares`` cache stamp (``services.cache_sync``); every process's
    watcher then calls :meth:`forget_settled` within ``CHECK_INTERVAL_S`` (one second), so a click
    in the first second after a share started on another node may leave it started (the next
    counted click, or the extension seeing the post, confirms it).
    """

    SETTLED_MAX = 100_000  # link ids remembered as having no started share (LRU)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._single_statement = engine.dialect.name == "postgresql"
        self._lock_path = _sqlite_lock_path(engine)
        self._lock_fd = -1
        self._lock_pid = 0
        self._changed = threading.Condition()
        self._queue: list[_PendingClick] = []
        self._committing = False
        self._conn: Connection | None = None  # held from batch to batch while others queue
        self._settled: LRUCache[int, bool] = LRUCache(maxsize=self.SETTLED_MAX)
        self._settled_lock = threading.Lock()  # cachetools' caches are not thread-safe
        self._generation = 0  # moves on every forget_settled()

    def forget_settled(self) -> None:
        """A share started somewhere: any remembered link may have a started share again."""
        with self._settled_lock:
            self._generation += 1
            self._settled.clear()

    def write(self, row: dict[str, Any]) -> None:
        item = _PendingClick(row)
        batch: list[_PendingClick] = []
        with self._changed:
            self._queue.append(item)
            while self._committing and not item.done:
                self._changed.wait()
            if not item.done:  # nobody is committing: this thread commits everything queued
                self._committing = True
                batch, self._queue = self._queue, []
        if batch:
            try:
                self._commit(batch)
            finally:
                with self._changed:
                    self._committing = False
                    self._changed.notify_all()
        if item.error is not None:
            raise item.error
        if not item.stored:  # pragma: no cover - _commit settles every row of its batch
            raise ClickNotStored("click not stored")

    def _commit(self, batch: list[_PendingClick]) -> None:
        try:
            try:
                self._insert(batch)
            except (IntegrityError, DataError):
                if len(batch) == 1:
                    raise
                for item in batch:  # the statement was refused as a whole: find the bad row(s)
                    try:
                        self._insert([item])
                    except Exception as own:  # noqa: BLE001 - raised in that row's caller
                        item.error = own
        except Exception as exc:  # noqa: BLE001 - raised in every caller still waiting
            for item in batch:
                if not item.stored and item.error is None:
                    item.error = exc
        finally:
            for item in batch:
                if not item.stored and item.error is None:  # interrupted (KeyboardInterrupt, ...)
                    item.error = ClickNotStored("the commit carrying this click was interrupted")
            self._confirm([item.row for item in batch if item.stored])
            with self._changed:
                if not self._queue:  # nobody waiting: the connection goes back to the pool
                    self._release()
            for item in batch:
                item.done = True

    def _confirm(self, rows: list[dict[str, Any]]) -> None:
        """A counted click confirms its link's started shares (issue #15): one read per batch,
        and a write only when a link of the batch has a started share. The clicks are stored
        whatever happens here: a failure is logged, and the share stays started until the next
        counted click or the extension confirms it."""
        counted = [row for row in rows if not row["is_bot"]]
        if not counted:
            return
        with self._settled_lock:
            generation = self._generation
            unknown = {row["link_id"] for row in counted if row["link_id"] not in self._settled}
        if not unknown:
            return
        try:
            with self.engine.connect() as conn:
                started = share_confirmation.links_with_started_shares(conn, unknown)
            if started:
                now = max(row["created_at"] for row in counted)
                with self._file_lock(), self.engine.begin() as conn:
                    share_confirmation.confirm_after_clicks(conn, started, now)
        except Exception:  # noqa: BLE001 - never fails a click that is stored
            log.warning("share confirmation by click failed", exc_info=True)
            return
        with self._settled_lock:
            if generation == self._generation:  # no share started since the read
                for link_id in unknown:
                    self._settled[link_id] = True

    def _insert(self, items: list[_PendingClick]) -> None:
        rows = [item.row for item in items]
        conn = self._connection()
        try:
            if self._single_statement:
                params = {f"{c}_{i}": row[c] for i, row in enumerate(rows) for c in _CLICK_COLUMNS}
                conn.execute(_insert_clicks(len(rows)), params)
            else:
                with self._file_lock(), conn.begin():
                    conn.execute(_INSERT_CLICK, rows)
        except BaseException:
            self._release()  # whatever failed, the next batch checks a connection out (and pings)
            raise
        for item in items:
            item.stored = True

    def _connection(self) -> Connection:
        """The connection of the batch being committed (only the committing thread calls this)."""
        if self._conn is None:
            conn = self.engine.connect()
            if self._single_statement:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            self._conn = conn
        return self._conn

    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - called under the writer's lock: it must not raise
            log.warning("returning the click writer's connection failed", exc_info=True)

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        """The cross-process writer lock of a SQLite file (no-op for other databases)."""
        if self._lock_path is None:
            yield
            return
        if self._lock_pid != os.getpid():  # a forked worker needs its own open file: flock
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._lock_pid = os.getpid()  # locks are shared by the fds of one open()
            weakref.finalize(self, os.close, self._lock_fd)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)


def _sqlite_lock_path(engine: Engine) -> str | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return database + "-clicks.lock"


def record_click(
    link_id: int,
    *,
    method: str,
    headers: HeaderLookup,
    remote_addr: str,
    salt: str,
    writer: ClickWriter | None = None,
    now: dt.datetime | None = None,
    sharer_addrs: frozenset[str] = frozenset(),
    is_self: bool = False,
) -> None:
    """Store one click, committed before the function returns (the redirect is answered after).

    Core on a pooled connection, not the ORM session: this is the hot path of every click. With a
    ``writer`` the commit is shared with the clicks that other threads are storing at the same time.
    """
    row = click_row(
        link_id,
        method=method,
        headers=headers,
        remote_addr=remote_addr,
        salt=salt,
        now=now,
        sharer_addrs=sharer_addrs,
        is_self=is_self,
    )
    if writer is not None:
        writer.write(row)  # confirms the link's started shares too, once per batch
        return
    with db.engine.begin() as conn:
        conn.execute(_INSERT_CLICK, row)
        if not row["is_bot"]:  # a counted click confirms the link's started shares (issue #15)
            share_confirmation.confirm_by_click(conn, link_id, row["created_at"])
