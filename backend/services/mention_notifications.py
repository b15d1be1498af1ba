"""Notifications when an employee flags a mention (issue #15): an e-mail to the content team and
a message to a Slack- or Teams-compatible incoming webhook.

Both are sent by the task queue (``services.adoption_tasks``), each as its own task with
retries, so a chat service that is down never delays the flag or the e-mail, and a retried
webhook never sends the e-mail twice. The webhook URL is a company setting (console: Mentions →
Notifications; stored under ``mentions.notifications``); it is an outbound address an admin
typed, so it is checked like every outbound address (``services.safe_http``; private networks
only with ``WEBHOOK_ALLOW_PRIVATE_NETWORKS``). The body is ``{"text": "..."}``, which Slack's and
Teams' (Workflows / legacy connector) incoming webhooks both accept. The message carries the
mention's URL and its redacted snippet, never the flagger's name.
"""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from backend.errors import ValidationFailed
from backend.extensions import db
from backend.models import Employee, Mention
from backend.services import safe_http, settings_store

SETTING = "mentions.notifications"
CONTENT_ROLES = ("content", "admin")


class NotificationSettings(BaseModel):
    email: bool = True  # e-mail the content team (when SMTP_HOST is set)
    webhook_url: str = Field("", max_length=2048)  # "" = no chat message

    @field_validator("webhook_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class NotificationFailed(RuntimeError):
    """A delivery failed; the queue retries the task."""


def settings() -> NotificationSettings:
    return settings_store.load_model(NotificationSettings, SETTING)


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE_NETWORKS"))


def update_settings(data: NotificationSettings, actor_id: int | None) -> NotificationSettings:
    if data.webhook_url:
        try:
            safe_http.check_fetch_url(data.webhook_url, allow_private=_allow_private())
        except safe_http.FetchRefused as exc:
            raise ValidationFailed(
                "this webhook address is not allowed",
                details=[{"field": "webhook_url", "message": str(exc), "type": "webhook_url"}],
            ) from None
    settings_store.store(SETTING, data.model_dump(), actor_id, action="mentions.notifications")
    return data


def message_text(mention: Mention) -> str:
    snippet = f": “{mention.snippet}”" if mention.snippet else ""
    return f"New mention flagged for the content team{snippet}\n{mention.url}"


def content_team() -> list[str]:
    return list(
        db.session.scalars(
            select(Employee.email)
            .where(
                Employee.access_role.in_(CONTENT_ROLES),
                Employee.is_active.is_(True),
                Employee.email != "",
            )
            .order_by(Employee.id)
        )
    )


def send_email(mention_id: int) -> int:
    """E-mail the content team; returns how many were sent (0 without SMTP or recipients)."""
    cfg = current_app.config
    mention = db.session.get(Mention, mention_id)
    if mention is None or not cfg.get("SMTP_HOST") or not settings().email:
        return 0
    to = content_team()
    if not to:
        return 0
    msg = EmailMessage()
    msg["Subject"] = f"[{cfg['COMPANY_NAME']}] New mention flagged"
    msg["From"] = formataddr((str(cfg["COMPANY_NAME"]), str(cfg["SMTP_FROM"])))
    msg["To"] = ", ".join(to)
    msg["Message-ID"] = make_msgid(domain=str(cfg["SMTP_FROM"]).rpartition("@")[2] or None)
    msg.set_content(message_text(mention) + "\n\nResolve it in the console: Mentions.\n")
    try:
        with smtplib.SMTP(str(cfg["SMTP_HOST"]), int(cfg["SMTP_PORT"]), timeout=10) as conn:
            conn.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotificationFailed(f"mention e-mail not sent: {exc}") from exc
    return len(to)


def post_webhook(mention_id: int) -> bool:
    """Post the message to the configured incoming webhook; False when none is configured."""
    url = settings().webhook_url
    mention = db.session.get(Mention, mention_id)
    if mention is None or not url:
        return False
    body = json.dumps({"text": message_text(mention)}).encode("utf-8")
    try:
        got = safe_http.request(
            url,
            method="POST",
            headers={"Content-Type": "application/json"},
            data=body,
            timeout=10.0,
            max_bytes=64_000,
            allow_private=_allow_private(),
        )
    except (safe_http.FetchFailed, safe_http.FetchRefused) as exc:
        raise NotificationFailed(f"mention webhook not delivered: {exc}") from exc
    if not 200 <= got.status < 300:
        raise NotificationFailed(f"mention webhook answered {got.status}")
    return True
