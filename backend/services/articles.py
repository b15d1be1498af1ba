"""Articles: canonical URLs, create/update/list/delete, status transitions and captions.

Canonical URL policy (``canonicalise_url``), applied on every write and every look-up:

* scheme and host are lower-cased, default ports (``:80`` for http, ``:443`` for https) dropped;
* the fragment is removed;
* tracking parameters are removed: every ``utm_*`` plus ``fbclid``, ``gclid``, ``msclkid``,
  ``mc_cid``, ``mc_eid``, ``_hsenc``, ``_hsmi``; other parameters are kept in their order;
* trailing slash: a path other than ``/`` loses its trailing slash (``/blog/post/`` and
  ``/blog/post`` are the same article); an empty path becomes ``/``;
* ``www.`` is *not* removed and http/https are *not* merged: they can be different sites.

Status transitions: ``draft → approved`` (sets ``approved_at``), ``draft → archived``,
``approved → archived``, ``approved → draft`` (unpublish; clears ``approved_at``) and
``archived → draft`` (restore). An archived article must go through draft to be approved again.

Four-eyes approval (``FOUR_EYES``, off by default so a one-person team is not locked out): when
on, whoever wrote an article (created or imported it: ``created_by_id``) cannot approve it, nor
create it already approved; another content or admin user must. ``approved_by_id`` records who
approved. The rule lives here, so the API, the console and bulk approve all obey it.

Delete: an article with history (impressions, engagement events, tracked links/shares or
conversions) is archived, so analytics keep their rows; one without history is deleted with its
captions and embeddings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from backend.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import (
    Article,
    ArticleCaption,
    Campaign,
    Conversion,
    EngagementEvent,
    Share,
    SuggestionImpression,
    TrackedLink,
    utcnow,
)
from backend.schemas.articles import ArticleCreate, ArticleOut, ArticleQuery, ArticleUpdate
from backend.services import audit
from backend.urls import check_target
from recommender.language import detect

TRACKING_PARAMS = frozenset({"fbclid", "gclid", "msclkid", "mc_cid", "mc_eid", "_hsenc", "_hsmi"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"approved", "archived"}),
    "approved": frozenset({"archived", "draft"}),
    "archived": frozenset({"draft"}),
}


def allowed_redirect_domains() -> list[str]:
    """The company's allow-list of article (redirect target) domains; empty = any public host."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return []
    return list(current_app.config.get("REDIRECT_ALLOWED_DOMAINS") or [])


def canonicalise_url(url: str) -> str:
    """The canonical form of an article URL; see the module docstring for the policy.

    Raises ValueError (``backend.urls.UnsafeUrl``) for a URL a tracked link could not redirect
    to: create, import and the redirect share one validator (``backend.urls.check_target``)."""
    check_target(url.strip(), allowed_redirect_domains())
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    if parts.username or parts.password:
        raise ValueError("URL must not contain a user name or password")
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    params = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith("utm_") and key.lower() not in TRACKING_PARAMS
    ]
    return urlunsplit((scheme, host, path, urlencode(params, doseq=True), ""))


def _canonical_or_422(url: str, field: str = "canonical_url") -> str:
    try:
        return canonicalise_url(url)
    except ValueError as exc:
        raise ValidationFailed(
            lazy_translate("error.request.request_body_invalid"),
            details=[{"field": field, "message": str(exc), "type": "value_error"}],
        ) from None


# --- reading ---------------------------------------------------------------------------------


