"""Requests for background work from code that ``backend.tasks`` itself runs.

A service that wants work done on the worker (the co-engagement refit a suggestion found stale)
cannot import ``backend.tasks``, which imports the services it runs. ``backend.tasks`` registers
one enqueue function per kind of request here when it is imported (``create_app`` imports it);
services call ``request(name)``. Each registered function coalesces: asking again while a request
is still waiting on the queue adds nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger("herald.tasks")

_handlers: dict[str, Callable[[], bool]] = {}


def register(name: str, enqueue: Callable[[], bool]) -> None:
    _handlers[name] = enqueue


def request(name: str) -> bool:
    """Ask the worker for ``name``; True when a task was queued (or ran, in immediate mode).

    Never raises: a queue that cannot be reached is logged, and the caller serves what it has.
    """
    enqueue = _handlers.get(name)
    if enqueue is None:
        log.warning("no task registered for %r (backend.tasks not imported)", name)
        return False
    try:
        return enqueue()
    except Exception:  # noqa: BLE001 - a request must not fail because the queue is down
        log.exception("could not queue %s", name)
        return False
