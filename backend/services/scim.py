"""SCIM provisioning rules: create (or adopt), update, deactivate: never delete.

Employees provisioned by SCIM carry an ``external_identities`` row (provider ``scim``) whose
subject is the IdP's ``externalId`` (or ``herald:<id>`` when the IdP sends none). Deactivation
keeps the employee and every share, click and point; it only revokes tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from backend.errors import APIError
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import Employee, ExternalIdentity
from backend.schemas.employees import EmployeeCreate, EmployeeUpdate
from backend.services import audit
from backend.services import employees as employees_svc

PROVIDER = "scim"
LANGUAGES = ("en", "da", "sv", "no", "de", "fr", "es", "nl", "fi")


class ScimConflict(Exception):
    """The userName or externalId belongs to another provisioned employee."""


class ScimNotFound(Exception):
    """No such user (or it was deleted through SCIM)."""


class ScimInvalid(Exception):
    """A value Herald cannot store (an e-mail that is not one, an empty name)."""


@dataclass(frozen=True)
class UserChanges:
    email: str | None = None
    name: str | None = None
    job_title: str | None = None
    language: str | None = None
    active: bool | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class ScimUser:
    employee: Employee
    external_id: str | None


def _link(employee_id: int) -> ExternalIdentity | None:
    return db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == PROVIDER, ExternalIdentity.employee_id == employee_id
        )
    )


def _view(employee: Employee) -> ScimUser:
    link = _link(employee.id)
    external = link.subject if link is not None and not link.subject.startswith("herald:") else None
    return ScimUser(employee, external)


def _email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ScimInvalid(f"userName must be an e-mail address: {exc}") from None


def _language(value: str | None) -> str | None:
    code = (value or "").strip().lower()[:2]
    return code if code in LANGUAGES else None


def get(employee_id: int) -> ScimUser:
    employee = db.session.get(Employee, employee_id)
    if employee is None or (not employee.is_active and _link(employee_id) is None):
        raise ScimNotFound(f"user {employee_id} not found")
    return _view(employee)


def search(
    field: str | None, value: str | None, offset: int, count: int
) -> tuple[list[ScimUser], int]:
    link = aliased(ExternalIdentity)
    stmt = select(Employee).outerjoin(
        link, (link.employee_id == Employee.id) & (link.provider == PROVIDER)
    )
    stmt = stmt.where(or_(Employee.is_active.is_(True), link.id.is_not(None)))
    if field == "username" and value is not None:
        stmt = stmt.where(func.lower(Employee.email) == value.strip().lower())
    elif field == "externalid" and value is not None:
        stmt = stmt.where(link.subject == value)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(Employee.id).offset(offset).limit(count))
    return [_view(e) for e in rows], total


def _set_link(employee: Employee, external_id: str | None) -> None:
    subject = external_id or f"herald:{employee.id}"
    clash = db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == PROVIDER,
            ExternalIdentity.subject == subject,
            ExternalIdentity.employee_id != employee.id,
        )
    )
    if clash is not None:
        raise ScimConflict(
            lazy_translate("error.scim.externalid_belongs_another_user", subject=subject)
        )
    link = _link(employee.id)
    if link is None:
        db.session.add(
            ExternalIdentity(employee_id=employee.id, provider=PROVIDER, subject=subject)
        )
    elif external_id is not None:
        link.subject = subject


def provision(changes: UserChanges) -> ScimUser:
    """Create the employee, or adopt the existing one with that e-mail if not yet provisioned."""
    if not changes.email:
        raise ScimInvalid("userName is required")
    email = _email(changes.email)
    existing = db.session.scalar(select(Employee).where(func.lower(Employee.email) == email))
    if existing is not None:
        if _link(existing.id) is not None:
            raise ScimConflict(
                lazy_translate("error.scim.user_username_already_exists", email=email)
            )
        _set_link(existing, changes.external_id)
        audit.record(None, "scim.adopt", "employee", existing.id)
        db.session.commit()
        return update(existing.id, changes)
    language = _language(changes.language) or "en"
    try:
        data = EmployeeCreate(
            email=email,
            name=(changes.name or email.split("@")[0]).strip()[:200],
            job_title=(changes.job_title or "")[:200],
            languages=[language],
        )
        employee = employees_svc.create_employee(data, None)
    except ValidationError as exc:
        raise ScimInvalid(str(exc.errors()[0].get("msg", "invalid value"))) from None
    except APIError as exc:
        raise ScimConflict(exc.message) from None
    _set_link(employee, changes.external_id)
    audit.record(None, "scim.create", "employee", employee.id)
    db.session.commit()
    if changes.active is False:
        employees_svc.set_active(employee.id, False, None)
    return _view(employee)


def update(employee_id: int, changes: UserChanges) -> ScimUser:
    """Apply the attributes that were sent; ``active`` deactivates or reactivates."""
    employee = get(employee_id).employee
    fields: dict[str, object] = {}
    if changes.email:
        fields["email"] = _email(changes.email)
    if changes.name and changes.name.strip():
        fields["name"] = changes.name.strip()[:200]
    if changes.job_title is not None:
        fields["job_title"] = changes.job_title[:200]
    language = _language(changes.language)
    if language:
        others = [x for x in (employee.languages or []) if x != language]
        fields["languages"] = [language, *others][:10]
    if fields:
        try:
            employees_svc.update_employee(employee.id, EmployeeUpdate.model_validate(fields), None)
        except ValidationError as exc:
            raise ScimInvalid(str(exc.errors()[0].get("msg", "invalid value"))) from None
        except APIError as exc:
            db.session.rollback()
            raise ScimConflict(exc.message) from None
    if changes.external_id is not None:
        _set_link(employee, changes.external_id)
        db.session.commit()
    if changes.active is not None and changes.active != employee.is_active:
        employees_svc.set_active(employee.id, changes.active, None)
    return _view(employee)


def deprovision(employee_id: int) -> None:
    """DELETE: deactivate (history kept, tokens revoked) and forget the SCIM link."""
    employee = get(employee_id).employee
    employees_svc.set_active(employee.id, False, None)
    link = _link(employee.id)
    if link is not None:
        db.session.delete(link)
    audit.record(None, "scim.delete", "employee", employee.id)
    db.session.commit()
