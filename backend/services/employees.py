"""Employees: create, update, deactivate, tokens and one-time pairing codes."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from backend.auth import ROLE_RANK, hash_secret, new_pairing_code, new_token, normalise_code
from backend.errors import Conflict, NotFound, Unauthorized
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import (
    ApiToken,
    Article,
    AuditLog,
    ConsoleSession,
    Employee,
    PairingCode,
    utcnow,
)
from backend.schemas.employees import (
    Consents,
    EmployeeCreate,
    EmployeeQuery,
    EmployeeUpdate,
    MeUpdate,
)
from backend.services import audit


def get_employee(employee_id: int) -> Employee:
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        raise NotFound(
            lazy_translate("error.employees.employee_not_found", employee_id=employee_id)
        )
    return employee


def content_languages() -> list[str]:
    """The languages the company publishes in, most articles first (["en"] with none yet).

    A new employee's default: the suggestions hide articles in languages the employee does not
    read, so English alone would hide every Danish article from a Danish company's staff.
    """
    rows = db.session.execute(
        select(Article.language, func.count(Article.id))
        .group_by(Article.language)
        .order_by(func.count(Article.id).desc(), Article.language)
    ).all()
    return [str(lang) for lang, _ in rows][:10] or ["en"]


def create_employee(data: EmployeeCreate, actor_id: int | None) -> Employee:
    if db.session.scalar(select(Employee.id).where(Employee.email == data.email)) is not None:
        raise Conflict(
            lazy_translate("error.employees.employee_e_mail_already_exists", email=data.email)
        )
    fields = data.model_dump()
    if fields.get("languages") is None:
        fields["languages"] = content_languages()
    employee = Employee(
        **fields,
        consents=Consents().model_dump(),
        public_ref=secrets.token_hex(8),
    )
    db.session.add(employee)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            lazy_translate("error.employees.employee_e_mail_already_exists", email=data.email)
        ) from None
    audit.record(actor_id, "employee.create", "employee", employee.id, email=employee.email)
    db.session.commit()
    return employee


def list_employees(q: EmployeeQuery) -> tuple[list[Employee], int]:
    stmt = select(Employee)
    if q.department:
        stmt = stmt.where(Employee.department == q.department)
    if q.team:
        stmt = stmt.where(Employee.team == q.team)
    if q.active is not None:
        stmt = stmt.where(Employee.is_active.is_(q.active))
    if q.q:
        like = f"%{q.q.lower()}%"
        stmt = stmt.where(or_(func.lower(Employee.name).like(like), Employee.email.like(like)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(Employee.id).limit(q.limit).offset(q.offset)).all()
    return list(rows), total


def update_employee(employee_id: int, data: EmployeeUpdate, actor_id: int | None) -> Employee:
    employee = get_employee(employee_id)
    changes = data.model_dump(exclude_unset=True)
    if "email" in changes and changes["email"] is not None:
        changes["email"] = changes["email"].lower()
        clash = db.session.scalar(
            select(Employee.id).where(
                Employee.email == changes["email"], Employee.id != employee.id
            )
        )
        if clash is not None:
            raise Conflict(
                lazy_translate(
                    "error.employees.employee_e_mail_already_exists", email=changes["email"]
                )
            )
    old_role = employee.access_role
    for key, value in changes.items():
        if value is not None:
            setattr(employee, key, value)
    if ROLE_RANK.get(employee.access_role, 0) < ROLE_RANK.get(old_role, 0):
        # Demotion: tokens minted for the old role end now (authority follows the account
        # anyway; revoking makes it visible and final), and so do console sessions when the
        # new role has no console.
        revoke_tokens(employee.id, above_role=employee.access_role)
        if employee.access_role not in ("content", "admin"):
            end_console_sessions(employee.id)
    audit.record(actor_id, "employee.update", "employee", employee.id, fields=sorted(changes))
    db.session.commit()
    return employee


def revoke_tokens(employee_id: int, *, above_role: str | None = None) -> int:
    """Revoke the employee's live tokens (only those with a role above ``above_role`` when
    given); the caller commits. Returns how many were revoked."""
    now = utcnow()
    revoked = 0
    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.employee_id == employee_id, ApiToken.revoked_at.is_(None))
    ):
        if above_role is None or ROLE_RANK.get(token.role, 0) > ROLE_RANK.get(above_role, 0):
            token.revoked_at = now
            revoked += 1
    return revoked


def end_console_sessions(employee_id: int) -> None:
    """End every console session of the employee (server side); the caller commits."""
    now = utcnow()
    for row in db.session.scalars(
        select(ConsoleSession).where(
            ConsoleSession.employee_id == employee_id, ConsoleSession.revoked_at.is_(None)
        )
    ):
        row.revoked_at = now


def _void_pairing_codes(employee_id: int) -> None:
    """Unused pairing codes die with deactivation: they must not redeem after reactivation."""
    now = utcnow()
    for row in db.session.scalars(
        select(PairingCode).where(
            PairingCode.employee_id == employee_id, PairingCode.used_at.is_(None)
        )
    ):
        row.used_at = now
        row.expires_at = min(row.expires_at, now)


def _is_erased(employee_id: int) -> bool:
    return (
        db.session.scalar(
            select(AuditLog.id).where(
                AuditLog.action == "privacy.erase",
                AuditLog.target_type == "employee",
                AuditLog.target_id == str(employee_id),
            )
        )
        is not None
    )


def update_me(employee: Employee, data: MeUpdate) -> Employee:
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None:
            continue
        if key == "consents":
            merged = dict(employee.consents or {})
            merged.update(value)
            employee.consents = merged
        else:
            setattr(employee, key, value)
    db.session.commit()
    return employee


def set_active(employee_id: int, active: bool, actor_id: int | None) -> Employee:
    """Deactivate (keeps all history, revokes tokens) or reactivate an employee."""
    employee = get_employee(employee_id)
    now = utcnow()
    if not active and employee.is_active:
        employee.is_active = False
        employee.deactivated_at = now
        revoke_tokens(employee.id)
        end_console_sessions(employee.id)
        _void_pairing_codes(employee.id)
        audit.record(actor_id, "employee.deactivate", "employee", employee.id)
    elif active and not employee.is_active:
        if _is_erased(employee.id):
            raise Conflict(
                lazy_translate(
                    "error.employees.employee_erased_cannot_reactivated", employee_id=employee_id
                )
            )
        employee.is_active = True
        employee.deactivated_at = None
        audit.record(actor_id, "employee.reactivate", "employee", employee.id)
    db.session.commit()
    return employee


def issue_token(
    employee: Employee, role: str, ttl_days: int | None, label: str = ""
) -> tuple[str, ApiToken]:
    """Create a token; the raw value is returned once and only its hash is stored."""
    raw = new_token()
    token = ApiToken(
        employee_id=employee.id,
        token_hash=hash_secret(raw),
        prefix=raw[:8],
        role=role,
        label=label,
        expires_at=utcnow() + dt.timedelta(days=ttl_days) if ttl_days else None,
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.commit()


def create_pairing_code(
    employee_id: int, actor_id: int | None, ttl_hours: int
) -> tuple[str, PairingCode]:
    employee = get_employee(employee_id)
    if not employee.is_active:
        raise Conflict(
            lazy_translate("error.employees.employee_deactivated", employee_id=employee_id)
        )
    code = new_pairing_code()
    row = PairingCode(
        employee_id=employee.id,
        code_hash=hash_secret(normalise_code(code)),
        created_by_id=actor_id,
        expires_at=utcnow() + dt.timedelta(hours=ttl_hours),
    )
    db.session.add(row)
    audit.record(actor_id, "employee.pairing_code", "employee", employee.id)
    db.session.commit()
    return code, row


def redeem_pairing_code(code: str, token_ttl_days: int) -> tuple[str, ApiToken, Employee]:
    """Exchange a one-time code for an employee-scoped token; the code cannot be used again."""
    digest = hash_secret(normalise_code(code))
    now = utcnow()
    row = db.session.scalar(select(PairingCode).where(PairingCode.code_hash == digest))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise Unauthorized(lazy_translate("error.employees.pairing_code_invalid_expired_already"))
    employee = db.session.get(Employee, row.employee_id)
    if employee is None or not employee.is_active:
        raise Unauthorized(lazy_translate("error.employees.pairing_code_invalid_expired_already"))
    if employee.deactivated_at is not None and row.created_at <= employee.deactivated_at:
        # Issued before a deactivation (and so before any reactivation): void.
        raise Unauthorized(lazy_translate("error.employees.pairing_code_invalid_expired_already"))
    # Single use even under concurrency: only one UPDATE can flip used_at from NULL.
    from sqlalchemy import update

    claimed = db.session.execute(
        update(PairingCode)
        .where(PairingCode.id == row.id, PairingCode.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise Unauthorized(lazy_translate("error.employees.pairing_code_invalid_expired_already"))
    raw, token = issue_token(employee, "employee", token_ttl_days, label="extension")
    audit.record(employee.id, "auth.pair", "employee", employee.id)
    db.session.commit()
    return raw, token, employee


def rotate_token(token: ApiToken, ttl_days: int | None) -> tuple[str, ApiToken]:
    """A new token for the same employee and role (expiry ``ttl_days`` from now); the old one is
    revoked in the same transaction."""
    employee = get_employee(token.employee_id)
    role = token.role
    if ROLE_RANK.get(role, 0) > ROLE_RANK.get(employee.access_role, 0):
        role = employee.access_role
    raw, new = issue_token(employee, role, ttl_days, label=token.label or "rotated")
    token.revoked_at = utcnow()
    audit.record(employee.id, "auth.rotate", "employee", employee.id, role=role)
    db.session.commit()
    return raw, new


def create_admin(
    email: str, name: str | None = None, ttl_days: int | None = 30
) -> tuple[str, Employee]:
    """Bootstrap: create (or promote) an admin and return a fresh admin token that expires
    after ``ttl_days`` (rotate it with ``POST /api/v1/auth/rotate``)."""
    email = email.strip().lower()
    employee = db.session.scalar(select(Employee).where(Employee.email == email))
    if employee is None:
        employee = Employee(
            email=email,
            name=name or email.split("@")[0],
            access_role="admin",
            consents=Consents().model_dump(),
            public_ref=secrets.token_hex(8),
            languages=content_languages(),
        )
        db.session.add(employee)
        db.session.flush()
    else:
        if _is_erased(employee.id):
            raise Conflict(
                lazy_translate("error.employees.employee_erased_cannot_admin", id=employee.id)
            )
        employee.access_role = "admin"
        employee.is_active = True
        employee.deactivated_at = None
    raw, _ = issue_token(employee, "admin", ttl_days, label="create-admin")
    audit.record(None, "admin.create", "employee", employee.id, email=email)
    db.session.commit()
    return raw, employee


def serialise_employee(employee: Employee) -> dict[str, Any]:
    from backend.schemas.employees import EmployeeOut

    return EmployeeOut.model_validate(employee).model_dump(mode="json")


CONSENT_KEYS = ("leaderboard", "digest_email", "profile_snapshots")


def consent_counts() -> dict[str, int]:
    """How many active employees opted in to each consent (a missing key counts as not given).

    Read-only: consents are the employee's own choice, made in the extension; the console
    shows these counts and has no way to change anyone's consent."""
    counts = dict.fromkeys(CONSENT_KEYS, 0)
    counts["active"] = 0
    rows = db.session.scalars(select(Employee.consents).where(Employee.is_active.is_(True)))
    for consents in rows:
        counts["active"] += 1
        for key in CONSENT_KEYS:
            if (consents or {}).get(key) is True:
                counts[key] += 1
    return counts
