"""Invitations: bulk onboarding by e-mail with a one-click pairing link.

* ``parse_recipients`` reads a pasted list of addresses (one per line, or separated by commas or
  semicolons; ``Name <address>`` works) or a CSV with an ``email`` column and optional ``name``,
  ``language`` (en/da), ``team``, ``department`` and ``job_title`` columns. Every bad row is
  reported with its line number; nothing is written for a list with errors.
* ``invite_all`` creates the employees who do not exist yet, issues one invitation per person
  and sends a localized (da/en) e-mail over one SMTP connection with the extension's install link
  and the pairing link. Without SMTP (``make run``) the links are returned to show on the page.
* A pairing link is signed with the app's secret key (itsdangerous), single use and valid for
  ``INVITATION_TTL`` (7 days); only a SHA-256 hash of its random nonce is stored. Issuing a new
  invitation (re-invite) revokes the person's earlier unused links.
* ``redeem`` turns a link into a short-lived one-time pairing code (the code the extension
  exchanges for its token), so opening the link twice, or a mail scanner fetching it, cannot pair
  a second browser: the GET page only asks for a click; the POST consumes the link.
"""

from __future__ import annotations

import csv
import datetime as dt
import hmac
import io
import re
import secrets
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Literal

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from backend.auth import hash_secret
from backend.extensions import db
from backend.i18n import in_language, translate
from backend.models import ApiToken, Employee, Invitation, PairingCode, utcnow
from backend.schemas.employees import EmployeeCreate
from backend.services import audit
from backend.services import employees as employees_svc
from backend.services.digest import RenderedEmail, SmtpSettings, _env, _message

INVITATION_TTL = dt.timedelta(days=7)
PAIRING_CODE_TTL_HOURS = 1
MAX_RECIPIENTS = 2000
LANGUAGES = ("en", "da")
_SALT = "herald.invitation.v1"
_SPLIT = re.compile(r"[\n,;]+")
_NAMED = re.compile(r"^\s*\"?([^<>\"]*?)\"?\s*<([^<>\s]+)>\s*$")
CSV_COLUMNS = ("email", "name", "language", "team", "department", "job_title")

Status = Literal["paired", "invited", "link_opened", "expired", "send_failed", "not_invited"]


class InvitationError(Exception):
    """A pairing link that cannot be used; ``reason`` is one of invalid, expired, used,
    revoked, deactivated."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(f"invitation link is {reason}")
        self.reason = reason
        self.invitation = invitation  # known when the link was genuine (its language, say)


# --- parsing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    language: str = "en"
    team: str = ""
    department: str = ""
    job_title: str = ""
    line: int = 0
    language_given: bool = False  # the row named a language (else the form's default)


@dataclass(frozen=True)
class RowError:
    line: int
    value: str
    message: str


@dataclass
class ParsedList:
    recipients: list[Recipient] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _normal_email(value: str) -> str:
    """The address lower-cased and checked for syntax (no DNS lookup); raises ValueError."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None


def _looks_like_csv(text: str) -> bool:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    cells = [c.strip().strip('"').lower() for c in re.split(r"[,;\t]", first)]
    return "email" in cells or "e-mail" in cells


