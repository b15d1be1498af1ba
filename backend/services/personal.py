"""The employee's saved list and personal queue, kept server-side so they survive a reinstall.

A saved article or a queued reminder names an approved article; the queue's reminders are shown by
the extension (chrome.alarms + notifications) and posting stays manual. Both tables reference the
employee, so the GDPR export includes them and erasure deletes them (``services.privacy``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from backend.errors import Conflict, NotFound, ValidationFailed
from backend.extensions import db
from backend.models import Article, Employee, QueueItem, SavedArticle, TrainingCard, utcnow
from backend.schemas.me import ArticleBrief, QueueIn, QueueOut, SavedOut

MAX_SAVED = 500
MAX_QUEUED = 100
MAX_AHEAD = dt.timedelta(days=366)
MAX_BEHIND = dt.timedelta(days=1)  # a time just passed while the form was open is still fine


def _article(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None or article.status != "approved":
        raise NotFound(f"article {article_id} not found")
    return article


def brief(article: Article) -> ArticleBrief:
    return ArticleBrief(
        article_id=article.id,
        title=article.title,
        url=article.canonical_url,
        summary=article.summary or "",
        image_url=article.image_url,
        language=article.language,
    )


def saved_list(employee: Employee) -> list[SavedOut]:
    rows = db.session.scalars(
        select(SavedArticle)
        .where(SavedArticle.employee_id == employee.id)
        .order_by(SavedArticle.created_at.desc(), SavedArticle.id.desc())
    )
    return [SavedOut(article=brief(r.article), saved_at=r.created_at) for r in rows]


def save(employee: Employee, article_id: int) -> tuple[SavedOut, bool]:
    """Save an article; saving it again is harmless (returns the first save, created=False)."""
    article = _article(article_id)
    row = db.session.scalar(
        select(SavedArticle).where(
            SavedArticle.employee_id == employee.id, SavedArticle.article_id == article.id
        )
    )
    if row is not None:
        return SavedOut(article=brief(article), saved_at=row.created_at), False
    count = db.session.scalar(
        select(func.count())
        .select_from(SavedArticle)
        .where(SavedArticle.employee_id == employee.id)
    )
    if (count or 0) >= MAX_SAVED:
        raise Conflict(f"the saved list holds at most {MAX_SAVED} articles; remove some first")
    row = SavedArticle(employee_id=employee.id, article_id=article.id)
    db.session.add(row)
    db.session.commit()
    return SavedOut(article=brief(article), saved_at=row.created_at), True


def unsave(employee: Employee, article_id: int) -> None:
    row = db.session.scalar(
        select(SavedArticle).where(
            SavedArticle.employee_id == employee.id, SavedArticle.article_id == article_id
        )
    )
    if row is None:
        raise NotFound(f"article {article_id} is not in your saved list")
    db.session.delete(row)
    db.session.commit()


def _queue_out(row: QueueItem) -> QueueOut:
    return QueueOut(
        id=row.id,
        article=brief(row.article),
        due_at=row.due_at,
        caption=row.caption,
        created_at=row.created_at,
    )


def queue_list(employee: Employee) -> list[QueueOut]:
    rows = db.session.scalars(
        select(QueueItem)
        .where(QueueItem.employee_id == employee.id)
        .order_by(QueueItem.due_at, QueueItem.id)
    )
    return [_queue_out(r) for r in rows]


def enqueue(employee: Employee, data: QueueIn, now: dt.datetime | None = None) -> QueueOut:
    now = now or utcnow()
    if data.due_at < now - MAX_BEHIND:
        raise ValidationFailed("due_at is in the past")
    if data.due_at > now + MAX_AHEAD:
        raise ValidationFailed("due_at is more than a year ahead")
    article = _article(data.article_id)
    count = db.session.scalar(
        select(func.count()).select_from(QueueItem).where(QueueItem.employee_id == employee.id)
    )
    if (count or 0) >= MAX_QUEUED:
        raise Conflict(f"the queue holds at most {MAX_QUEUED} reminders; remove some first")
    row = QueueItem(
        employee_id=employee.id, article_id=article.id, due_at=data.due_at, caption=data.caption
    )
    db.session.add(row)
    db.session.commit()
    return _queue_out(row)


def dequeue(employee: Employee, item_id: int) -> None:
    row = db.session.get(QueueItem, item_id)
    if row is None or row.employee_id != employee.id:
        raise NotFound(f"queue item {item_id} not found")
    db.session.delete(row)
    db.session.commit()


def my_training_cards(employee: Employee, hint: str | None = None) -> list[TrainingCard]:
    """Each training card once, in the language I prefer. Cards at the same ``position`` are the
    language versions of one card; the version chosen is the first that exists in: ``hint`` (the
    panel's UI language) when I read it, then my languages in my order, then the card's first."""
    langs = [lang.lower() for lang in (employee.languages or [])]
    order = ([hint] if hint and hint in langs else []) + langs
    groups: dict[int, list[TrainingCard]] = {}
    for card in db.session.scalars(
        select(TrainingCard).order_by(TrainingCard.position, TrainingCard.id)
    ):
        groups.setdefault(card.position, []).append(card)
    out = []
    for versions in groups.values():
        rank = {lang: i for i, lang in reversed(list(enumerate(order)))}
        out.append(min(versions, key=lambda c: (rank.get(c.language, len(order)), c.id)))
    return out
