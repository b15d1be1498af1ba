"""Weekly digests: each employee's results and content to share, and the company's headline week.

JSON for the API, HTML + plain text e-mail (English or Danish by the employee's first language)
rendered from backend/templates/email/, and sending over SMTP. Sends are recorded in the audit log
so a second run in the same week skips people who already got theirs.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select

from backend.extensions import db
from backend.i18n import LANGUAGES, in_language, translate
from backend.models import Article, AuditLog, Campaign, Employee, Share, utcnow
from backend.schemas.program import (
    CompanyDigest,
    CompanyHeadline,
    DigestPeriod,
    EmployeeDigest,
    EmployeeDigestStats,
    LeaderboardEntry,
    Suggestion,
)
from backend.services import analytics as an
from backend.services import program, works_council

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"
DIGEST_DAYS = 7
SENT_ACTION = "digest.sent"


def digest_language(employee: Employee) -> str:
    """The employee's first language when we have a template for it, else English."""
    first = (employee.languages or ["en"])[0]
    return first if first in LANGUAGES else "en"


# --- JSON --------------------------------------------------------------------------------------


def digest_period(now: dt.datetime | None = None) -> an.Period:
    now = now or utcnow()
    return an.Period(now - dt.timedelta(days=DIGEST_DAYS), now)


def suggestions(employee: Employee, now: dt.datetime, n: int = 3) -> list[Suggestion]:
    """Approved, current articles in the employee's languages they have not shared yet, ranked by
    campaign priority, then by last week's unique clicks, then by recency."""
    shared = select(Share.article_id).where(Share.employee_id == employee.id)
    live = (
        select(Article, Campaign)
        .outerjoin(Campaign, Campaign.id == Article.campaign_id)
        .where(
            Article.status == "approved",
            Article.id.not_in(shared),
            (Article.expires_at.is_(None)) | (Article.expires_at > now),
            (Article.published_at.is_(None)) | (Article.published_at <= now),
        )
    )
    langs = list(employee.languages or ["en"])
    rows = db.session.execute(
        live.where(Article.language.in_(langs))
        .order_by(func.coalesce(Article.published_at, Article.created_at).desc())
        .limit(200)
    ).all()
    if not rows:
        return []
    popular = an.click_counts(an.Query(an.CLICK, digest_period(now), an.Filters(), by="article"))

    def campaign_live(c: Campaign | None) -> bool:
        return (
            c is not None
            and c.status == "active"
            and (c.starts_at is None or c.starts_at <= now)
            and (c.ends_at is None or c.ends_at > now)
        )

    def key(row: Any) -> tuple[float, float, float]:
        art, camp = row
        prio = camp.priority if campaign_live(camp) else -1000
        clicks = popular.get(art.id, {}).get("unique_clicks", 0)
        published = (art.published_at or art.created_at).timestamp()
        return (-prio, -clicks, -published)

    out = []
    for art, camp in sorted(rows, key=key)[:n]:
        clicks = popular.get(art.id, {}).get("unique_clicks", 0)
        if campaign_live(camp):
            reason = f"part of the campaign {camp.name}"
        elif clicks:
            reason = f"{clicks} unique visitors from colleagues' shares this week"
        else:
            reason = "new and not shared by you yet"
        out.append(
            Suggestion(
                article_id=art.id,
                title=art.title,
                url=art.canonical_url,
                campaign=camp.name if camp is not None else None,
                reason=reason,
            )
        )
    return out


def employee_digest(employee: Employee, now: dt.datetime | None = None) -> EmployeeDigest:
    now = now or utcnow()
    period = digest_period(now)
    none = an.Filters()
    st = an.totals_shares(period, none, employee.id)
    ct = an.totals_clicks(period, none, employee.id)
    cv = an.totals_conversions(period, none, employee.id)
    ranked, points, _ = program.ranking(period)
    mine = next((r for r in ranked if r.employee.id == employee.id), None)
    return EmployeeDigest(
        employee_id=employee.id,
        name=employee.name,
        language=digest_language(employee),
        period=DigestPeriod(start=period.start, end=period.end),
        stats=EmployeeDigestStats(
            shares=st["shares"],
            clicks=ct["clicks"],
            unique_clicks=ct["unique_clicks"],
            reactions=st["reactions"],
            leads=cv["leads"] + cv["signups"],
            points=points.get(employee.id, 0.0),
            rank=mine.rank if mine is not None and mine.points > 0 else None,
            streak_weeks=program.streak_weeks(employee.id, now),
        ),
        top_articles=program.my_top_articles(employee.id, period, 3),
        suggestions=suggestions(employee, now),
        guideline=program.guideline_status(employee.id),
    )


