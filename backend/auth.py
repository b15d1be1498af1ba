"""Bearer tokens: 32 random bytes, only a SHA-256 hash stored, compared in constant time.

Authority follows the account, not the token: every request reloads the employee and acts with
the *lower* of the token's role and the account's current ``access_role``. A demoted admin's old
token is therefore an employee token at once (and is revoked as well, see
``services.employees.update_employee``); a deactivated or erased account's tokens stop working.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import g, has_request_context, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from backend.errors import Unauthorized
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import ApiToken, Employee, utcnow

TOKEN_PREFIX = "hrd_"
# Crockford-style alphabet without look-alikes for codes people type.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
ROLE_RANK = {"employee": 0, "content": 1, "admin": 2}


def effective_role(token_role: str, account_role: str) -> str:
    """The lower of the two roles; an unknown role counts as none (employee)."""
    token_rank = ROLE_RANK.get(token_role, 0)
    account_rank = ROLE_RANK.get(account_role, 0)
    return token_role if token_rank <= account_rank else account_role


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh API token: prefix + 32 random bytes, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_pairing_code() -> str:
    """A 10-character one-time code (about 49 bits), shown as XXXXX-XXXXX."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: an employee acting through a token with a role."""

    employee: Employee
    token: ApiToken
    role: str
    # The employee's own language, read while authenticating: an error answer is worded in it
    # (when the request states no Accept-Language) without touching the database again.
    language: str = "en"

    @property
    def employee_id(self) -> int:
        return self.employee.id


def bearer_from_request() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


_TOKEN_KEY = "herald.token_lookup"
# Built once; the employee comes in the same query, so authenticate() finds it in the session.
_TOKEN_QUERY = (
    select(ApiToken)
    .options(joinedload(ApiToken.employee))
    .where(ApiToken.token_hash == bindparam("digest"))
)


def find_token(digest: str) -> ApiToken | None:
    """The token row whose hash is ``digest`` (None: not one we issued), looked up once per
    request: the guessing limit's exemption (``hooks.presents_issued_token``) asks before the
    view authenticates, and both used to query. Kept on the request (like the principal), so
    nothing carries over to the next one."""
    if not has_request_context():
        return db.session.scalar(_TOKEN_QUERY, {"digest": digest})
    hit: tuple[str, ApiToken | None] | None = request.environ.get(_TOKEN_KEY)
    if hit is not None and hit[0] == digest:
        return hit[1]
    token = db.session.scalar(_TOKEN_QUERY, {"digest": digest})
    request.environ[_TOKEN_KEY] = (digest, token)
    return token


def authenticate(raw: str | None) -> Principal:
    """Resolve a raw bearer token to a Principal or raise Unauthorized."""
    challenge = {"WWW-Authenticate": 'Bearer realm="herald"'}
    if not raw:
        raise Unauthorized(lazy_translate("error.auth.missing_bearer_token"), headers=challenge)
    digest = hash_secret(raw)
    token = find_token(digest)
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise Unauthorized(lazy_translate("error.auth.invalid_token"), headers=challenge)
    now = utcnow()
    if token.revoked_at is not None:
        raise Unauthorized(lazy_translate("error.auth.token_revoked"), headers=challenge)
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized(lazy_translate("error.auth.token_expired"), headers=challenge)
    employee = db.session.get(Employee, token.employee_id)
    if employee is None or not employee.is_active:
        raise Unauthorized(lazy_translate("error.auth.employee_deactivated"), headers=challenge)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    role = effective_role(token.role, employee.access_role)
    return Principal(employee=employee, token=token, role=role, language=employee.ui_language)


_PRINCIPAL_KEY = "herald.principal"


def current_principal() -> Principal:
    """The caller of the current request, authenticated once per request.

    Cached on the request (not on ``g``): an application context can outlive a request, e.g.
    in tests or CLI code that issues several requests inside one context, and a principal must
    never carry over to the next request.
    """
    principal: Principal | None = request.environ.get(_PRINCIPAL_KEY)
    if principal is None:
        principal = authenticate(bearer_from_request())
        request.environ[_PRINCIPAL_KEY] = principal
    g.principal = principal  # for logging hooks; always the current request's caller
    return principal
