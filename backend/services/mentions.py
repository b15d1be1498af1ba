"""Mentions: an employee flags a LinkedIn post about the company for the comms team.

Only the URL and the snippet the employee chose to send are stored, never page text we read.
The snippet is other people's words: the server redacts it itself (:func:`redact`) before it is
stored, whatever the extension did — e-mail addresses, @mentions, phone numbers and runs of two
or more capitalised words (people's names; a company name may go too, which is the safe side)
are replaced, and links are cut to their host.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import func, select

from backend.errors import Conflict, NotFound
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import Mention, utcnow
from backend.schemas.tracking import MentionCreate, MentionQuery, MentionResolve
from backend.services import audit

_LETTER = r"[^\W\d_]"
_EMAIL_RE = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_URL_RE = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_MENTION_RE = re.compile(r"(?<!\w)@[\w.-]+")
_PHONE_RE = re.compile(r"(?<!\w)(?:\+|00)?\(?\d[\d \u00a0().\/-]{5,}\d(?!\w)")
_WORD = rf"{_LETTER}[^\W\d_'’.-]*(?:['’-]{_LETTER}+)*"
_NAME_RUN_RE = re.compile(rf"(?<!\w)(?:{_WORD})(?:[ \t\u00a0]+(?:{_WORD}))+")


def _looks_like_phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if not 8 <= len(digits) <= 15:
        return False
    t = text.strip()
    if t.startswith(("+", "00", "(")):
        return True
    if re.fullmatch(r"\d{4}\s*[-/–]\s*\d{4}", t) or re.fullmatch(
        r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}", t
    ):
        return False  # a range of years or a date
    return not re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", t)  # an amount


def _names(match: re.Match[str]) -> str:
    """Within a run of words, every stretch of 2+ capitalised words becomes one ``[name]``."""
    words = re.split(r"([ \t\u00a0]+)", match.group(0))
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        capitalised = [w for w in run if w.strip()]
        if len(capitalised) >= 2:
            out.append("[name]")
        else:
            out.extend(run)
        run.clear()

    for part in words:
        if not part.strip():
            (run if run else out).append(part)
        elif part[0].isupper():
            run.append(part)
        else:
            if run and not run[-1].strip():
                tail = run.pop()
                flush()
                out.append(tail)
            else:
                flush()
            out.append(part)
    if run and not run[-1].strip():
        tail = run.pop()
        flush()
        out.append(tail)
    else:
        flush()
    return "".join(out)


def redact(text: str) -> str:
    """``text`` without e-mail addresses, @mentions, phone numbers, people's names or full links."""
    text = _EMAIL_RE.sub("[email]", text)
    text = _URL_RE.sub(lambda m: urlsplit(m.group(0)).hostname or "", text)
    text = _MENTION_RE.sub("[mention]", text)
    text = _PHONE_RE.sub(lambda m: "[phone]" if _looks_like_phone(m.group(0)) else m.group(0), text)
    text = _NAME_RUN_RE.sub(_names, text)
    return re.sub(r"[ \t]+", " ", text).strip()


def create_mention(employee_id: int, data: MentionCreate) -> tuple[Mention, bool]:
    """Returns (mention, created); flagging the same open URL again returns the first mention."""
    existing = db.session.scalar(
        select(Mention).where(
            Mention.employee_id == employee_id, Mention.url == data.url, Mention.status == "open"
        )
    )
    if existing is not None:
        return existing, False
    row = Mention(
        employee_id=employee_id, url=data.url, snippet=redact(data.snippet), created_at=utcnow()
    )
    db.session.add(row)
    db.session.commit()
    from backend.services.adoption_tasks import notify_mention  # the queue, after the commit

    notify_mention(row.id)
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
        raise NotFound(lazy_translate("error.mentions.mention_not_found", mention_id=mention_id))
    if row.status == "resolved":
        raise Conflict(
            lazy_translate("error.mentions.mention_already_resolved", mention_id=mention_id)
        )
    row.status, row.note = "resolved", data.note
    row.resolved_by_id, row.resolved_at = actor_id, utcnow()
    audit.record(actor_id, "mention.resolve", "mention", row.id)
    db.session.commit()
    return row
