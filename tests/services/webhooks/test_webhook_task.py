"""Webhook delivery as the worker runs it: the commit queues one ``deliver_webhook`` task per
delivery, which re-schedules itself by the delivery schedule while the receiver fails, and the
periodic ``deliver_webhooks`` sweep sends what is due (the delivery schedule is docs/tracking.md's).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from backend import tasks
from backend.extensions import db
from backend.models import WebhookDelivery
from tests.services.webhooks.test_webhooks import hook, shared  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("hook")


@pytest.fixture
def real_queue(app: Flask) -> Iterator[None]:
    """A queue (Huey's memory storage) instead of immediate mode: commits queue tasks."""
    tasks.configure("memory://")
    try:
        yield
    finally:
        tasks.configure(tasks.queue_url(app))


def _queued(name: str) -> int:
    return sum(1 for t in tasks.huey.pending() if t.name == name)


def _delivery() -> WebhookDelivery:
    db.session.expire_all()
    return db.session.scalars(select(WebhookDelivery)).one()


def test_the_periodic_sweep_delivers_what_is_due(receiver: Any, shared: Any) -> None:  # noqa: F811
    shared()
    tasks.deliver_webhooks.call_local()
    assert len(receiver.requests) == 1
    row = _delivery()
    assert row.status == "delivered" and row.attempts == 1
    # Nothing due: a second pass sends nothing more.
    tasks.deliver_webhooks.call_local()
    assert len(receiver.requests) == 1


def test_a_share_queues_its_delivery_and_a_consumer_sends_it(
    real_queue: None,
    receiver: Any,
    shared: Any,  # noqa: F811
) -> None:
    shared()
    # The commit queued the delivery's task (and the new article's embedding); nothing was sent
    # inside the request.
    assert _queued("deliver_webhook") == 1 and receiver.requests == []
    consumer = tasks.start_consumer_threads()  # a real Huey consumer, in threads
    try:
        deadline = time.monotonic() + 20
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)
    assert len(receiver.requests) == 1
    deadline = time.monotonic() + 5
    while _delivery().status != "delivered" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _delivery().status == "delivered" and _delivery().attempts == 1


def test_a_failed_attempt_is_retried_when_the_schedule_says(
    real_queue: None,
    receiver: Any,
    shared: Any,  # noqa: F811
) -> None:
    receiver.statuses = [500]
    shared()
    (task,) = [t for t in tasks.huey.pending() if t.name == "deliver_webhook"]
    tasks.huey.execute(task)  # attempt 0: the receiver answers 500
    assert len(receiver.requests) == 1
    row = _delivery()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 500")
    # The task put itself on the queue's schedule for attempt 1, due 30 s after the event.
    (retry,) = tasks.huey.scheduled()
    assert tasks.huey.read_schedule(retry.eta) == [retry]  # what the consumer's scheduler does
    due = row.created_at + dt.timedelta(seconds=30)
    assert abs((retry.eta.replace(tzinfo=dt.UTC) - due).total_seconds()) < 3
    # Run early (Huey is told it is due; the row says it is not), it sends nothing and waits
    # again; once the row says it is due, it delivers and schedules nothing more.
    tasks.huey.execute(retry, timestamp=retry.eta)
    assert len(receiver.requests) == 1
    (again,) = tasks.huey.scheduled()
    assert tasks.huey.read_schedule(again.eta) == [again]
    assert abs((again.eta.replace(tzinfo=dt.UTC) - due).total_seconds()) < 3
    row = _delivery()
    row.created_at = row.created_at - dt.timedelta(seconds=60)
    db.session.commit()
    tasks.huey.execute(again, timestamp=again.eta)
    assert len(receiver.requests) == 2
    assert _delivery().status == "delivered" and _delivery().attempts == 2
    assert tasks.huey.scheduled() == []
