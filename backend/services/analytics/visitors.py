"""Unique visitors: distinct people who clicked over a whole period (issue #15).

``unique_clicks`` (traffic, points) counts distinct visitors per link and UTC day and adds the days
and links up: one reader who clicks five links on three days counts up to fifteen times. "Unique
visitors" counts that reader once per period: distinct ``clicks.visitor_id`` (a salted hash of
address and browser without the day, ``services.clicks.visitor_id``) among the period's human
clicks. Clicks stored before ``visitor_id`` existed (``""``) fall back to their daily hash, so
for those days the figure is the old per-day count. Read from raw clicks (rollups keep per-day
counts only, which cannot be combined into distinct visitors); retention
(``CLICK_RETENTION_MONTHS``) bounds how far back it reaches.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import distinct, func

from backend.extensions import db
from backend.models import Click
from backend.services.analytics.query import CLICK, Filters, Period, Query


def unique_visitors(period: Period, filters: Filters, employee_id: int | None = None) -> int:
    """Distinct human visitors over the period, across all (filtered) links."""
    visitor = sa.case(
        (Click.visitor_id != "", Click.visitor_id),
        (Click.visitor_hash != "", Click.visitor_hash),
        else_=None,
    )
    human = sa.case((Click.is_bot == sa.false(), visitor), else_=None)
    q = Query(CLICK, period, filters, employee_id=employee_id)
    stmt = q.select(func.count(distinct(human)), grouped=False)
    return int(db.session.scalar(stmt) or 0)
