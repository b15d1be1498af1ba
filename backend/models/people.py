"""People and access: employees, their tokens, pairing codes, invitations, SSO identities,
console sessions, the audit log and settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.models.base import JSONType, UTCDateTime, utcnow

# --- people and access -----------------------------------------------------------------------

ACCESS_ROLES = ("employee", "content", "admin")


class Employee(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    role_text: Mapped[str] = mapped_column(sa.String(500), default="")
    department: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    team: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    location: Mapped[str] = mapped_column(sa.String(100), default="")
    languages: Mapped[list[str]] = mapped_column(JSONType, default=lambda: ["en"])
    interests: Mapped[list[str]] = mapped_column(JSONType, default=list)
    network_size: Mapped[int] = mapped_column(default=0)
    consents: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    access_role: Mapped[str] = mapped_column(sa.String(20), default="employee")
    is_active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    leaderboard_opt_out: Mapped[bool] = mapped_column(default=False)
    # Console sign-in (content/admin users only): a password hash, never the password.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ui_language: Mapped[str] = mapped_column(sa.String(2), default="en")
    # Opaque reference used in utm_content and pseudonymous leaderboards; never the name.
    public_ref: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("access_role IN ('employee','content','admin')", name="access_role"),
        sa.CheckConstraint("network_size >= 0", name="network_size_nonneg"),
    )


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    role: Mapped[str] = mapped_column(sa.String(20))
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    employee: Mapped[Employee] = relationship()


class PairingCode(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "pairing_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Invitation(db.Model):  # type: ignore[name-defined,misc]
    """An e-mailed invitation: a signed one-click pairing link, single use, valid 7 days.

    Only a SHA-256 hash of the link's random nonce is stored; the link itself is signed with the
    app's secret key, so a tampered or foreign link is refused before any lookup."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    nonce_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    send_error: Mapped[str] = mapped_column(sa.String(300), default="")
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ExternalIdentity(db.Model):  # type: ignore[name-defined,misc]
    """Who an employee is at the company's identity provider: an OIDC subject or a SCIM
    externalId. Deactivating through SCIM keeps the employee and all their history."""

    __tablename__ = "external_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(20))  # "oidc" | "scim"
    subject: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("provider", "subject", name="uq_external_identity"),)


class AuditLog(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(32), default="")
    target_id: Mapped[str] = mapped_column(sa.String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class Setting(db.Model):  # type: ignore[name-defined,misc]
    """Company-wide settings editable at run time (points weights, EMV formula, ...)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ConsoleSession(db.Model):  # type: ignore[name-defined,misc]
    """A signed-in console session, server side: the cookie only names it (by a hash here), so
    sign-out, a password change or deactivation ends it for good."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"), index=True)
    session_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
