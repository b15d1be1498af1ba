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
from backend.i18n import LANGUAGES, in_language, translate
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


def content_team() -> dict[str, list[str]]:
    """Active content and admin users' addresses by their console language."""
    out: dict[str, list[str]] = {}
    for email, lang in db.session.execute(
        select(Employee.email, Employee.ui_language)
        .where(
            Employee.access_role.in_(CONTENT_ROLES),
            Employee.is_active.is_(True),
            Employee.email != "",
        )
        .order_by(Employee.id)
    ):
        out.setdefault(lang if lang in LANGUAGES else "en", []).append(email)
    return out


def send_email(mention_id: int) -> int:
    """E-mail the content team; returns how many were sent (0 without SMTP or recipients)."""
    cfg = current_app.config
    mention = db.session.get(Mention, mention_id)
    if mention is None or not cfg.get("SMTP_HOST") or not settings().email:
        return 0
    team = content_team()
    if not team:
        return 0
    company = str(cfg["COMPANY_NAME"])
    messages = []
    for lang, to in team.items():  # one message per language, in the readers' console language
        msg = EmailMessage()
        with in_language(lang):
            msg["Subject"] = translate("notify.mail.subject", company=company)
            snippet = f"“{mention.snippet}”\n" if mention.snippet else ""
            msg.set_content(translate("notify.mail.body", snippet=snippet, url=mention.url))
        msg["From"] = formataddr((company, str(cfg["SMTP_FROM"])))
        msg["To"] = ", ".join(to)
        msg["Message-ID"] = make_msgid(domain=str(cfg["SMTP_FROM"]).rpartition("@")[2] or None)
        msg["Content-Language"] = lang
        messages.append(msg)
    try:
        with smtplib.SMTP(str(cfg["SMTP_HOST"]), int(cfg["SMTP_PORT"]), timeout=10) as conn:
            for msg in messages:
                conn.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise NotificationFailed(f"mention e-mail not sent: {exc}") from exc
    return sum(len(to) for to in team.values())


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
