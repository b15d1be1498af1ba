"""OpenID Connect single sign-on: who a verified ID token's claims belong to.

The protocol (discovery, state, nonce, code exchange, ID token signature) is Authlib's, wired
in ``backend.console.sso_views``; this module only decides which employee the claims name:

1. an employee already linked to this ``sub`` (``external_identities``, provider ``oidc``);
2. else the active employee whose e-mail equals the ``email`` claim, when the provider does not
   say the address is unverified (``email_verified: false``); the ``sub`` is then linked, so a
   later change of e-mail at the provider still finds the same person.

Deactivated employees and unknown people get ``None``: SSO never creates accounts (SCIM or an
invitation does), so a valid company login is not by itself access to Herald.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Employee, ExternalIdentity
from backend.services import audit

PROVIDER = "oidc"


class SsoError(Exception):
    """The provider's answer cannot identify anyone (no subject)."""


def enabled(cfg: Mapping[str, Any]) -> bool:
    return bool(cfg.get("OIDC_ISSUER") and cfg.get("OIDC_CLIENT_ID"))


def resolve_employee(claims: Mapping[str, Any]) -> Employee | None:
    """The active employee these (already verified) claims name, linking the subject once."""
    sub = str(claims.get("sub") or "").strip()
    if not sub:
        raise SsoError("the identity provider sent no subject (sub)")
    link = db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == PROVIDER, ExternalIdentity.subject == sub
        )
    )
    if link is not None:
        linked: Employee | None = db.session.get(Employee, link.employee_id)
        return linked if linked is not None and linked.is_active else None
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        return None
    employee: Employee | None = db.session.scalar(
        select(Employee).where(func.lower(Employee.email) == email)
    )
    if employee is None or not employee.is_active:
        return None
    db.session.add(ExternalIdentity(employee_id=employee.id, provider=PROVIDER, subject=sub))
    audit.record(employee.id, "sso.link", "employee", employee.id)
    db.session.commit()
    return employee
