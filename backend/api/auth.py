"""Pairing the extension and revoking tokens."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_limiter.util import get_remote_address

from backend.auth import Principal
from backend.openapi import ANY_ROLE, PUBLIC, endpoint
from backend.schemas.employees import EmployeeOut, PairRequest, PairResponse, RotatedToken
from backend.services import employees as svc

bp = Blueprint("auth", __name__)


def _auth_limit() -> str:
    return str(current_app.config["RATELIMIT_AUTH"])


@endpoint(
    bp,
    "/auth/pair",
    method="POST",
    roles=PUBLIC,
    body=PairRequest,
    response=PairResponse,
    tags=["auth"],
    rate_limit=_auth_limit,
    rate_limit_key=get_remote_address,
    extra_responses={401: "Pairing code invalid, expired or already used"},
)
def pair(body: PairRequest) -> PairResponse:
    """Exchange a one-time pairing code for an employee token (the extension's sign-in)."""
    raw, token, employee = svc.redeem_pairing_code(body.code, current_app.config["TOKEN_TTL_DAYS"])
    return PairResponse(
        token=raw, expires_at=token.expires_at, employee=EmployeeOut.model_validate(employee)
    )


@endpoint(bp, "/auth/revoke", method="POST", roles=ANY_ROLE, status=204, tags=["auth"])
def revoke(principal: Principal) -> None:
    """Revoke the token used for this request (sign out)."""
    svc.revoke_token(principal.token)


@endpoint(
    bp,
    "/auth/rotate",
    method="POST",
    roles=ANY_ROLE,
    response=RotatedToken,
    tags=["auth"],
    status=201,
)
def rotate(principal: Principal) -> tuple[RotatedToken, int]:
    """Swap the token used for this request for a new one (same role, fresh expiry); the old
    token stops working at once. Admin tokens expire (HERALD_ADMIN_TOKEN_TTL_DAYS): rotate them."""
    admin = principal.token.role == "admin"
    ttl = current_app.config["ADMIN_TOKEN_TTL_DAYS" if admin else "TOKEN_TTL_DAYS"]
    raw, token = svc.rotate_token(principal.token, ttl)
    return RotatedToken(token=raw, role=token.role, expires_at=token.expires_at), 201
