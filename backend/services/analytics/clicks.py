"""Click counts: closed days from the rollups, the rest from raw clicks (one query)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import ColumnElement, Select, distinct, func, select, union_all

from backend.extensions import db
from backend.models import Click, ClickDailyAggregate, ClickWeeklyAggregate, TrackedLink
from backend.services.analytics.query import CLICK, Filters, Period, Query
from backend.services.analytics.rollups import day_start, ensure_rolled_up
from backend.services.analytics.sql import utc_date, utc_day


def unique_clicks_expr() -> ColumnElement[int]:
    """Distinct (UTC day, link, visitor hash) among human clicks: the sum of each link's daily
    unique visitors. Clicks without a hash are not counted as unique."""
    key = (
        utc_day(Click.created_at)
        + ":"
        + sa.cast(Click.link_id, sa.String)
        + ":"
        + Click.visitor_hash
    )
    human_visitor = sa.and_(Click.is_bot == sa.false(), Click.visitor_hash != "")
    return func.count(distinct(sa.case((human_visitor, key), else_=None)))


# --- clicks: rollups for closed days, raw rows for the rest --------------------------------------


def day_floor(moment: dt.datetime) -> dt.datetime:
    return day_start(moment.astimezone(dt.UTC).date())


def _links_of(employee_id: int) -> Any:
    return select(TrackedLink.id).where(TrackedLink.employee_id == employee_id).scalar_subquery()


def _raw_counts(
    start: dt.datetime, end: dt.datetime, per_link: bool, per_day: bool, employee_id: int | None
) -> Select[Any]:
    """Raw clicks in [start, end) counted as the rollup counts them: per link and UTC day.

    Unique visitors are distinct per (day, link), so a range over more than one day is grouped
    by day too; each group's count is exact and groups add up. ``per_link``/``per_day``: keep
    the link_id/day columns.
    """
    day = utc_date(Click.created_at)
    is_bot = Click.is_bot == sa.true()
    visitor = sa.case(
        (sa.and_(Click.is_bot == sa.false(), Click.visitor_hash != ""), Click.visitor_hash),
        else_=None,
    )
    cols: list[Any] = []
    if per_link:
        cols.append(Click.link_id.label("link_id"))
    if per_day:
        cols.append(day.label("day"))
    cols += [
        func.sum(sa.case((is_bot, 0), else_=1)).label("clicks"),
        func.count(distinct(visitor)).label("uniq"),
        func.sum(sa.case((is_bot, 1), else_=0)).label("bots"),
    ]
    one_day = end <= day_floor(start) + dt.timedelta(days=1)
    group: list[Any] = [Click.link_id] if one_day and not per_day else [Click.link_id, day]
    stmt = select(*cols).where(Click.created_at >= start, Click.created_at < end)
    if employee_id is not None:
        # "+ 0": read the time range, not the links' whole history through the link_id index
        # (which SQLite prefers, and which grows with the history).
        stmt = stmt.where((Click.link_id + 0).in_(_links_of(employee_id)))
    return stmt.group_by(*group)


def _rolled_counts(
    table: type[ClickDailyAggregate] | type[ClickWeeklyAggregate],
    lo: dt.date,
    hi: dt.date,
    per_link: bool,
    per_day: bool,
    employee_id: int | None,
) -> Select[Any]:
    """Rollup rows of [lo, hi) (days, or weeks by their Monday) with ``_raw_counts``' columns.

    Without ``per_link`` the rows are summed here already (per day or week with ``per_day``),
    along the covering index.
    """
    bucket = table.day if table is ClickDailyAggregate else table.week
    values: tuple[Any, ...] = (
        table.clicks - table.bot_clicks,
        table.unique_visitors,
        table.bot_clicks,
    )
    if not per_link:
        values = (func.sum(values[0]), func.sum(values[1]), func.sum(values[2]))
    cols: list[Any] = []
    if per_link:
        cols.append(table.link_id.label("link_id"))
    if per_day:
        cols.append(bucket.label("day"))
    cols += [values[0].label("clicks"), values[1].label("uniq"), values[2].label("bots")]
    stmt = select(*cols).where(bucket >= lo, bucket < hi)
    if employee_id is not None:  # one person's few links: read them through link_id
        stmt = stmt.where(table.link_id.in_(_links_of(employee_id)))
    if per_day and not per_link:
        stmt = stmt.group_by(bucket)
    return stmt


def _click_source(q: Query) -> Any:
    """One subquery of click counts (per link, per day as needed) covering ``q.period`` exactly.

    Whole UTC days before the rollup's ``through`` day come from the rollups: whole ISO weeks
    from ``click_weekly_aggregates`` (unless the report is per day), the other days from
    ``click_daily_aggregates``; the partial first and last days and today come from ``clicks``,
    counted per link and day as the rollup does. The lazy rollup runs first, so every click
    recorded before the report is either rolled up or read raw (see rollups.py).
    """
    per_link = q.needs_link()
    per_day = q.by in ("day", "week")
    start, end = q.period.start, q.period.end
    state = ensure_rolled_up()
    d0 = day_floor(start)
    if d0 < start:
        d0 += dt.timedelta(days=1)
    d1 = day_floor(end)
    if state.through is not None:
        d1 = min(d1, day_start(state.through))
    parts: list[Select[Any]] = []
    if state.through is None or d0 >= d1:
        parts.append(_raw_counts(start, end, per_link, per_day, q.employee_id))
    else:
        if start < d0:
            parts.append(_raw_counts(start, d0, per_link, per_day, q.employee_id))
        if d1 < end:
            parts.append(_raw_counts(d1, end, per_link, per_day, q.employee_id))
        days = [(d0.date(), d1.date())]
        if q.by != "day":
            w0, w1 = d0.date(), d1.date()
            w0 += dt.timedelta(days=-w0.weekday() % 7)  # the first Monday on or after d0
            w1 -= dt.timedelta(days=w1.weekday())  # the last Monday on or before d1
            if w0 < w1:
                parts.append(
                    _rolled_counts(ClickWeeklyAggregate, w0, w1, per_link, per_day, q.employee_id)
                )
                days = [(d0.date(), w0), (w1, d1.date())]
        for lo, hi in days:
            if lo < hi:
                parts.append(
                    _rolled_counts(ClickDailyAggregate, lo, hi, per_link, per_day, q.employee_id)
                )
    rows = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("click_rows")
    if per_day or not per_link:
        return rows
    # Sum per link first, then join the (far fewer) link rows to their dimensions.
    return (
        select(
            rows.c.link_id,
            func.sum(rows.c.clicks).label("clicks"),
            func.sum(rows.c.uniq).label("uniq"),
            func.sum(rows.c.bots).label("bots"),
        )
        .group_by(rows.c.link_id)
        .subquery("per_link")
    )


def click_measures(q: Query) -> dict[Any, dict[str, Any]]:
    """Per key of ``q.by`` (one key None without ``by``): human clicks, unique clicks, bot clicks.

    One query over the rollups and the raw clicks (see ``_click_source``); the numbers equal
    those computed from raw clicks alone, which is what ``ANALYTICS_ROLLUPS = False`` reads.
    Every click falls under exactly one key, so the keys add up to the totals.
    """
    out: dict[Any, dict[str, Any]] = {}
    if q.by is None:
        out[None] = {"label": None, "clicks": 0, "unique_clicks": 0, "bot_clicks": 0}
    cols: tuple[ColumnElement[Any], ...]
    if current_app.config.get("ANALYTICS_ROLLUPS", True):
        src = _click_source(q)
        q = replace(q, per_link=src)
        cols = (func.sum(src.c.clicks), func.sum(src.c.uniq), func.sum(src.c.bots))
    else:
        is_bot = Click.is_bot == sa.true()
        cols = (
            func.sum(sa.case((is_bot, 0), else_=1)),
            unique_clicks_expr(),
            func.sum(sa.case((is_bot, 1), else_=0)),
        )
    stmt = q.select(cols[0].label("clicks"), cols[1].label("uniq"), cols[2].label("bots"))
    for r in db.session.execute(stmt):
        key, label = (r.key, r.label) if q.by is not None else (None, None)
        slot = out.setdefault(
            key, {"label": label, "clicks": 0, "unique_clicks": 0, "bot_clicks": 0}
        )
        slot["clicks"] += int(r.clicks or 0)
        slot["unique_clicks"] += int(r.uniq or 0)
        slot["bot_clicks"] += int(r.bots or 0)
    return out


def click_totals(measures: dict[Any, dict[str, Any]]) -> dict[str, int]:
    """The period's totals from ``click_measures`` rows (each click is under one key)."""
    return {
        m: sum(v[m] for v in measures.values()) for m in ("clicks", "unique_clicks", "bot_clicks")
    }