def get_article(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None:
        raise NotFound(lazy_translate("error.articles.article_not_found", article_id=article_id))
    return article


def find_by_url(url: str) -> Article | None:
    return db.session.scalar(select(Article).where(Article.canonical_url == canonicalise_url(url)))


def captions_by_language(article: Article) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for caption in article.captions:
        out.setdefault(caption.language, []).append(caption.text)
    return out


def to_out(article: Article) -> ArticleOut:
    return ArticleOut(
        id=article.id,
        canonical_url=article.canonical_url,
        title=article.title,
        summary=article.summary,
        body=article.body,
        language=article.language,
        tags=list(article.tags or []),
        image_url=article.image_url,
        published_at=article.published_at,
        expires_at=article.expires_at,
        status=article.status,
        campaign=article.campaign.slug if article.campaign else None,
        captions=captions_by_language(article),
        approved_at=article.approved_at,
        created_at=article.created_at,
        updated_at=article.updated_at,
    )


def _has_tag(tag: str) -> sa.ColumnElement[bool]:
    """Portable "tags contains tag": JSONB containment on PostgreSQL, json_each on SQLite."""
    if db.engine.dialect.name == "postgresql":
        return Article.tags.op("@>")(sa.cast(sa.func.jsonb_build_array(tag), Article.tags.type))
    each = sa.func.json_each(Article.tags).table_valued("value").alias("tag_each")
    return sa.exists(select(1).select_from(each).where(each.c.value == tag))


def list_articles(q: ArticleQuery, now: dt.datetime | None = None) -> tuple[list[Article], int]:
    stmt = select(Article)
    if q.status:
        stmt = stmt.where(Article.status == q.status)
    if q.language:
        stmt = stmt.where(Article.language == q.language)
    if q.campaign:
        stmt = stmt.join(Campaign, Article.campaign_id == Campaign.id).where(
            Campaign.slug == q.campaign
        )
    if q.tag:
        stmt = stmt.where(_has_tag(q.tag.lower()))
    if q.q:
        like = "%" + q.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                func.lower(Article.title).like(like, escape="\\"),
                func.lower(Article.summary).like(like, escape="\\"),
            )
        )
    if q.expiring_within_days is not None:
        start = now or utcnow()
        stmt = stmt.where(
            Article.expires_at.is_not(None),
            Article.expires_at > start,
            Article.expires_at <= start + dt.timedelta(days=q.expiring_within_days),
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(
        stmt.order_by(Article.updated_at.desc(), Article.id.desc()).limit(q.limit).offset(q.offset)
    ).all()
    return list(rows), total


# --- writing ---------------------------------------------------------------------------------


def campaign_by_slug(slug: str, field: str = "campaign") -> Campaign:
    campaign: Campaign | None = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise ValidationFailed(
            lazy_translate("error.request.request_body_invalid"),
            details=[
                {"field": field, "message": f"unknown campaign '{slug}'", "type": "value_error"}
            ],
        )
    return campaign


def check_transition(current: str, new: str) -> None:
    if new != current and new not in ALLOWED_TRANSITIONS[current]:
        allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[current]))
        raise Conflict(
            lazy_translate(
                "error.articles.article_cannot_go_from_from",
                current=current,
                new=new,
                allowed=allowed,
            )
        )


def four_eyes() -> bool:
    return bool(current_app.config.get("FOUR_EYES", False))


def check_approver(article: Article, actor_id: int | None) -> None:
    """With four-eyes on, the author may not approve their own article."""
    if four_eyes() and actor_id is not None and actor_id == article.created_by_id:
        raise Forbidden(lazy_translate("error.articles.four_eyes_rule"))


def _set_status(article: Article, new: str, now: dt.datetime, actor_id: int | None = None) -> None:
    if new == article.status:
        return
    check_transition(article.status, new)
    if new == "approved":
        check_approver(article, actor_id)
        article.approved_at = now
        article.approved_by_id = actor_id
    elif new == "draft":
        article.approved_at = None
        article.approved_by_id = None
    article.status = new


def _set_captions(article: Article, captions: Mapping[str, list[str]]) -> bool:
    """Replace the variants of each language named; return whether anything changed."""
    current = captions_by_language(article)
    changed = False
    for lang, texts in captions.items():
        if current.get(lang, []) == list(texts):
            continue
        changed = True
        for caption in [c for c in article.captions if c.language == lang]:
            article.captions.remove(caption)
        for text in texts:
            article.captions.append(ArticleCaption(language=lang, text=text))
    return changed


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        lazy_translate("error.request.request_body_invalid"),
        details=[{"field": field, "message": message, "type": "value_error"}],
    )


def apply_changes(
    article: Article,
    changes: Mapping[str, Any],
    now: dt.datetime,
    actor_id: int | None = None,
) -> list[str]:
    """Apply validated field values to ``article``; return the names of the fields that changed.

    Every check (URL clash, campaign, status transition, date order) runs before anything is
    set, so a rejected change leaves the article untouched. Shared by PATCH and the importers.
    """
    values = dict(changes)
    if "canonical_url" in values:
        url = _canonical_or_422(values["canonical_url"])
        if url != article.canonical_url:
            clash = db.session.scalar(
                select(Article.id).where(Article.canonical_url == url, Article.id != article.id)
            )
            if clash is not None:
                raise Conflict(
                    lazy_translate(
                        "error.articles.article_already_canonical_url", clash=clash, url=url
                    )
                )
        values["canonical_url"] = url
    if "campaign" in values:
        slug = values.pop("campaign")
        values["campaign_id"] = campaign_by_slug(slug).id if slug else None
    if "status" in values and values["status"] != article.status:
        check_transition(article.status, values["status"])
        if values["status"] == "approved":
            check_approver(article, actor_id)
    published = values.get("published_at", article.published_at)
    expires = values.get("expires_at", article.expires_at)
    if published is not None and expires is not None and expires <= published:
        raise _invalid("expires_at", "expires_at must be after published_at")

    changed: list[str] = []
    for key, value in values.items():
        if key == "captions":
            if _set_captions(article, value):
                changed.append(key)
        elif key == "status":
            if value != article.status:
                _set_status(article, value, now, actor_id)
                changed.append(key)
        elif key == "tags":
            if list(article.tags or []) != list(value):
                article.tags = list(value)
                changed.append(key)
        elif getattr(article, key) != value:
            setattr(article, key, value)
            changed.append("campaign" if key == "campaign_id" else key)
    if changed:
        article.updated_at = now
    return changed


