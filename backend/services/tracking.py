"""Shares, tracked links, the /r/<code> redirect target, clicks, engagement and profile snapshots.

Everything here is plain functions over the database session; the views pass in what they read
from the request (headers, remote address), so nothing here touches ``flask.request``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import json
import os
import re
import secrets
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cachetools import TTLCache
from sqlalchemy import Engine, TextClause, bindparam, func, insert, select, text
from sqlalchemy.exc import DataError, IntegrityError

from backend.errors import APIError, Conflict, Forbidden, NotFound
from backend.extensions import db
from backend.models import (
    Article,
    Campaign,
    Click,
    Employee,
    EngagementEvent,
    IdempotencyRecord,
    ProfileSnapshot,
    Share,
    ShareEngagement,
    TrackedLink,
    utcnow,
)
from backend.schemas.tracking import (
    EngagementIn,
    EngagementOut,
    ShareCreate,
    ShareCreated,
    ShareOut,
    SnapshotIn,
)
from backend.services import webhooks

CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # ~46 bits: not guessable by enumeration
CODE_RE = re.compile(r"^[A-Za-z0-9]{4,16}$")
ALWAYS_ON = "always-on"
SHARE_ENDPOINT = "shares.create"
WRITE_RETRIES = 5


class IdempotencyKeyReused(APIError):
    """The same Idempotency-Key came back with a different request body."""

    status, code = 422, "idempotency_key_reused"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def tracked_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/r/{code}"


# --- shares ---------------------------------------------------------------------------------


def _shareable_article(article_id: int, now: dt.datetime) -> Article:
    """Drafts are invisible to employees (404); archived or expired articles are 409."""
    article = db.session.get(Article, article_id)
    if article is None or article.status == "draft":
        raise NotFound(f"article {article_id} not found")
    if article.status != "approved":
        raise Conflict(f"article {article_id} is {article.status} and can no longer be shared")
    if article.expires_at is not None and article.expires_at <= now:
        raise Conflict(f"article {article_id} expired at {article.expires_at.isoformat()}")
    return article


def _link_for(employee_id: int, article_id: int, network: str) -> TrackedLink:
    """The one tracked link per (employee, article, network), created if missing; caller commits."""
    link = db.session.scalar(
        select(TrackedLink).where(
            TrackedLink.employee_id == employee_id,
            TrackedLink.article_id == article_id,
            TrackedLink.network == network,
        )
    )
    if link is None:
        link = TrackedLink(
            code=new_code(), employee_id=employee_id, article_id=article_id, network=network
        )
        db.session.add(link)
        db.session.flush()  # a concurrent twin or a code collision raises IntegrityError here
    return link


def _request_hash(data: ShareCreate) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _replay(employee_id: int, key: str, digest: str) -> tuple[dict[str, Any], int] | None:
    record = db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.employee_id == employee_id,
            IdempotencyRecord.endpoint == SHARE_ENDPOINT,
            IdempotencyRecord.key == key,
        )
    )
    if record is None:
        return None
    if record.request_hash != digest:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used with a different request body; "
            "use a new key for a new share"
        )
    return record.response, record.status_code


def create_share(
    employee: Employee, data: ShareCreate, *, base_url: str, idempotency_key: str | None = None
) -> tuple[dict[str, Any], int, bool]:
    """Record a share: tracked link, Share row, "shared" event and webhook, all in one transaction.

    Returns the JSON response, its status and whether it is a replay of a stored response. Races
    (two first shares on one link, a twin request with the same key, a code collision) end in an
    IntegrityError; the whole transaction is retried and then finds the winner's rows.
    """
    digest = _request_hash(data)
    for attempt in range(WRITE_RETRIES):
        if idempotency_key is not None:
            replay = _replay(employee.id, idempotency_key, digest)
            if replay is not None:
                return replay[0], replay[1], True
        now = utcnow()
        article = _shareable_article(data.article_id, now)
        try:
            link = _link_for(employee.id, article.id, data.network)
            share = Share(
                employee_id=employee.id,
                article_id=article.id,
                link_id=link.id,
                network=data.network,
                caption=data.caption,
                network_size_at_share=employee.network_size,
                request_id=data.request_id,
                created_at=now,
            )
            db.session.add(share)
            db.session.add(
                EngagementEvent(
                    employee_id=employee.id,
                    article_id=article.id,
                    type="shared",
                    request_id=data.request_id,
                    created_at=now,
                )
            )
            db.session.flush()
            url = tracked_url(base_url, link.code)
            body = ShareCreated(
                share_id=share.id,
                tracked_url=url,
                code=link.code,
                article_id=article.id,
                network=data.network,
                created_at=now,
            ).model_dump(mode="json")
            campaign = db.session.get(Campaign, article.campaign_id or 0)
            webhooks.enqueue(
                "share.created",
                {
                    "share_id": share.id,
                    "article_id": article.id,
                    "article_url": article.canonical_url,
                    "campaign": campaign.slug if campaign else None,
                    "network": data.network,
                    "employee_ref": employee.public_ref,
                    "network_size_at_share": share.network_size_at_share,
                    "tracked_url": url,
                    "created_at": body["created_at"],
                },
            )
            if idempotency_key is not None:
                db.session.add(
                    IdempotencyRecord(
                        employee_id=employee.id,
                        key=idempotency_key,
                        endpoint=SHARE_ENDPOINT,
                        request_hash=digest,
                        status_code=201,
                        response=body,
                    )
                )
            db.session.commit()
            return body, 201, False
        except IntegrityError:
            db.session.rollback()
            if attempt == WRITE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _own_share(employee_id: int, share_id: int) -> Share:
    share = db.session.get(Share, share_id)
    if share is None:
        raise NotFound(f"share {share_id} not found")
    if share.employee_id != employee_id:
        raise Forbidden(f"share {share_id} belongs to another employee")
    return share


def _latest_engagement(share_ids: list[int]) -> dict[int, ShareEngagement]:
    if not share_ids:
        return {}
    rows = db.session.scalars(
        select(ShareEngagement)
        .where(ShareEngagement.share_id.in_(share_ids))
        .order_by(ShareEngagement.share_id, ShareEngagement.observed_at, ShareEngagement.id)
    ).all()
    return {row.share_id: row for row in rows}  # the last row per share wins


def _engagement_out(row: ShareEngagement) -> EngagementOut:
    return EngagementOut(
        share_id=row.share_id,
        reactions=row.reactions,
        comments=row.comments,
        reposts=row.reposts,
        observed_at=row.observed_at,
    )


def record_engagement(employee_id: int, share_id: int, data: EngagementIn) -> EngagementOut:
    """Append an observation; the latest one is the share's current engagement."""
    share = _own_share(employee_id, share_id)
    row = ShareEngagement(share_id=share.id, **data.model_dump(), observed_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return _engagement_out(row)


def list_my_shares(
    employee_id: int, *, base_url: str, limit: int, offset: int
) -> tuple[list[ShareOut], int]:
    base = select(Share).where(Share.employee_id == employee_id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    shares = db.session.scalars(
        base.order_by(Share.created_at.desc(), Share.id.desc()).limit(limit).offset(offset)
    ).all()
    link_ids = {s.link_id for s in shares}
    codes: dict[int, str] = {
        link_id: code
        for link_id, code in db.session.execute(
            select(TrackedLink.id, TrackedLink.code).where(TrackedLink.id.in_(link_ids))
        )
    }
    clicks: dict[int, int] = {
        link_id: n
        for link_id, n in db.session.execute(
            select(Click.link_id, func.count())
            .where(Click.link_id.in_(link_ids), Click.is_bot.is_(False))
            .group_by(Click.link_id)
        )
    }
    titles: dict[int, str] = {
        article_id: title
        for article_id, title in db.session.execute(
            select(Article.id, Article.title).where(Article.id.in_({s.article_id for s in shares}))
        )
    }
    latest = _latest_engagement([s.id for s in shares])
    items = [
        ShareOut(
            share_id=s.id,
            article_id=s.article_id,
            article_title=titles.get(s.article_id, ""),
            network=s.network,
            caption=s.caption,
            tracked_url=tracked_url(base_url, codes[s.link_id]),
            network_size_at_share=s.network_size_at_share,
            clicks=clicks.get(s.link_id, 0),
            engagement=_engagement_out(latest[s.id]) if s.id in latest else None,
            created_at=s.created_at,
        )
        for s in shares
    ]
    return items, total


# --- profile snapshots ----------------------------------------------------------------------


def record_snapshot(employee: Employee, data: SnapshotIn) -> ProfileSnapshot:
    """Opt-in only. LinkedIn followers include connections, so network size is the larger one."""
    if not (employee.consents or {}).get("profile_snapshots"):
        raise Forbidden(
            "profile snapshots are off; turn on the profile_snapshots consent first "
            "(PATCH /api/v1/me)"
        )
    row = ProfileSnapshot(employee_id=employee.id, **data.model_dump(), taken_at=utcnow())
    db.session.add(row)
    employee.network_size = max(data.connections, data.followers)
    db.session.commit()
    return row


def list_snapshots(employee_id: int, limit: int, offset: int) -> list[ProfileSnapshot]:
    return list(
        db.session.scalars(
            select(ProfileSnapshot)
            .where(ProfileSnapshot.employee_id == employee_id)
            .order_by(ProfileSnapshot.taken_at.desc(), ProfileSnapshot.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


# --- redirect ---------------------------------------------------------------------------------


def safe_target(url: str) -> bool:
    """Only absolute http(s) URLs with a host, and nothing a browser might read differently."""
    if not url or len(url) > 2048:
        return False
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" or ord(ch) == 0x7F for ch in url):
        return False
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if not url.lower().startswith(parts.scheme + "://"):
        return False
    return "@" not in parts.netloc  # no userinfo: https://example.com@evil.example


def with_utm(url: str, *, source: str, medium: str, campaign: str, content: str) -> str:
    """``url`` with our UTM parameters; other query parameters kept, any old ``utm_*`` replaced."""
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_")
    ]
    query += [
        ("utm_source", source),
        ("utm_medium", medium),
        ("utm_campaign", campaign),
        ("utm_content", content),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass(frozen=True)
class Target:
    link_id: int
    location: str


class TargetCache:
    """A per-process code→target cache (cachetools' TTLCache): entries live ``ttl`` seconds, so
    edits show up after that; past ``max_size`` codes the oldest go first."""

    def __init__(self, ttl: float = 30.0, max_size: int = 50_000) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._data: TTLCache[str, Target] = TTLCache(maxsize=max_size, ttl=ttl)
        self._lock = threading.Lock()  # cachetools' caches are not thread-safe

    def get(self, code: str) -> Target | None:
        with self._lock:
            return self._data.get(code)

    def put(self, code: str, target: Target) -> None:
        with self._lock:
            self._data[code] = target

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


TARGETS = TargetCache()


def resolve(code: str, *, utm_medium: str, cache: TargetCache = TARGETS) -> Target | None:
    """The redirect target for ``code``, or None for an unknown code or an unsafe stored URL."""
    if not CODE_RE.match(code):
        return None
    target = cache.get(code)
    if target is not None:
        return target
    row = db.session.execute(
        select(
            TrackedLink.id,
            TrackedLink.network,
            Article.canonical_url,
            Employee.public_ref,
            Campaign.slug,
        )
        .join(Article, Article.id == TrackedLink.article_id)
        .join(Employee, Employee.id == TrackedLink.employee_id)
        .outerjoin(Campaign, Campaign.id == Article.campaign_id)
        .where(TrackedLink.code == code)
    ).first()
    if row is None:
        return None
    link_id, network, url, public_ref, slug = row
    if not safe_target(url):
        return None
    location = with_utm(
        url, source=network, medium=utm_medium, campaign=slug or ALWAYS_ON, content=public_ref
    )
    if not safe_target(location):
        return None
    target = Target(link_id=link_id, location=location)
    cache.put(code, target)
    return target


# --- clicks -----------------------------------------------------------------------------------


class HeaderLookup(Protocol):
    """Request headers, looked up by name with a default: a dict, or werkzeug's ``Headers``."""

    def get(self, key: str, default: str, /) -> str: ...


_BOT_RE = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|skypeuripreview"
    r"|headless|curl/|wget/|python-|httpx|go-http-client|java/|okhttp|libwww|scrapy|lighthouse",
    re.IGNORECASE,
)
_MOBILE_RE = re.compile(r"mobi|android|iphone|ipad|ipod|windows phone", re.IGNORECASE)
_DESKTOP_RE = re.compile(r"windows nt|macintosh|x11|linux x86|cros", re.IGNORECASE)
PREFETCH_VALUES = ("prefetch", "preview", "prerender")


def classify_user_agent(user_agent: str) -> str:
    """desktop | mobile | bot | other."""
    if not user_agent:
        return "other"
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
_CLICK_COLUMNS = ("link_id", "created_at", "referrer_host", "ua_class", "is_bot", "visitor_hash")


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
) -> dict[str, Any]:
    """The ``clicks`` row for one request: classified and hashed, the IP itself left out."""
    now = now or utcnow()
    user_agent = headers.get("User-Agent", "")[:1000]
    ua_class = classify_user_agent(user_agent)
    return {
        "link_id": link_id,
        "created_at": now,
        "referrer_host": referrer_host(headers.get("Referer", "")),
        "ua_class": ua_class,
        "is_bot": ua_class == "bot" or method == "HEAD" or is_prefetch(headers),
        "visitor_hash": visitor_hash(salt, now.date(), remote_addr, user_agent),
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

    A batch the database rejects (an integrity or data error: nothing of it was stored) is retried
    one row at a time, so a bad row fails only its own caller. Any other error (the connection
    dropped, the disk is full) is raised in every caller of the batch and never retried here: the
    rows may or may not have been committed, and a retry could store a click twice.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._single_statement = engine.dialect.name == "postgresql"
        self._lock_path = _sqlite_lock_path(engine)
        self._lock_fd = -1
        self._lock_pid = 0
        self._changed = threading.Condition()
        self._queue: list[_PendingClick] = []
        self._committing = False

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
                item.done = True

    def _insert(self, items: list[_PendingClick]) -> None:
        rows = [item.row for item in items]
        if self._single_statement:
            params = {f"{c}_{i}": row[c] for i, row in enumerate(rows) for c in _CLICK_COLUMNS}
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(_insert_clicks(len(rows)), params)
        else:
            with self._file_lock(), self.engine.begin() as conn:
                conn.execute(_INSERT_CLICK, rows)
        for item in items:
            item.stored = True

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
) -> None:
    """Store one click, committed before the function returns (the redirect is answered after).

    Core on a pooled connection, not the ORM session: this is the hot path of every click. With a
    ``writer`` the commit is shared with the clicks that other threads are storing at the same time.
    """
    row = click_row(
        link_id, method=method, headers=headers, remote_addr=remote_addr, salt=salt, now=now
    )
    if writer is not None:
        writer.write(row)
        return
    with db.engine.begin() as conn:
        conn.execute(_INSERT_CLICK, row)
