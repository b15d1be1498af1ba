"""GDPR operations: export, erasure and click retention.

- ``export_employee``: everything stored about one employee, as JSON-ready dicts. Found generically:
  every table with a foreign key to ``employees.id`` (so tables added later are exported too), plus
  the clicks on the employee's tracked links (counts per day only: click rows describe *other*
  people, the visitors). Hashes of secrets are never exported.
- ``erase_employee``: personal data deleted, aggregates kept anonymously. The employee row stays
  (shares, clicks and conversions still count in company totals) but loses every personal field:
  name, e-mail, job title, role text, location, interests, languages, consents, sign-in data. Rows
  that only describe the person (tokens, pairing codes, impressions, profile snapshots, mentions,
  guideline acks, idempotency records, and any table not listed in ``_KEEP_ANONYMOUSLY``) are
  deleted; share captions, which the employee wrote, are blanked. Audit entries are kept (the law
  asks for the record), their details scrubbed of the e-mail. The erasure itself is audited.
- ``apply_retention``: raw click rows older than ``CLICK_RETENTION_MONTHS`` (13 by default) become
  per-link, per-day counts in ``click_daily_aggregates`` and are deleted, in batches, each batch in
  one transaction.

Works-council (aggregate-only) mode lives in ``backend.services.works_council``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import delete, func, select, update

from backend.errors import Conflict, NotFound
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import (
    AuditLog,
    Click,
    ClickDailyAggregate,
    Employee,
    IdempotencyRecord,
    TrackedLink,
    utcnow,
)
from backend.services import audit
from backend.services.analytics import rollups

# Tables whose rows referencing an erased employee stay, now pointing at the anonymised row:
# they are the facts that company-wide aggregates are computed from. The value lists the columns to
# blank (free text the employee wrote).
_KEEP_ANONYMOUSLY: dict[str, tuple[str, ...]] = {
    "engagement_events": (),
    "tracked_links": (),
    "shares": ("caption",),
    "conversions": (),
    "audit_log": (),
    "pairing_codes.created_by_id": (),
    "mentions.resolved_by_id": (),
}
# Columns never exported: hashes of secrets, and other people's pseudonymous identifiers.
_NEVER_EXPORT = {
    "token_hash",
    "code_hash",
    "password_hash",
    "secret",
    "visitor_hash",
    "visitor_id",
    "vector",
}

ERASED_NAME = "Erased employee"
ERASE_ACTION = "privacy.erase"
REQUEST_ACTION = "privacy.erasure_requested"
EXPORT_ACTION = "privacy.export"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _row_dict(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k): _jsonable(v) for k, v in row.items() if k not in _NEVER_EXPORT}


def _employee_references() -> list[tuple[sa.Table, sa.Column[Any]]]:
    """Every (table, column) with a foreign key to employees.id, in dependency order."""
    refs: list[tuple[sa.Table, sa.Column[Any]]] = []
    for table in db.metadata.sorted_tables:
        if table.name == "employees":
            continue
        for column in table.columns:
            if any(fk.column.table.name == "employees" for fk in column.foreign_keys):
                refs.append((table, column))
    return refs


def _get(employee_id: int) -> Employee:
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        raise NotFound(
            lazy_translate("error.employees.employee_not_found", employee_id=employee_id)
        )
    return employee


def is_erased(employee_id: int) -> bool:
    return (
        db.session.scalar(
            select(AuditLog.id).where(
                AuditLog.action == ERASE_ACTION,
                AuditLog.target_type == "employee",
                AuditLog.target_id == str(employee_id),
            )
        )
        is not None
    )


# --- export ----------------------------------------------------------------------------------


def export_employee(employee_id: int, actor_id: int | None) -> dict[str, Any]:
    """All data about one employee (JSON-ready). The export is recorded in the audit log."""
    employee = _get(employee_id)
    employees = db.metadata.tables["employees"]
    me = db.session.execute(select(employees).where(employees.c.id == employee.id)).mappings().one()
    data: dict[str, Any] = {
        "format": "herald-export/1",
        "generated_at": utcnow().isoformat(),
        "employee": _row_dict(me),
        "tables": {},
    }
    for table, column in _employee_references():
        key = table.name if column.name == "employee_id" else f"{table.name}.{column.name}"
        rows = db.session.execute(
            select(table).where(column == employee.id).order_by(*table.primary_key.columns)
        ).mappings()
        data["tables"][key] = [_row_dict(r) for r in rows]
    data["clicks_on_my_links_per_day"] = _clicks_per_day(employee.id)
    audit.record(actor_id, EXPORT_ACTION, "employee", employee.id)
    db.session.commit()
    return data


def _clicks_per_day(employee_id: int) -> list[dict[str, Any]]:
    links = select(TrackedLink.id).where(TrackedLink.employee_id == employee_id)
    counts: dict[tuple[int, str], int] = {}
    for link_id, created in db.session.execute(
        select(Click.link_id, Click.created_at).where(Click.link_id.in_(links))
    ):
        key = (link_id, created.date().isoformat())
        counts[key] = counts.get(key, 0) + 1
    for agg in db.session.scalars(
        select(ClickDailyAggregate).where(ClickDailyAggregate.link_id.in_(links))
    ):
        key = (agg.link_id, agg.day.isoformat())
        counts[key] = counts.get(key, 0) + agg.clicks
    return [
        {"link_id": link_id, "day": day, "clicks": n}
        for (link_id, day), n in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


# --- erasure ---------------------------------------------------------------------------------


def request_erasure(employee: Employee) -> dt.datetime:
    """Record the employee's request; an admin carries it out. Asking twice keeps the first date."""
    existing = db.session.scalar(
        select(AuditLog)
        .where(
            AuditLog.action == REQUEST_ACTION,
            AuditLog.target_type == "employee",
            AuditLog.target_id == str(employee.id),
        )
        .order_by(AuditLog.id)
        .limit(1)
    )
    if existing is not None:
        requested: dt.datetime = existing.created_at
        return requested
    entry = audit.record(employee.id, REQUEST_ACTION, "employee", employee.id)
    db.session.commit()
    return entry.created_at