def company_digest(now: dt.datetime | None = None) -> CompanyDigest:
    now = now or utcnow()
    period = digest_period(now)
    none = an.Filters()
    ov = an.overview(period, none)
    pseudo = program.leaderboard_settings().pseudonymous
    advocates: list[LeaderboardEntry] = []
    if works_council.per_person_allowed():  # works-council mode: no top advocates
        ranked, _, _ = program.ranking(period)
        advocates = program.person_entries(ranked, 5, pseudo, me=None)
    return CompanyDigest(
        period=DigestPeriod(start=period.start, end=period.end),
        pseudonymous=pseudo,
        headline=CompanyHeadline(
            active_employees=ov.active_employees,
            sharers=ov.sharers,
            participation_rate=ov.participation_rate,
            shares=ov.shares,
            clicks=ov.clicks,
            unique_clicks=ov.unique_clicks,
            potential_reach=ov.potential_reach,
            reactions=ov.reactions,
            leads=ov.leads + ov.signups,
            sales=ov.sales,
            earned_media_value=ov.earned_media_value.total,
            emv_currency=ov.earned_media_value.currency,
        ),
        top_advocates=advocates,
        top_articles=ov.top_articles,
    )


# --- rendering ---------------------------------------------------------------------------------


def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass
class RenderedEmail:
    subject: str
    html: str
    text: str
    language: str


class _Texts:
    """``t.key`` in the e-mail templates: the catalogue's ``digest.key`` (backend/translations)."""

    def __getattr__(self, key: str) -> str:
        return translate(f"digest.{key}")


def _render(kind: str, lang: str, company: str, **ctx: Any) -> RenderedEmail:
    env = _env()
    with in_language(lang):
        context = {"t": _Texts(), "company": company, "lang": lang, **ctx}
        subject = translate(f"digest.subject_{kind}", company=company)
        return RenderedEmail(
            subject=subject,
            html=env.get_template(f"{kind}.html").render(subject=subject, **context),
            text=env.get_template(f"{kind}.txt").render(subject=subject, **context),
            language=lang,
        )


def _day(value: dt.datetime) -> str:
    return value.date().isoformat()


def render_employee(digest: EmployeeDigest, company: str) -> RenderedEmail:
    return _render(
        "employee",
        digest.language,
        company,
        d=digest,
        start=_day(digest.period.start),
        end=_day(digest.period.end),
    )


def render_company(digest: CompanyDigest, company: str, lang: str = "en") -> RenderedEmail:
    return _render(
        "company",
        lang if lang in LANGUAGES else "en",
        company,
        d=digest,
        start=_day(digest.period.start),
        end=_day(digest.period.end),
    )


# --- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    company: str
    timeout: float = 10.0


@dataclass
class SendResult:
    employee_sent: int = 0
    company_sent: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def _message(rendered: RenderedEmail, to: str, smtp: SmtpSettings) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = formataddr((smtp.company, smtp.sender))
    msg["To"] = to
    msg["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    msg["Content-Language"] = rendered.language  # after set_content, which drops Content-*
    return msg


def _already_sent(kind: str, employee_id: int | None, address: str, since: dt.datetime) -> bool:
    return (
        db.session.scalar(
            select(AuditLog.id)
            .where(
                AuditLog.action == SENT_ACTION,
                AuditLog.target_type == kind,
                AuditLog.target_id == (str(employee_id) if employee_id else address),
                AuditLog.created_at >= since,
            )
            .limit(1)
        )
        is not None
    )


def recipients() -> list[Employee]:
    """Active employees who opted in to the digest e-mail (consent ``digest_email``)."""
    people = db.session.scalars(
        select(Employee).where(Employee.is_active.is_(True)).order_by(Employee.id)
    )
    return [e for e in people if (e.consents or {}).get("digest_email") is True]


def send_digests(
    smtp: SmtpSettings,
    *,
    now: dt.datetime | None = None,
    only: str | None = None,
    extra_company_recipients: tuple[str, ...] = (),
    force: bool = False,
) -> SendResult:
    """Send this week's digests over one SMTP connection.

    Employees who opted in get their own digest; those of them with the content or admin role
    also get the company digest, as do ``extra_company_recipients``. Unless ``force``, anyone
    already sent a digest of the same kind since Monday is skipped.
    """
    now = now or utcnow()
    since = an.week_start(now)
    result = SendResult()
    people = recipients()
    company: CompanyDigest | None = None
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as conn:

        def deliver(kind: str, rendered: RenderedEmail, to: str, emp_id: int | None) -> None:
            if not force and _already_sent(kind, emp_id, to, since):
                result.skipped += 1
                return
            try:
                conn.send_message(_message(rendered, to, smtp))
            except smtplib.SMTPException as exc:
                result.failed.append(f"{to}: {exc}")
                return
            db.session.add(
                AuditLog(
                    actor_id=None,
                    action=SENT_ACTION,
                    target_type=kind,
                    target_id=str(emp_id) if emp_id else to,
                    details={"week": since.date().isoformat(), "language": rendered.language},
                )
            )
            db.session.commit()
            if kind == "employee":
                result.employee_sent += 1
            else:
                result.company_sent += 1

        for person in people:
            if only in (None, "employee"):
                rendered = render_employee(employee_digest(person, now), smtp.company)
                deliver("employee", rendered, person.email, person.id)
            if only in (None, "company") and person.access_role in ("content", "admin"):
                company = company or company_digest(now)
                rendered = render_company(company, smtp.company, digest_language(person))
                deliver("company", rendered, person.email, person.id)
        if only in (None, "company"):
            for address in extra_company_recipients:
                company = company or company_digest(now)
                deliver("company", render_company(company, smtp.company), address, None)
    return result


# --- CLI ---------------------------------------------------------------------------------------
