"""Started vs confirmed shares of a period (issue #15): what the console shows beside "Shares".

"Shares" everywhere counts confirmed shares only (``query.SHARE``); this counts the shares of
the same period and filters that are still waiting for the post or a click (``STARTED_SHARE``).
"""

from __future__ import annotations

from sqlalchemy import func

from backend.extensions import db
from backend.models import Share
from backend.services.analytics.query import STARTED_SHARE, Filters, Period, Query


def started_shares(period: Period, filters: Filters, employee_id: int | None = None) -> int:
    """Shares made in the period (first of their day) that are not confirmed yet."""
    q = Query(STARTED_SHARE, period, filters, employee_id=employee_id)
    return int(db.session.scalar(q.select(func.count(Share.id), grouped=False)) or 0)
