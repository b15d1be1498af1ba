"""Tracked links: one per employee x article x network, their codes, and what ``/r/<code>``
redirects to (the article's URL with our UTM parameters, as an ASCII URI).

The target is checked with the one URL validator (``backend.urls.check_target``) that article
create and import use too, and encoded with ``backend.urls.to_uri``: a Danish URL such as
``/da/sådan-gør-vi`` leaves as ``/da/s%C3%A5dan-g%C3%B8r-vi``, byte for byte the same on the Flask
view and on the WSGI fast path (a ``Location`` header is ASCII; raw latin-1 bytes land elsewhere).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cachetools import TTLCache
from sqlalchemy import Engine, and_, bindparam, select

from backend.extensions import db
from backend.models import Article, Campaign, Employee, Share, TrackedLink
from backend.urls import UnsafeUrl, check_target, is_safe_target, to_uri

CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTVWXYZ23456789"
CODE_LENGTH = 8  # ~46 bits: not guessable by enumeration
CODE_RE = re.compile(r"^[A-Za-z0-9]{4,16}$")
ALWAYS_ON = "always-on"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def tracked_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/r/{code}"


def link_for(employee_id: int, article_id: int, network: str) -> TrackedLink:
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


# --- redirect target -----------------------------------------------------------------------


def safe_target(url: str, allowed_domains: Iterable[str] = ()) -> bool:
    """True when a tracked link may redirect to ``url`` (``backend.urls.check_target``)."""
    return is_safe_target(url, allowed_domains)


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
    location: str  # ASCII: the URI form of the article's IRI, with UTMs
    employee_id: int = 0  # the sharer
    # Salted hashes of the addresses the sharer shared this link from: clicks from them are
    # self-clicks (``clicks.click_row``).
    sharer_addrs: frozenset[str] = frozenset()


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


# The link, its article's URL, the sharer's public reference and the campaign, with one row per
# distinct address the link was shared from (one row with NULL when none): one statement, built
# once, so a redirect whose code is not cached yet costs one query.
_TARGET_QUERY = (
    select(
        TrackedLink.id,
        TrackedLink.employee_id,
        TrackedLink.network,
        Article.canonical_url,
        Employee.public_ref,
        Campaign.slug,
        Share.sharer_addr_hash,
    )
    .join(Article, Article.id == TrackedLink.article_id)
    .join(Employee, Employee.id == TrackedLink.employee_id)
    .outerjoin(Campaign, Campaign.id == Article.campaign_id)
    .outerjoin(Share, and_(Share.link_id == TrackedLink.id, Share.sharer_addr_hash != ""))
    .where(TrackedLink.code == bindparam("code"))
    .distinct()
)


def resolve(
    code: str,
    *,
    utm_medium: str,
    cache: TargetCache = TARGETS,
    allowed_domains: Iterable[str] = (),
    engine: Engine | None = None,
) -> Target | None:
    """The redirect target for ``code``, or None for an unknown code or a stored URL that the
    URL validator refuses now (e.g. a host no longer on the company's allow-list).

    Read on a connection of its own (``engine``, default the app's), not the request's session:
    the WSGI fast path calls it outside any Flask context."""
    if not CODE_RE.match(code):
        return None
    target = cache.get(code)
    if target is not None:
        return target
    with (engine or db.engine).connect() as conn:
        if conn.dialect.name == "postgresql":
            # A read needs no transaction: without one the lookup is one round trip, not three
            # (BEGIN, the SELECT, and the ROLLBACK when the connection goes back to the pool).
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        rows = conn.execute(_TARGET_QUERY, {"code": code}).all()
    if not rows:
        return None
    link_id, employee_id, network, url, public_ref, slug, _ = rows[0]
    try:
        check_target(url, allowed_domains)
        location = to_uri(
            with_utm(
                url,
                source=network,
                medium=utm_medium,
                campaign=slug or ALWAYS_ON,
                content=public_ref,
            )
        )
        check_target(location, allowed_domains)
    except UnsafeUrl:
        return None
    addrs = frozenset(row[-1] for row in rows if row[-1])
    target = Target(link_id=link_id, location=location, employee_id=employee_id, sharer_addrs=addrs)
    cache.put(code, target)
    return target
