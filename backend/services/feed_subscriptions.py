"""Feed subscriptions by URL (issue #15): the content team subscribes to an RSS 2.0 / Atom feed;
the worker polls every active subscription (``backend.feed_tasks``, every 30 minutes) and
imports the items it has not seen as drafts through the one importer
(``services.importers.import_articles``, format ``feed``).

* Polite: a conditional GET with the ETag and Last-Modified of the last answer (a ``304 Not
  Modified`` costs nothing); a timeout (``FEED_TIMEOUT_SECONDS``) and a size limit
  (``FEED_MAX_BYTES``) on every fetch.
* Safe: the URL is checked when saved and every address it resolves to is checked at each fetch
  (``services.safe_http``: no loopback/private/link-local targets unless
  ``FEED_ALLOW_PRIVATE_NETWORKS``), redirects hop by hop.
* New items only: an item whose canonical URL is already an article is left alone (the content
  team may have edited or approved it); new ones become drafts, so nothing reaches employees
  before an approver publishes it. A feed that fails keeps its last good state and says why.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import select

from backend.errors import Conflict, NotFound, ValidationFailed
from backend.extensions import db
from backend.models import Article, FeedSubscription, utcnow
from backend.services import audit, importers, safe_http
from backend.services.articles import canonicalise_url

log = logging.getLogger("herald.feeds")

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"


def _allow_private() -> bool:
    return bool(current_app.config.get("FEED_ALLOW_PRIVATE_NETWORKS"))


def list_subscriptions() -> list[FeedSubscription]:
    return list(db.session.scalars(select(FeedSubscription).order_by(FeedSubscription.id)))


def subscribe(url: str, language: str | None, actor_id: int | None) -> FeedSubscription:
    url = url.strip()
    try:
        safe_http.check_fetch_url(url, allow_private=_allow_private())
    except safe_http.FetchRefused as exc:
        raise ValidationFailed(
            "this feed address is not allowed",
            details=[{"field": "url", "message": str(exc), "type": "feed_url"}],
        ) from None
    if language is not None and language not in ("en", "da"):
        raise ValidationFailed(
            "language must be en or da",
            details=[{"field": "language", "message": "en or da", "type": "literal_error"}],
        )
    if db.session.scalar(select(FeedSubscription.id).where(FeedSubscription.url == url)):
        raise Conflict(f"already subscribed to {url}")
    sub = FeedSubscription(url=url, language=language or None, created_by=actor_id)
    db.session.add(sub)
    db.session.flush()
    audit.record(actor_id, "feed.subscribe", "feed", sub.id, url=url)
    db.session.commit()
    return sub


def unsubscribe(sub_id: int, actor_id: int | None) -> None:
    sub = db.session.get(FeedSubscription, sub_id)
    if sub is None:
        raise NotFound(f"feed subscription {sub_id} not found")
    db.session.delete(sub)
    audit.record(actor_id, "feed.unsubscribe", "feed", sub_id, url=sub.url)
    db.session.commit()


def _new_items_only(text: str) -> list[dict[str, Any]]:
    """The feed's items whose URLs are not articles yet (records for the importer)."""
    rows, _errors = importers.parse_feed(text)
    fresh: list[dict[str, Any]] = []
    for raw in rows:
        url = raw.data.get("canonical_url")
        if not isinstance(url, str):
            fresh.append(raw.data)  # the importer reports it
            continue
        try:
            canonical = canonicalise_url(url)
        except ValueError:
            fresh.append(raw.data)
            continue
        if db.session.scalar(select(Article.id).where(Article.canonical_url == canonical)) is None:
            fresh.append(raw.data)
    return fresh


def poll(sub: FeedSubscription) -> str:
    """Fetch one feed (conditionally) and import its new items as drafts; returns the status."""
    cfg = current_app.config
    headers = {"Accept": FEED_ACCEPT}
    if sub.etag:
        headers["If-None-Match"] = sub.etag
    if sub.last_modified:
        headers["If-Modified-Since"] = sub.last_modified
    sub.last_polled_at = utcnow()
    try:
        got = safe_http.request(
            sub.url,
            headers=headers,
            timeout=float(cfg["FEED_TIMEOUT_SECONDS"]),
            max_bytes=int(cfg["FEED_MAX_BYTES"]),
            allow_private=_allow_private(),
        )
        if got.status == 304:
            sub.last_status, sub.last_error = "not_modified", ""
            db.session.commit()
            return sub.last_status
        if not 200 <= got.status < 300:
            raise safe_http.FetchFailed(f"the server answered {got.status}")
        text = got.body.decode("utf-8", errors="replace")
        fresh = _new_items_only(text)
        if fresh:
            report = importers.import_articles(
                fresh, "feed", sub.created_by, default_language=sub.language
            )
            sub.items_imported += report.created
            if report.errors:
                first = report.errors[0]
                sub.last_error = f"{len(report.errors)} item(s) skipped: {first.message}"[:500]
            else:
                sub.last_error = ""
        else:
            sub.last_error = ""
        sub.etag = got.headers.get("etag") or None
        sub.last_modified = got.headers.get("last-modified") or None
        sub.last_status = "ok"
    except (safe_http.FetchFailed, safe_http.FetchRefused, importers.ImportFileError) as exc:
        db.session.rollback()
        sub = db.session.merge(sub)
        sub.last_polled_at = utcnow()
        sub.last_status, sub.last_error = "error", str(exc)[:500]
        log.warning("feed %s: %s", sub.url, exc)
    db.session.commit()
    return sub.last_status


def poll_all() -> dict[int, str]:
    """Poll every active subscription once (the periodic task)."""
    out: dict[int, str] = {}
    for sub_id in db.session.scalars(
        select(FeedSubscription.id).where(FeedSubscription.active.is_(True))
    ).all():
        sub = db.session.get(FeedSubscription, sub_id)
        if sub is not None:
            out[sub_id] = poll(sub)
    return out