def erasure_requested_at(employee_id: int) -> dt.datetime | None:
    """When this employee asked for erasure (the first time), or None."""
    when: dt.datetime | None = db.session.scalar(
        select(func.min(AuditLog.created_at)).where(
            AuditLog.action == REQUEST_ACTION,
            AuditLog.target_type == "employee",
            AuditLog.target_id == str(employee_id),
        )
    )
    return when


def pending_erasure_requests() -> list[tuple[int, dt.datetime]]:
    """(employee id, requested at) for requests not yet carried out, oldest first."""
    erased = select(AuditLog.target_id).where(AuditLog.action == ERASE_ACTION)
    rows = db.session.execute(
        select(AuditLog.target_id, func.min(AuditLog.created_at))
        .where(AuditLog.action == REQUEST_ACTION, AuditLog.target_id.not_in(erased))
        .group_by(AuditLog.target_id)
        .order_by(func.min(AuditLog.created_at))
    ).all()
    return [(int(target), when) for target, when in rows]


def recent_erasures(limit: int = 20) -> list[tuple[int, dt.datetime, int | None]]:
    """(employee id, erased at, rows touched) of the latest erasures carried out, newest first."""
    rows = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.action == ERASE_ACTION, AuditLog.target_type == "employee")
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return [
        (int(entry.target_id), entry.created_at, (entry.details or {}).get("rows"))
        for entry in rows
    ]


