"""Queue tasks of issue #15, kept beside ``backend.tasks`` (which owns the queue and the jobs):
feed subscriptions polled every 30 minutes, and mention notifications (e-mail and chat webhook)
sent as separate tasks with retries. Registered on the one Huey instance when ``create_app``
imports this module."""

from __future__ import annotations

import logging

from huey import crontab

from backend.extensions import db
from backend.task_queue import context_app as _context_app
from backend.task_queue import huey

log = logging.getLogger("herald.tasks")

RETRIES = 5
RETRY_DELAY_S = 60


@huey.periodic_task(crontab(minute="*/30"))
@huey.lock_task("herald-feeds")
def poll_feeds() -> None:
    from backend.services import feed_subscriptions

    with _context_app().app_context():
        try:
            result = feed_subscriptions.poll_all()
            if result:
                log.info("feeds polled: %s", result)
        finally:
            db.session.remove()


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_S)
def mention_email(mention_id: int) -> None:
    from backend.services import mention_notifications

    with _context_app().app_context():
        try:
            mention_notifications.send_email(mention_id)
        finally:
            db.session.remove()


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_S)
def mention_webhook(mention_id: int) -> None:
    from backend.services import mention_notifications

    with _context_app().app_context():
        try:
            mention_notifications.post_webhook(mention_id)
        finally:
            db.session.remove()


def notify_mention(mention_id: int) -> None:
    """Queue both notifications of a newly flagged mention (after its commit)."""
    mention_email(mention_id)
    mention_webhook(mention_id)
