"""Webhook delivery as the worker runs it: the task queue's periodic ``deliver_webhooks``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backend import tasks
from backend.extensions import db
from backend.models import WebhookDelivery
from tests.services.webhooks.test_webhooks import hook, shared  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("hook")


def test_the_periodic_task_delivers_what_is_due(
    monkeypatch: pytest.MonkeyPatch,
    receiver: Any,
    shared: Any,  # noqa: F811
) -> None:
    monkeypatch.setattr(tasks, "WEBHOOK_PASS_S", 0.0)  # one pass, not a minute of polling
    shared()
    tasks.deliver_webhooks.call_local()
    assert len(receiver.requests) == 1
    row = db.session.scalars(select(WebhookDelivery)).one()
    db.session.refresh(row)
    assert row.status == "delivered" and row.attempts == 1
    # Nothing due: a second pass sends nothing more.
    tasks.deliver_webhooks.call_local()
    assert len(receiver.requests) == 1
