"""Small read-only queries the console needs and no service offers (counts for the home page,
teams for filters, who is taking part). Anything with business rules lives in backend/services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import (
    Article,
    Campaign,
    Employee,
    Mention,
    ModelVersion,
    PairingCode,
    utcnow,
)


@dataclass(frozen=True)
class HomeSummary:
    drafts: int
    approved: int
    expiring: int
    open_mentions: int
    active_employees: int
    model: str | None


def _count(stmt: Any) -> int:
    return int(db.session.scalar(stmt) or 0)


def home_summary(now: dt.datetime | None = None) -> HomeSummary:
    now = now or utcnow()
    by_status = dict(
        db.session.execute(select(Article.status, func.count()).group_by(Article.status)).all()
    )
    expiring = _count(
        select(func.count())
        .select_from(Article)
        .where(
            Article.status == "approved",
            Article.expires_at.is_not(None),
            Article.expires_at > now,
            Article.expires_at <= now + dt.timedelta(days=14),
        )
    )
    active = db.session.scalar(
        select(ModelVersion.version).where(ModelVersion.status == "active").limit(1)
    )
    return HomeSummary(
        drafts=int(by_status.get("draft", 0)),
        approved=int(by_status.get("approved", 0)),
        expiring=expiring,
        open_mentions=_count(
            select(func.count()).select_from(Mention).where(Mention.status == "open")
        ),
        active_employees=_count(
            select(func.count()).select_from(Employee).where(Employee.is_active.is_(True))
        ),
        model=active,
    )


def teams() -> list[str]:
    return [
        t for t in db.session.scalars(select(Employee.team).distinct().order_by(Employee.team)) if t
    ]


def departments() -> list[str]:
    return [
        d
        for d in db.session.scalars(
            select(Employee.department).distinct().order_by(Employee.department)
        )
        if d
    ]


def campaigns() -> list[Campaign]:
    return list(db.session.scalars(select(Campaign).order_by(Campaign.name)))


@dataclass(frozen=True)
class PersonRow:
    employee: Employee
    paired: bool


def people_rows(team: str | None, q: str | None, active: bool | None) -> list[PersonRow]:
    """The employee directory (no activity: that is per person, from
    ``analytics.person_activity``, which works-council mode refuses) and whether each ever
    paired the extension."""
    stmt = select(Employee)
    if team:
        stmt = stmt.where(Employee.team == team)
    if active is not None:
        stmt = stmt.where(Employee.is_active.is_(active))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            func.lower(Employee.name).like(like) | func.lower(Employee.email).like(like)
        )
    employees = list(db.session.scalars(stmt.order_by(Employee.name)))
    ids = [e.id for e in employees]
    if not ids:
        return []
    paired = set(
        db.session.scalars(
            select(PairingCode.employee_id)
            .where(PairingCode.employee_id.in_(ids), PairingCode.used_at.is_not(None))
            .distinct()
        )
    )
    return [PersonRow(e, e.id in paired) for e in employees]


@dataclass(frozen=True)
class NeverSuggested:
    article: Article
    reasons: list[str]  # i18n keys


@dataclass(frozen=True)
class NeverSuggestedReport:
    encoder: str | None
    items: list[NeverSuggested]
    drafts: int
    archived: int


def never_suggested(
    encoder: str | None, now: dt.datetime | None = None, window_days: int = 30
) -> NeverSuggestedReport:
    """Approved articles the side panel cannot or did not suggest, each with the reasons:
    expired, not embedded for the serving encoder (so not in the catalog), in a language no
    active employee reads, or approved over a week ago and eligible but not shown once in
    ``window_days`` (always outranked).
    Mirrors the candidate rules in backend/services/suggestions.py."""
    from backend.models import ArticleEmbedding, SuggestionImpression

    now = now or utcnow()
    approved = list(
        db.session.scalars(select(Article).where(Article.status == "approved").order_by(Article.id))
    )
    embedded: set[int] = set()
    if encoder:
        embedded = set(
            db.session.scalars(
                select(ArticleEmbedding.article_id).where(ArticleEmbedding.encoder == encoder)
            )
        )
    read: set[str] = set()
    for langs in db.session.scalars(select(Employee.languages).where(Employee.is_active.is_(True))):
        read.update(lang.lower() for lang in (langs or []))
    shown = set(
        db.session.scalars(
            select(SuggestionImpression.article_id)
            .where(SuggestionImpression.created_at >= now - dt.timedelta(days=window_days))
            .distinct()
        )
    )
    items = []
    for article in approved:
        reasons = []
        if article.expires_at is not None and article.expires_at <= now:
            reasons.append("never.expired")
        if encoder and article.id not in embedded:
            reasons.append("never.not_embedded")
        if article.language not in read:
            reasons.append("never.language")
        since = article.approved_at or article.created_at
        settled = since is not None and since <= now - dt.timedelta(days=7)
        if not reasons and settled and article.id not in shown:
            reasons.append("never.outranked")
        if reasons:
            items.append(NeverSuggested(article, reasons))
    counts = dict(
        db.session.execute(select(Article.status, func.count()).group_by(Article.status)).all()
    )
    return NeverSuggestedReport(
        encoder, items, int(counts.get("draft", 0)), int(counts.get("archived", 0))
    )
