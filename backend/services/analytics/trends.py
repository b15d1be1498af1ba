"""Trends on the overview (issue #15): the period's headline numbers beside the same-length
period just before it, and the daily series of both for a chart.

The previous period of [start, end) is [start - (end - start), start): a 30-day view compares
with the 30 days before it. Each metric is computed by the same report as the overview, so a
delta is exactly "this overview minus the previous period's overview"; ``change_pct`` is null
when the previous value is 0 (no honest percentage). Works-council mode applies as in the
overview (the reports check the team filter themselves).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.schemas.analytics import MetricDelta, Overview, TrendPoint, Trends
from backend.services.analytics.overview import overview
from backend.services.analytics.query import Filters, Period
from backend.services.analytics.reports import shares, traffic
from backend.services.analytics.visitors import unique_visitors

TREND_METRICS = (
    "shares",
    "clicks",
    "unique_visitors",
    "potential_reach",
    "reactions",
    "leads",
    "sales",
    "participation_rate",
)


def previous_period(period: Period) -> Period:
    """The same length immediately before ``period``."""
    length = period.end - period.start
    return Period(period.start - length, period.start)


def delta(metric: str, current: float | None, previous: float | None) -> MetricDelta:
    cur, prev = current or 0, previous or 0
    change = round(cur - prev, 1)
    pct = round(100.0 * (cur - prev) / prev, 1) if prev else None
    return MetricDelta(
        metric=metric, current=current, previous=previous, change=change, change_pct=pct
    )


def _daily(period: Period, filters: Filters) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in traffic(period, filters, "day", 1000).rows:
        out.setdefault(str(row["key"]), {})["clicks"] = int(row.get("clicks") or 0)
    for row in shares(period, filters, "day", 1000).rows:
        out.setdefault(str(row["key"]), {})["shares"] = int(row.get("shares") or 0)
    return out


def _days(period: Period) -> list[dt.date]:
    first = period.start.astimezone(dt.UTC).date()
    last = (period.end - dt.timedelta(microseconds=1)).astimezone(dt.UTC).date()
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def trends(period: Period, filters: Filters, current: Overview | None = None) -> Trends:
    """Headline deltas against the previous period, and per-day clicks and shares of both
    (the previous period's day ``i`` beside this period's day ``i``). ``current``: this period's
    overview when the caller has it already (the console's overview page)."""
    prev = previous_period(period)
    now_ov = current if current is not None else overview(period, filters)
    prev_ov = overview(prev, filters)
    values: dict[str, tuple[Any, Any]] = {
        m: (getattr(now_ov, m), getattr(prev_ov, m))
        for m in TREND_METRICS
        if m != "unique_visitors"
    }
    values["unique_visitors"] = (now_ov.unique_visitors, prev_ov.unique_visitors)
    cur_days, prev_days = _days(period), _days(prev)
    cur_daily, prev_daily = _daily(period, filters), _daily(prev, filters)
    points = []
    for i, day in enumerate(cur_days):
        before = prev_days[i].isoformat() if i < len(prev_days) else None
        now_row = cur_daily.get(day.isoformat(), {})
        prev_row = prev_daily.get(before, {}) if before else {}
        points.append(
            TrendPoint(
                day=day.isoformat(),
                previous_day=before,
                clicks=now_row.get("clicks", 0),
                shares=now_row.get("shares", 0),
                previous_clicks=prev_row.get("clicks", 0),
                previous_shares=prev_row.get("shares", 0),
            )
        )
    return Trends(
        period=period.out(),
        previous_period=prev.out(),
        filters=filters.out(),
        deltas=[delta(m, *values[m]) for m in TREND_METRICS],
        series=points,
    )


__all__ = ["TREND_METRICS", "delta", "previous_period", "trends", "unique_visitors"]
