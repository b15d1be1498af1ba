"""Mentions: an employee flags a LinkedIn post about the company for the comms team.

Only the URL and the snippet the employee chose to send are stored, never page text we read.
"""

from __future__ import annotations

from sqlalchemy import func, select

from backend.errors import Conflict, NotFound
from backend.extensions import db
from backend.models import Mention, utcnow
from backend.schemas.tracking import MentionCreate, MentionQuery, MentionResolve
from backend.services import audit


def create_mention(employee_id: int, data: MentionCreate) -> tuple[Mention, bool]:
    """Returns (mention, created); flagging the same open URL again returns the first mention."""
    existing = db.session.scalar(
        select(Mention).where(
            Mention.employee_id == employee_id, Mention.url == data.url, Mention.status == "open"
        )
    )
    if existing is not None:
        return existing, False
    row = Mention(employee_id=employee_id, url=data.url, snippet=data.snippet, created_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return row, True


def list_mentions(q: MentionQuery) -> tuple[list[Mention], int]:
    stmt = select(Mention)
    if q.status is not None:
        stmt = stmt.where(Mention.status == q.status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(
        stmt.order_by(Mention.created_at.desc(), Mention.id.desc()).limit(q.limit).offset(q.offset)
    ).all()
    return list(rows), total


def resolve_mention(mention_id: int, data: MentionResolve, actor_id: int) -> Mention:
    row = db.session.get(Mention, mention_id)
    if row is None:
        raise NotFound(f"mention {mention_id} not found")
    if row.status == "resolved":
        raise Conflict(f"mention {mention_id} is already resolved")
    row.status, row.note = "resolved", data.note
    row.resolved_by_id, row.resolved_at = actor_id, utcnow()
    audit.record(actor_id, "mention.resolve", "mention", row.id)
    db.session.commit()
    return row
