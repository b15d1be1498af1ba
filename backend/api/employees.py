"""Admin: employees, deactivation and pairing codes."""

from __future__ import annotations

from flask import Blueprint, current_app

from backend.auth import Principal
from backend.openapi import ADMIN_ONLY, endpoint
from backend.schemas.employees import (
    EmployeeCreate,
    EmployeeList,
    EmployeeOut,
    EmployeeQuery,
    EmployeeUpdate,
    PairingCodeOut,
)
from backend.services import employees as svc

bp = Blueprint("employees", __name__)


@endpoint(
    bp,
    "/employees",
    method="POST",
    roles=ADMIN_ONLY,
    body=EmployeeCreate,
    response=EmployeeOut,
    status=201,
    extra_responses={409: "An employee with this e-mail exists"},
)
def create_employee(principal: Principal, body: EmployeeCreate) -> EmployeeOut:
    """Create an employee."""
    return EmployeeOut.model_validate(svc.create_employee(body, principal.employee_id))


@endpoint(bp, "/employees", roles=ADMIN_ONLY, query=EmployeeQuery, response=EmployeeList)
def list_employees(query: EmployeeQuery) -> EmployeeList:
    """List employees, filtered by department, team, active flag or a search string."""
    rows, total = svc.list_employees(query)
    return EmployeeList(
        items=[EmployeeOut.model_validate(r) for r in rows],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )


@endpoint(bp, "/employees/<int:employee_id>", roles=ADMIN_ONLY, response=EmployeeOut)
def get_employee(employee_id: int) -> EmployeeOut:
    """One employee."""
    return EmployeeOut.model_validate(svc.get_employee(employee_id))


@endpoint(
    bp,
    "/employees/<int:employee_id>",
    method="PATCH",
    roles=ADMIN_ONLY,
    body=EmployeeUpdate,
    response=EmployeeOut,
    extra_responses={409: "E-mail already used by another employee"},
)
def update_employee(principal: Principal, employee_id: int, body: EmployeeUpdate) -> EmployeeOut:
    """Update an employee."""
    return EmployeeOut.model_validate(svc.update_employee(employee_id, body, principal.employee_id))


@endpoint(
    bp,
    "/employees/<int:employee_id>/deactivate",
    method="POST",
    roles=ADMIN_ONLY,
    response=EmployeeOut,
)
def deactivate_employee(principal: Principal, employee_id: int) -> EmployeeOut:
    """Deactivate an employee: history is kept, tokens are revoked, sign-in is refused."""
    return EmployeeOut.model_validate(svc.set_active(employee_id, False, principal.employee_id))


@endpoint(
    bp,
    "/employees/<int:employee_id>/reactivate",
    method="POST",
    roles=ADMIN_ONLY,
    response=EmployeeOut,
)
def reactivate_employee(principal: Principal, employee_id: int) -> EmployeeOut:
    """Reactivate a deactivated employee."""
    return EmployeeOut.model_validate(svc.set_active(employee_id, True, principal.employee_id))


@endpoint(
    bp,
    "/employees/<int:employee_id>/pairing-code",
    method="POST",
    roles=ADMIN_ONLY,
    response=PairingCodeOut,
    status=201,
    extra_responses={409: "Employee is deactivated"},
)
def create_pairing_code(principal: Principal, employee_id: int) -> PairingCodeOut:
    """A one-time code (24 h) the employee types into the extension; shown once."""
    code, row = svc.create_pairing_code(
        employee_id, principal.employee_id, current_app.config["PAIRING_CODE_TTL_HOURS"]
    )
    return PairingCodeOut(code=code, employee_id=row.employee_id, expires_at=row.expires_at)