def erase_employee(employee_id: int, actor_id: int | None) -> dict[str, int]:
    """Delete one employee's personal data, keeping anonymous aggregates; returns rows touched."""
    employee = _get(employee_id)
    if is_erased(employee.id):
        raise Conflict(
            lazy_translate("error.privacy.employee_already_erased", employee_id=employee_id)
        )
    email = employee.email
    summary: dict[str, int] = {}
    for table, column in reversed(_employee_references()):
        key = table.name if column.name == "employee_id" else f"{table.name}.{column.name}"
        if table.name == "audit_log":
            continue
        if key in _KEEP_ANONYMOUSLY or table.name in _KEEP_ANONYMOUSLY:
            blank = _KEEP_ANONYMOUSLY.get(key, _KEEP_ANONYMOUSLY.get(table.name, ()))
            if blank:
                result = db.session.execute(
                    update(table).where(column == employee.id).values({c: "" for c in blank})
                )
                summary[f"{key} (blanked)"] = result.rowcount  # type: ignore[attr-defined]
            continue
        if column.nullable:
            result = db.session.execute(
                update(table).where(column == employee.id).values({column.name: None})
            )
            summary[f"{key} (unlinked)"] = result.rowcount  # type: ignore[attr-defined]
        else:
            result = db.session.execute(delete(table).where(column == employee.id))
            summary[f"{key} (deleted)"] = result.rowcount  # type: ignore[attr-defined]
    _scrub_audit(employee.id, email)
    employee.name = ERASED_NAME
    employee.email = f"erased-{employee.id}@erased.invalid"
    employee.job_title = ""
    employee.role_text = ""
    employee.location = ""
    employee.languages = []
    employee.interests = []
    employee.network_size = 0
    employee.consents = {}
    employee.password_hash = None
    employee.failed_logins = 0
    employee.locked_until = None
    employee.leaderboard_opt_out = True
    employee.public_ref = secrets.token_hex(8)
    employee.is_active = False
    employee.deactivated_at = employee.deactivated_at or utcnow()
    audit.record(actor_id, ERASE_ACTION, "employee", employee.id, rows=sum(summary.values()))
    db.session.commit()
    return {k: v for k, v in summary.items() if v}


def _scrub_audit(employee_id: int, email: str) -> None:
    """Keep the audit trail, without the person's e-mail in it."""
    for entry in db.session.scalars(
        select(AuditLog).where(
            sa.or_(
                AuditLog.actor_id == employee_id,
                sa.and_(AuditLog.target_type == "employee", AuditLog.target_id == str(employee_id)),
            )
        )
    ):
        if email and email.lower() in str(entry.details).lower():
            entry.details = {
                k: ("[erased]" if isinstance(v, str) and email.lower() in v.lower() else v)
                for k, v in (entry.details or {}).items()
            }


# --- retention -------------------------------------------------------------------------------


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` minus whole calendar months (the day clamped to the target month's length)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    days_in_month = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month))


def apply_retention(
    months: int,
    now: dt.datetime | None = None,
    batch_size: int = 5000,
    dry_run: bool = False,
    idempotency_days: int | None = None,
) -> dict[str, Any]:
    """Aggregate raw clicks older than ``months`` into daily counts and delete them; drop
    Idempotency-Key records older than ``idempotency_days`` (default: the configured period)."""
    now = now or utcnow()
    cutoff = months_before(now, months)
    days = idempotency_days
    if days is None:
        days = int(current_app.config["IDEMPOTENCY_KEY_DAYS"])
    keys_cutoff = now - dt.timedelta(days=days)
    old = Click.created_at < cutoff
    old_keys = IdempotencyRecord.created_at < keys_cutoff
    if dry_run:
        n = db.session.scalar(select(func.count()).select_from(Click).where(old)) or 0
        keys = db.session.scalar(
            select(func.count()).select_from(IdempotencyRecord).where(old_keys)
        )
        return {
            "cutoff": cutoff.isoformat(),
            "clicks_aggregated": n,
            "idempotency_cutoff": keys_cutoff.isoformat(),
            "idempotency_keys_deleted": keys or 0,
            "dry_run": True,
        }
    # The daily rollup (backend/services/analytics/rollups.py) keeps click_daily_aggregates; it
    # runs first, so only clicks already counted there are deleted.
    total = rollups.delete_rolled_up_clicks(cutoff, batch_size=batch_size, now=now)
    # A retried share sends the same Idempotency-Key within seconds or minutes; the stored answer
    # (which names the share and its caption) is only needed that long.
    keys = db.session.execute(delete(IdempotencyRecord).where(old_keys)).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return {
        "cutoff": cutoff.isoformat(),
        "clicks_aggregated": total,
        "idempotency_cutoff": keys_cutoff.isoformat(),
        "idempotency_keys_deleted": keys,
        "dry_run": False,
    }


# --- CLI -------------------------------------------------------------------------------------