def parse_recipients(text: str, default_language: str = "en") -> ParsedList:
    """Recipients from a paste or a CSV; duplicates (same address) are kept once."""
    default_language = default_language if default_language in LANGUAGES else "en"
    out = ParsedList()
    seen: set[str] = set()
    rows = _csv_rows(text) if _looks_like_csv(text) else _paste_rows(text)
    for line, raw in rows:
        value = (raw.get("email") or "").strip()
        if not value:
            out.errors.append(RowError(line, "", "no e-mail address"))
            continue
        try:
            email = _normal_email(value)
        except ValueError as exc:
            out.errors.append(RowError(line, value, str(exc)))
            continue
        given = (raw.get("language") or "").strip().lower()
        lang = given or default_language
        if lang not in LANGUAGES:
            out.errors.append(RowError(line, lang, "language must be en or da"))
            continue
        if email in seen:
            continue
        seen.add(email)
        out.recipients.append(
            Recipient(
                email=email,
                name=(raw.get("name") or "").strip()[:200],
                language=lang,
                team=(raw.get("team") or "").strip()[:100],
                department=(raw.get("department") or "").strip()[:100],
                job_title=(raw.get("job_title") or "").strip()[:200],
                line=line,
                language_given=bool(given),
            )
        )
    if len(out.recipients) > MAX_RECIPIENTS:
        out.errors.append(
            RowError(0, "", f"at most {MAX_RECIPIENTS} people per upload; split the list")
        )
    return out