def new_article(data: ArticleCreate, now: dt.datetime, actor_id: int | None = None) -> Article:
    """An unsaved Article from validated input (URL canonicalised, campaign resolved), written
    by ``actor_id``; created approved only where the four-eyes rule allows it."""
    url = _canonical_or_422(data.canonical_url)
    if db.session.scalar(select(Article.id).where(Article.canonical_url == url)) is not None:
        raise Conflict(
            lazy_translate("error.articles.article_canonical_url_already_exists", url=url)
        )
    fields = data.model_dump(exclude={"canonical_url", "campaign", "captions", "status"})
    if fields.get("language") is None:
        text = " ".join(x for x in (data.title, data.summary, data.body) if x)
        fields["language"] = detect(text) or "en"
    article = Article(
        canonical_url=url,
        status=data.status,
        created_at=now,
        updated_at=now,
        created_by_id=actor_id,
        **fields,
    )
    if data.status == "approved":
        check_approver(article, actor_id)
        article.approved_at = now
        article.approved_by_id = actor_id
    if data.campaign:
        article.campaign_id = campaign_by_slug(data.campaign).id
    for lang, texts in data.captions.items():
        for text in texts:
            article.captions.append(ArticleCaption(language=lang, text=text, created_at=now))
    return article


def create_article(data: ArticleCreate, actor_id: int | None) -> Article:
    now = utcnow()
    article = new_article(data, now, actor_id)
    db.session.add(article)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            lazy_translate(
                "error.articles.article_canonical_url_already_exists", url=article.canonical_url
            )
        ) from None
    audit.record(actor_id, "article.create", "article", article.id, url=article.canonical_url)
    db.session.commit()
    return article


def update_article(article_id: int, data: ArticleUpdate, actor_id: int | None) -> Article:
    article = get_article(article_id)
    before = article.status
    changes = {key: getattr(data, key) for key in data.model_fields_set}
    changed = apply_changes(article, changes, utcnow(), actor_id)
    if changed:
        details: dict[str, Any] = {"fields": sorted(changed)}
        if "status" in changed:
            details["status"] = [before, article.status]
        audit.record(actor_id, "article.update", "article", article.id, **details)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            lazy_translate("error.articles.another_article_already_canonical_url")
        ) from None
    return article


def has_history(article_id: int) -> bool:
    for model in (SuggestionImpression, EngagementEvent, TrackedLink, Share, Conversion):
        column = model.article_id
        if db.session.scalar(select(column).where(column == article_id).limit(1)) is not None:
            return True
    return False


def delete_article(article_id: int, actor_id: int | None) -> str:
    """Archive an article with history, delete one without; return ``archived`` or ``deleted``."""
    article = get_article(article_id)
    if has_history(article.id):
        now = utcnow()
        if article.status != "archived":
            article.status = "archived"
            article.updated_at = now
        audit.record(actor_id, "article.archive", "article", article.id, reason="has history")
        db.session.commit()
        return "archived"
    audit.record(actor_id, "article.delete", "article", article.id, url=article.canonical_url)
    db.session.delete(article)
    db.session.commit()
    return "deleted"


def approve_many(article_ids: list[int], actor_id: int | None) -> tuple[list[int], list[str]]:
    """Bulk approve drafts (e.g. a fresh import); returns the approved ids and, for every article
    left as it was, why (not a draft, or the four-eyes rule). All-or-nothing per article."""
    approved: list[int] = []
    skipped: list[str] = []
    now = utcnow()
    rows = db.session.scalars(
        select(Article).where(Article.id.in_(article_ids)).order_by(Article.id)
    )
    for article in rows:
        if article.status != "draft":
            skipped.append(f"{article.title}: {article.status}, not a draft")
            continue
        try:
            check_approver(article, actor_id)
        except Forbidden:
            skipped.append(f"{article.title}: you wrote it (four-eyes rule)")
            continue
        _set_status(article, "approved", now, actor_id)
        article.updated_at = now
        approved.append(article.id)
    if approved:
        audit.record(actor_id, "article.bulk_approve", "article", "", ids=approved)
    db.session.commit()
    return approved, skipped