def click_counts(q: Query) -> dict[Any, dict[str, Any]]:
    """Human clicks and unique clicks per key of ``q.by`` (keys with human clicks only)."""
    return human_clicks(click_measures(q))


def human_clicks(measures: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {
        k: {"label": v["label"], "clicks": v["clicks"], "unique_clicks": v["unique_clicks"]}
        for k, v in measures.items()
        if v["clicks"]
    }


def totals_clicks(
    period: Period, filters: Filters, employee_id: int | None = None
) -> dict[str, int]:
    """Human clicks, unique clicks and bot clicks of the period."""
    t = click_measures(Query(CLICK, period, filters, employee_id=employee_id))[None]
    return {k: t[k] for k in ("clicks", "unique_clicks", "bot_clicks")}


def click_people(q: Query) -> dict[str, int]:
    """Per key of ``q.by``: the distinct employees whose links got human clicks in the period
    (the people behind a traffic figure; works-council mode checks the group size against it)."""
    if current_app.config.get("ANALYTICS_ROLLUPS", True):
        src = _click_source(replace(q, employee_id=None))
        q = replace(q, per_link=src)
        if "link_id" not in src.c:  # a source without links cannot name people: none behind
            return {}
        person = sa.case((src.c.clicks > 0, TrackedLink.employee_id), else_=None)
    else:
        person = sa.case((Click.is_bot == sa.false(), TrackedLink.employee_id), else_=None)
    stmt = q.select(func.count(distinct(person)).label("people"))
    return {str(r.key): int(r.people or 0) for r in db.session.execute(stmt)}
