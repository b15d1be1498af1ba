"""GDPR: export my data, ask for erasure; admins erase, list requests and set works-council mode."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint
from pydantic import BaseModel

from backend.auth import Principal
from backend.openapi import ADMIN_ONLY, ANY_ROLE, endpoint
from backend.services import privacy as svc
from backend.services import works_council
from backend.services.works_council import WorksCouncil

bp = Blueprint("privacy", __name__)


class ErasureRequested(BaseModel):
    status: str = "requested"
    employee_id: int
    requested_at: dt.datetime


class MyErasureRequest(BaseModel):
    requested: bool
    requested_at: dt.datetime | None


class ErasureRequestList(BaseModel):
    items: list[ErasureRequested]


class ErasureDone(BaseModel):
    status: str = "erased"
    employee_id: int
    rows: dict[str, int]


@endpoint(bp, "/me/export", roles=ANY_ROLE, tags=["privacy"])
def export_me(principal: Principal) -> dict[str, Any]:
    """Everything Herald stores about me, as one JSON document (GDPR access and portability)."""
    return svc.export_employee(principal.employee_id, principal.employee_id)


@endpoint(
    bp,
    "/me/erasure",
    method="POST",
    roles=ANY_ROLE,
    response=ErasureRequested,
    status=202,
    tags=["privacy"],
)
def request_erasure(principal: Principal) -> ErasureRequested:
    """Ask for my personal data to be erased; an admin carries it out (asking twice is harmless)."""
    when = svc.request_erasure(principal.employee)
    return ErasureRequested(employee_id=principal.employee_id, requested_at=when)


@endpoint(bp, "/me/erasure", roles=ANY_ROLE, response=MyErasureRequest, tags=["privacy"])
def my_erasure_request(principal: Principal) -> MyErasureRequest:
    """Whether I asked for erasure, and when (the panel's settings show it)."""
    when = svc.erasure_requested_at(principal.employee_id)
    return MyErasureRequest(requested=when is not None, requested_at=when)


@endpoint(
    bp,
    "/privacy/erasure-requests",
    roles=ADMIN_ONLY,
    response=ErasureRequestList,
    tags=["privacy"],
)
def list_erasure_requests() -> ErasureRequestList:
    """Erasure requests not yet carried out, oldest first."""
    return ErasureRequestList(
        items=[
            ErasureRequested(employee_id=eid, requested_at=when)
            for eid, when in svc.pending_erasure_requests()
        ]
    )


@endpoint(
    bp,
    "/employees/<int:employee_id>/export",
    roles=ADMIN_ONLY,
    tags=["privacy"],
)
def export_employee(principal: Principal, employee_id: int) -> dict[str, Any]:
    """Everything stored about one employee (to answer a request made outside Herald)."""
    return svc.export_employee(employee_id, principal.employee_id)


@endpoint(
    bp,
    "/employees/<int:employee_id>/erase",
    method="POST",
    roles=ADMIN_ONLY,
    response=ErasureDone,
    tags=["privacy"],
    extra_responses={409: "Already erased"},
)
def erase_employee(principal: Principal, employee_id: int) -> ErasureDone:
    """Erase an employee's personal data; shares, clicks, conversions stay as anonymous counts."""
    rows = svc.erase_employee(employee_id, principal.employee_id)
    return ErasureDone(employee_id=employee_id, rows=rows)


@endpoint(bp, "/privacy/works-council", roles=ADMIN_ONLY, response=WorksCouncil, tags=["privacy"])
def get_works_council() -> WorksCouncil:
    """Works-council mode: per-person views are refused everywhere (API, console, digests,
    leaderboard, exports); team figures need a minimum number of people behind them."""
    return works_council.works_council()


@endpoint(
    bp,
    "/privacy/works-council",
    method="PUT",
    roles=ADMIN_ONLY,
    body=WorksCouncil,
    response=WorksCouncil,
    tags=["privacy"],
)
def put_works_council(principal: Principal, body: WorksCouncil) -> WorksCouncil:
    """Turn works-council mode on or off and set the minimum group size."""
    return works_council.set_works_council(body, principal.employee_id)
