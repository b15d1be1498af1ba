"""The signed-in employee's own profile."""

from __future__ import annotations

from flask import Blueprint

from backend.auth import Principal
from backend.openapi import ANY_ROLE, endpoint
from backend.schemas.employees import EmployeeOut, MeUpdate
from backend.services import employees as svc

bp = Blueprint("me", __name__)


@endpoint(bp, "/me", roles=ANY_ROLE, response=EmployeeOut, tags=["me"])
def get_me(principal: Principal) -> EmployeeOut:
    """The employee behind the token."""
    return EmployeeOut.model_validate(principal.employee)


@endpoint(
    bp, "/me", method="PATCH", roles=ANY_ROLE, body=MeUpdate, response=EmployeeOut, tags=["me"]
)
def update_me(principal: Principal, body: MeUpdate) -> EmployeeOut:
    """Update my role text, interests, languages and consents."""
    return EmployeeOut.model_validate(svc.update_me(principal.employee, body))