def _paste_rows(text: str) -> Iterable[tuple[int, dict[str, str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        for part in _SPLIT.split(line):
            if not part.strip():
                continue
            named = _NAMED.match(part)
            if named:
                yield number, {"name": named.group(1).strip(), "email": named.group(2)}
            else:
                yield number, {"email": part.strip()}


def _csv_rows(text: str) -> Iterable[tuple[int, dict[str, str]]]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if reader.fieldnames:
        reader.fieldnames = [
            (name or "")
            .strip()
            .lower()
            .replace("-", "_")
            .replace(" ", "_")
            .replace("e_mail", "email")
            for name in reader.fieldnames
        ]
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        yield reader.line_num, {k: (v or "") for k, v in row.items() if isinstance(k, str)}


# --- links ---------------------------------------------------------------------------------------


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue(
    employee: Employee,
    secret_key: str,
    actor_id: int | None,
    language: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[str, Invitation]:
    """A fresh invitation for ``employee``; earlier unused links of theirs stop working.

    Returns the signed link token (shown or mailed once, never stored) and the row."""
    now = now or utcnow()
    if not employee.is_active:
        raise InvitationError("deactivated")
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.employee_id == employee.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    nonce = secrets.token_urlsafe(24)
    lang = language if language in LANGUAGES else _language_of(employee)
    row = Invitation(
        employee_id=employee.id,
        nonce_hash=hash_secret(nonce),
        language=lang,
        created_by_id=actor_id,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    db.session.add(row)
    db.session.flush()
    token = _serializer(secret_key).dumps({"i": row.id, "n": nonce})
    audit.record(actor_id, "employee.invite", "employee", employee.id, invitation=row.id)
    return token, row


def _language_of(employee: Employee) -> str:
    langs = employee.languages or []
    return langs[0] if langs and langs[0] in LANGUAGES else "en"


def verify(token: str, secret_key: str, now: dt.datetime | None = None) -> Invitation:
    """The invitation behind a link, or InvitationError saying why it cannot be used."""
    now = now or utcnow()
    try:
        payload = _serializer(secret_key).loads(token, max_age=int(INVITATION_TTL.total_seconds()))
    except SignatureExpired:
        raise InvitationError("expired") from None
    except BadSignature:
        raise InvitationError("invalid") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        raise InvitationError("invalid")
    row = db.session.get(Invitation, payload["i"])
    nonce = str(payload.get("n", ""))
    if row is None or not hmac.compare_digest(row.nonce_hash, hash_secret(nonce)):
        raise InvitationError("invalid")
    if row.used_at is not None:
        raise InvitationError("used", row)
    if row.revoked_at is not None:
        raise InvitationError("revoked", row)
    if row.expires_at <= now:
        raise InvitationError("expired", row)
    employee = db.session.get(Employee, row.employee_id)
    if employee is None or not employee.is_active:
        raise InvitationError("deactivated", row)
    return row


def redeem(token: str, secret_key: str) -> tuple[str, PairingCode, Employee]:
    """Consume a link (once, even under concurrency) and return a fresh one-time pairing code."""
    row = verify(token, secret_key)
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == row.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise InvitationError("used")
    db.session.commit()
    code, pairing = employees_svc.create_pairing_code(row.employee_id, None, PAIRING_CODE_TTL_HOURS)
    return code, pairing, employees_svc.get_employee(row.employee_id)


def pairing_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/console/pair/{token}"


# --- e-mail --------------------------------------------------------------------------------------


class _Texts:
    """``t.key`` in the invitation templates: the catalogue's ``invite_email.key``."""

    def __getattr__(self, key: str) -> str:
        return translate(f"invite_email.{key}")


def render_invitation(
    employee: Employee,
    link: str,
    install_url: str,
    language: str,
    company: str,
    expires_at: dt.datetime,
) -> RenderedEmail:
    lang = language if language in LANGUAGES else "en"
    env = _env()
    with in_language(lang):
        subject = translate("invite_email.subject", company=company)
        context = {
            "t": _Texts(),
            "company": company,
            "lang": lang,
            "name": employee.name,
            "link": link,
            "install_url": install_url,
            "when": expires_at.strftime("%Y-%m-%d %H:%M"),
            "subject": subject,
        }
        html = env.get_template("invitation.html").render(**context)
        text = env.get_template("invitation.txt").render(**context)
    return RenderedEmail(
        subject=subject,
        html=html,
        text=text,
        language=lang,
    )


# --- bulk invite ---------------------------------------------------------------------------------

Outcome = Literal["sent", "not_sent", "failed", "skipped"]


@dataclass(frozen=True)
class InviteSettings:
    secret_key: str
    base_url: str
    company: str
    install_url: str = ""
    smtp: SmtpSettings | None = None


@dataclass
class InviteRow:
    email: str
    name: str
    outcome: Outcome
    created: bool = False
    link: str = ""  # only when the e-mail was not sent, so the admin can pass it on
    reason: str = ""
    employee_id: int | None = None


@dataclass
class InviteReport:
    rows: list[InviteRow] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.created)


def _find(email: str) -> Employee | None:
    return db.session.scalar(select(Employee).where(func.lower(Employee.email) == email.lower()))


def invite_all(
    recipients: list[Recipient],
    settings: InviteSettings,
    actor_id: int | None,
    *,
    include_paired: bool = False,
) -> InviteReport:
    """Create missing employees, issue invitations and send them (one SMTP connection).

    People already paired are skipped unless ``include_paired``; deactivated people are skipped.
    An e-mail that fails leaves its invitation valid and reported as failed, with the link."""
    report = InviteReport()
    pending: list[tuple[InviteRow, Employee, str, Invitation]] = []
    paired = _paired_ids()
    for rcpt in recipients:
        employee = _find(rcpt.email)
        created = False
        if employee is None:
            data = EmployeeCreate.model_validate(
                {
                    "email": rcpt.email,
                    "name": rcpt.name or rcpt.email.split("@")[0],
                    "team": rcpt.team,
                    "department": rcpt.department,
                    "job_title": rcpt.job_title,
                    "languages": [rcpt.language],
                }
            )
            employee = employees_svc.create_employee(data, actor_id)
            created = True
        row = InviteRow(rcpt.email, employee.name, "skipped", created, employee_id=employee.id)
        report.rows.append(row)
        if not employee.is_active:
            row.reason = "deactivated"
            continue
        if employee.id in paired and not include_paired:
            row.reason = "already_paired"
            continue
        # An existing person gets their own language unless the row named one.
        language = rcpt.language if created or rcpt.language_given else None
        token, invitation = issue(employee, settings.secret_key, actor_id, language)
        pending.append((row, employee, token, invitation))
    db.session.commit()
    _deliver(pending, settings)
    return report


def reinvite(employee_id: int, settings: InviteSettings, actor_id: int | None) -> InviteRow:
    """A fresh link for one person (earlier links stop working), sent like a bulk invite."""
    employee = employees_svc.get_employee(employee_id)
    if not employee.is_active:
        raise InvitationError("deactivated")
    token, invitation = issue(employee, settings.secret_key, actor_id)
    db.session.commit()
    row = InviteRow(employee.email, employee.name, "skipped", employee_id=employee.id)
    _deliver([(row, employee, token, invitation)], settings)
    return row


def _deliver(
    pending: list[tuple[InviteRow, Employee, str, Invitation]], settings: InviteSettings
) -> None:
    if not pending:
        return
    if settings.smtp is None:
        for row, _employee, token, _inv in pending:
            row.outcome = "not_sent"
            row.link = pairing_url(settings.base_url, token)
        return
    smtp = settings.smtp
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as conn:
            for row, employee, token, invitation in pending:
                link = pairing_url(settings.base_url, token)
                message = _build(employee, link, invitation, settings)
                try:
                    conn.send_message(message)
                except smtplib.SMTPException as exc:
                    _failed(row, invitation, link, str(exc))
                    continue
                row.outcome = "sent"
                invitation.sent_at = utcnow()
                invitation.send_error = ""
    except (OSError, smtplib.SMTPException) as exc:
        for row, _employee, token, invitation in pending:
            if row.outcome != "sent":
                _failed(row, invitation, pairing_url(settings.base_url, token), str(exc))
    db.session.commit()


def _failed(row: InviteRow, invitation: Invitation, link: str, error: str) -> None:
    row.outcome = "failed"
    row.link = link
    row.reason = error[:300]
    invitation.send_error = error[:300]


def _build(
    employee: Employee, link: str, invitation: Invitation, settings: InviteSettings
) -> EmailMessage:
    assert settings.smtp is not None
    rendered = render_invitation(
        employee,
        link,
        settings.install_url,
        invitation.language,
        settings.company,
        invitation.expires_at,
    )
    return _message(rendered, employee.email, settings.smtp)


# --- status --------------------------------------------------------------------------------------


def _paired_ids(now: dt.datetime | None = None) -> set[int]:
    """Employees with a live extension token (paired and not signed out)."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(ApiToken.employee_id).where(
            ApiToken.label == "extension",
            ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
        )
    )
    return set(rows)


@dataclass(frozen=True)
class PersonStatus:
    employee: Employee
    status: Status
    invitation: Invitation | None


def statuses(active_only: bool = True, now: dt.datetime | None = None) -> list[PersonStatus]:
    """Pairing status for everyone (or every active person), newest invitation first."""
    now = now or utcnow()
    paired = _paired_ids(now)
    stmt = select(Employee).order_by(Employee.name, Employee.id)
    if active_only:
        stmt = stmt.where(Employee.is_active.is_(True))
    newest = select(func.max(Invitation.id)).group_by(Invitation.employee_id).scalar_subquery()
    latest = {
        row.employee_id: row
        for row in db.session.scalars(select(Invitation).where(Invitation.id.in_(newest)))
    }
    out = []
    for employee in db.session.scalars(stmt):
        invitation = latest.get(employee.id)
        status = _status(employee.id in paired, invitation, now)
        out.append(PersonStatus(employee, status, invitation))
    return out


def _status(paired: bool, inv: Invitation | None, now: dt.datetime) -> Status:
    if paired:
        return "paired"
    if inv is None:
        return "not_invited"
    if inv.used_at is not None:
        return "link_opened"
    if inv.send_error and inv.sent_at is None:
        return "send_failed"
    if inv.expires_at <= now or inv.revoked_at is not None:
        return "expired"
    return "invited"


def smtp_from_config(cfg: Any) -> SmtpSettings | None:
    if not cfg.get("SMTP_HOST"):
        return None
    return SmtpSettings(
        host=str(cfg["SMTP_HOST"]),
        port=int(cfg["SMTP_PORT"]),
        sender=str(cfg["SMTP_FROM"]),
        company=str(cfg["COMPANY_NAME"]),
    )
