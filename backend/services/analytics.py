"""Analytics over clicks, shares, engagements, conversions and profile snapshots.

Every number is computed by aggregate SQL (GROUP BY in the database); Python only merges the
aggregated rows. Day and week buckets are UTC and rendered as ``YYYY-MM-DD`` strings by
dialect-aware SQL (``utc_day``/``utc_week``) so SQLite and PostgreSQL give the same answer.
See docs/analytics.md for the definition of each metric.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import ColumnElement, Select, distinct, func, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from backend.errors import ValidationFailed
from backend.extensions import db
from backend.models import (
    Article,
    Campaign,
    Click,
    ClickDailyAggregate,
    ClickWeeklyAggregate,
    Conversion,
    Employee,
    ProfileSnapshot,
    Share,
    ShareEngagement,
    TrackedLink,
    utcnow,
)
from backend.schemas.analytics import (
    Ambassador,
    AmbassadorReport,
    EmvOut,
    EmvSettings,
    FiltersOut,
    Overview,
    ParticipationReport,
    PeriodOut,
    Report,
    TeamParticipation,
    TopArticle,
    ValueByCurrency,
    WeekParticipation,
)
from backend.services import rollups, settings_store

DEFAULT_DAYS = 30
MAX_DAYS = 731
EMV_SETTING = "analytics.emv"
ALWAYS_ON = "always-on"

# --- dialect-aware date buckets ----------------------------------------------------------------


class utc_day(FunctionElement[str]):  # noqa: N801 - SQL function style
    """The UTC calendar day of a timestamp as 'YYYY-MM-DD'."""

    type = sa.String()
    inherit_cache = True


class utc_week(FunctionElement[str]):  # noqa: N801
    """The Monday starting the (ISO) UTC week of a timestamp as 'YYYY-MM-DD'."""

    type = sa.String()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_default(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores naive UTC 'YYYY-MM-DD HH:MM:SS.ffffff'.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_week)
def _utc_week_default(element: utc_week, compiler: SQLCompiler, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"to_char(date_trunc('week', ({inner}) AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


@compiles(utc_week, "sqlite")
def _utc_week_sqlite(element: utc_week, compiler: SQLCompiler, **kw: Any) -> str:
    # 'weekday 0' moves forward to Sunday (or stays), -6 days lands on that week's Monday.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


class date_day(FunctionElement[str]):  # noqa: N801
    """A DATE column as 'YYYY-MM-DD'."""

    type = sa.String()
    inherit_cache = True


class date_week(FunctionElement[str]):  # noqa: N801
    """The Monday starting the ISO week of a DATE column as 'YYYY-MM-DD'."""

    type = sa.String()
    inherit_cache = True


@compiles(date_day)
def _date_day_default(element: date_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


@compiles(date_day, "sqlite")
def _date_day_sqlite(element: date_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)})"  # stored as 'YYYY-MM-DD'


@compiles(date_week)
def _date_week_default(element: date_week, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(date_trunc('week', {compiler.process(element.clauses, **kw)}), 'YYYY-MM-DD')"


@compiles(date_week, "sqlite")
def _date_week_sqlite(element: date_week, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


class utc_date(FunctionElement[dt.date]):  # noqa: N801
    """The UTC calendar day of a timestamp as a DATE (on SQLite its 'YYYY-MM-DD' text), so that
    raw clicks and the rollup rows share one day column."""

    type = sa.Date()
    inherit_cache = True


@compiles(utc_date)
def _utc_date_default(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' AS DATE)"


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


def week_start(moment: dt.datetime) -> dt.datetime:
    """Monday 00:00 UTC of the week holding ``moment``."""
    day = moment.astimezone(dt.UTC).date()
    monday = day - dt.timedelta(days=day.weekday())
    return dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC)


# --- period and filters ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime

    def out(self) -> PeriodOut:
        return PeriodOut(start=self.start, end=self.end)


@dataclass(frozen=True)
class Filters:
    department: str | None = None
    team: str | None = None
    campaign_id: int | None = None

    def out(self) -> FiltersOut:
        return FiltersOut(department=self.department, team=self.team, campaign=self.campaign_id)


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def resolve_period(
    start: dt.datetime | None,
    end: dt.datetime | None,
    *,
    default_days: int = DEFAULT_DAYS,
    now: dt.datetime | None = None,
) -> Period:
    """[start, end) in UTC; naive values are read as UTC; default: the last ``default_days``."""
    end_ = _aware(end) if end is not None else (now or utcnow())
    start_ = _aware(start) if start is not None else end_ - dt.timedelta(days=default_days)
    if start_ >= end_:
        raise ValidationFailed(
            "start must be before end",
            details=[{"field": "start", "message": "start must be before end", "type": "range"}],
        )
    if end_ - start_ > dt.timedelta(days=MAX_DAYS):
        raise ValidationFailed(
            f"the period may span at most {MAX_DAYS} days",
            details=[{"field": "start", "message": "period too long", "type": "range"}],
        )
    return Period(start_, end_)


# --- facts and dimensions ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Fact:
    """How one fact table reaches the employee, article, campaign and its timestamp."""

    name: str
    time_col: Any
    employee_col: Any
    article_col: Any
    campaign_col: Any  # None: through the article


CLICK = _Fact("click", Click.created_at, TrackedLink.employee_id, TrackedLink.article_id, None)
SHARE = _Fact("share", Share.created_at, Share.employee_id, Share.article_id, None)
CONVERSION = _Fact(
    "conversion",
    Conversion.occurred_at,
    Conversion.employee_id,
    Conversion.article_id,
    Conversion.campaign_id,
)


def _base(fact: _Fact, *cols: Any) -> Select[Any]:
    if fact is CLICK:
        return select(*cols).select_from(Click).join(TrackedLink, TrackedLink.id == Click.link_id)
    if fact is SHARE:
        return select(*cols).select_from(Share)
    return select(*cols).select_from(Conversion)


@dataclass
class _Query:
    """A select on one fact with the joins that its filters and dimension need."""

    fact: _Fact
    period: Period
    filters: Filters
    by: str | None = None
    employee_id: int | None = None
    # Click counts per link (a subquery with link_id and, for by=day/week, day columns) to read
    # instead of the clicks table; it already holds the period (see ``_click_source``).
    per_link: Any = None

    def campaign_col(self) -> Any:
        return self.fact.campaign_col if self.fact.campaign_col is not None else Article.campaign_id

    def dimension(self) -> tuple[Any, Any]:
        """(key, label) expressions for ``by``."""
        f = self.fact
        match self.by:
            case "day":
                d = (
                    date_day(self.per_link.c.day)
                    if self.per_link is not None
                    else utc_day(f.time_col)
                )
                return d, d
            case "week":
                w = (
                    date_week(self.per_link.c.day)
                    if self.per_link is not None
                    else utc_week(f.time_col)
                )
                return w, w
            case "article":
                return f.article_col, Article.title
            case "landing_page":
                return Article.canonical_url, Article.canonical_url
            case "campaign":
                return self.campaign_col(), Campaign.name
            case "employee":
                return f.employee_col, Employee.name
            case "team":
                return Employee.team, Employee.team
            case "department":
                return Employee.department, Employee.department
            case "network":
                col = Share.network if f is SHARE else TrackedLink.network
                return col, col
        raise ValueError(f"unknown dimension {self.by!r}")

    def needs(self) -> set[str]:
        need: set[str] = set()
        if self.filters.department is not None or self.filters.team is not None:
            need.add("employee")
        if self.by in ("employee", "team", "department"):
            need.add("employee")
        if self.by in ("article", "landing_page"):
            need.add("article")
        if self.by == "campaign":
            need.add("campaign")
            if self.fact.campaign_col is None:
                need.add("article")
        if self.filters.campaign_id is not None and self.fact.campaign_col is None:
            need.add("article")
        return need

    def needs_link(self) -> bool:
        """Whether clicks must be joined to their tracked link (every dimension but time)."""
        return (
            self.by not in (None, "day", "week")
            or self.employee_id is not None
            or bool(self.needs())
        )

    def select(self, *cols: Any, grouped: bool = True) -> Select[Any]:
        dims: tuple[Any, ...] = ()
        if self.by is not None:
            dims = self.dimension()
            cols = (dims[0].label("key"), dims[1].label("label"), *cols)
        if self.per_link is not None:
            src = self.per_link
            stmt = select(*cols).select_from(src)
            if self.needs_link():
                stmt = stmt.join(TrackedLink, TrackedLink.id == src.c.link_id)
        else:
            stmt = _base(self.fact, *cols)
        need = self.needs()
        if "article" in need:
            stmt = stmt.outerjoin(Article, Article.id == self.fact.article_col)
        if "campaign" in need:
            stmt = stmt.outerjoin(Campaign, Campaign.id == self.campaign_col())
        if "employee" in need:
            stmt = stmt.outerjoin(Employee, Employee.id == self.fact.employee_col)
        if self.per_link is None:  # the per-link subquery holds the period
            stmt = stmt.where(
                self.fact.time_col >= self.period.start, self.fact.time_col < self.period.end
            )
        if self.filters.department is not None:
            stmt = stmt.where(Employee.department == self.filters.department)
        if self.filters.team is not None:
            stmt = stmt.where(Employee.team == self.filters.team)
        if self.filters.campaign_id is not None:
            stmt = stmt.where(self.campaign_col() == self.filters.campaign_id)
        if self.employee_id is not None:
            stmt = stmt.where(self.fact.employee_col == self.employee_id)
        if grouped and dims:
            stmt = stmt.group_by(*dims)
        return stmt


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


def _day_floor(moment: dt.datetime) -> dt.datetime:
    return rollups.day_start(moment.astimezone(dt.UTC).date())


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
    one_day = end <= _day_floor(start) + dt.timedelta(days=1)
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


def _click_source(q: _Query) -> Any:
    """One subquery of click counts (per link, per day as needed) covering ``q.period`` exactly.

    Whole UTC days before the rollup's ``through`` day come from the rollups: whole ISO weeks
    from ``click_weekly_aggregates`` (unless the report is per day), the other days from
    ``click_daily_aggregates``; the partial first and last days and today come from ``clicks``,
    counted per link and day as the rollup does. The lazy rollup runs first, so every click
    recorded before the report is either rolled up or read raw (see backend/services/rollups.py).
    """
    per_link = q.needs_link()
    per_day = q.by in ("day", "week")
    start, end = q.period.start, q.period.end
    state = rollups.ensure_rolled_up()
    d0 = _day_floor(start)
    if d0 < start:
        d0 += dt.timedelta(days=1)
    d1 = _day_floor(end)
    if state.through is not None:
        d1 = min(d1, rollups.day_start(state.through))
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


def click_measures(q: _Query) -> dict[Any, dict[str, Any]]:
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


def _click_totals(measures: dict[Any, dict[str, Any]]) -> dict[str, int]:
    """The period's totals from ``click_measures`` rows (each click is under one key)."""
    return {
        m: sum(v[m] for v in measures.values()) for m in ("clicks", "unique_clicks", "bot_clicks")
    }


def latest_engagement(before: dt.datetime | None = None) -> Any:
    """Subquery: the latest ShareEngagement per share (observed before ``before``)."""
    rn = (
        func.row_number()
        .over(
            partition_by=ShareEngagement.share_id,
            order_by=(ShareEngagement.observed_at.desc(), ShareEngagement.id.desc()),
        )
        .label("rn")
    )
    inner = select(
        ShareEngagement.share_id,
        ShareEngagement.reactions,
        ShareEngagement.comments,
        ShareEngagement.reposts,
        rn,
    )
    if before is not None:
        inner = inner.where(ShareEngagement.observed_at < before)
    sub = inner.subquery()
    return (
        select(sub.c.share_id, sub.c.reactions, sub.c.comments, sub.c.reposts)
        .where(sub.c.rn == 1)
        .subquery("latest_engagement")
    )


# --- aggregate building blocks (also used by campaigns, program and digest) --------------------


def click_counts(q: _Query) -> dict[Any, dict[str, Any]]:
    """Human clicks and unique clicks per key of ``q.by`` (keys with human clicks only)."""
    return _human(click_measures(q))


def _human(measures: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {
        k: {"label": v["label"], "clicks": v["clicks"], "unique_clicks": v["unique_clicks"]}
        for k, v in measures.items()
        if v["clicks"]
    }


def share_counts(q: _Query) -> dict[Any, dict[str, Any]]:
    le = latest_engagement(q.period.end)
    stmt = q.select(
        func.count(Share.id).label("shares"),
        func.count(distinct(Share.employee_id)).label("sharers"),
        func.coalesce(func.sum(Share.network_size_at_share), 0).label("reach"),
        func.coalesce(func.sum(le.c.reactions), 0).label("reactions"),
        func.coalesce(func.sum(le.c.comments), 0).label("comments"),
        func.coalesce(func.sum(le.c.reposts), 0).label("reposts"),
    ).outerjoin(le, le.c.share_id == Share.id)
    return {
        r.key: {
            "label": r.label,
            "shares": int(r.shares),
            "sharers": int(r.sharers),
            "potential_reach": int(r.reach),
            "reactions": int(r.reactions),
            "comments": int(r.comments),
            "reposts": int(r.reposts),
        }
        for r in db.session.execute(stmt)
    }


def conversion_rows(q: _Query) -> list[dict[str, Any]]:
    """One row per (key, currency): lead/signup/sale counts and values."""
    is_ = Conversion.type
    stmt = q.select(
        Conversion.currency.label("currency"),
        func.sum(sa.case((is_ == "lead", 1), else_=0)).label("leads"),
        func.sum(sa.case((is_ == "signup", 1), else_=0)).label("signups"),
        func.sum(sa.case((is_ == "sale", 1), else_=0)).label("sales"),
        func.coalesce(func.sum(sa.case((is_ == "sale", Conversion.value), else_=0.0)), 0.0).label(
            "sales_value"
        ),
        func.coalesce(func.sum(Conversion.value), 0.0).label("total_value"),
        grouped=False,
    )
    if q.by is not None:
        key, label = q.dimension()
        stmt = stmt.group_by(key, label, Conversion.currency)
    else:
        stmt = stmt.group_by(Conversion.currency)
    return [
        {
            "key": getattr(r, "key", None),
            "label": getattr(r, "label", None),
            "currency": r.currency,
            "leads": int(r.leads or 0),
            "signups": int(r.signups or 0),
            "sales": int(r.sales or 0),
            "sales_value": round(float(r.sales_value or 0), 2),
            "total_value": round(float(r.total_value or 0), 2),
        }
        for r in db.session.execute(stmt)
    ]


def totals_clicks(
    period: Period, filters: Filters, employee_id: int | None = None
) -> dict[str, int]:
    """Human clicks, unique clicks and bot clicks of the period."""
    t = click_measures(_Query(CLICK, period, filters, employee_id=employee_id))[None]
    return {k: t[k] for k in ("clicks", "unique_clicks", "bot_clicks")}


def totals_shares(
    period: Period, filters: Filters, employee_id: int | None = None
) -> dict[str, int]:
    q = _Query(SHARE, period, filters, employee_id=employee_id, by=None)
    le = latest_engagement(period.end)
    stmt = q.select(
        func.count(Share.id),
        func.count(distinct(Share.employee_id)),
        func.coalesce(func.sum(Share.network_size_at_share), 0),
        func.coalesce(func.sum(le.c.reactions), 0),
        func.coalesce(func.sum(le.c.comments), 0),
        func.coalesce(func.sum(le.c.reposts), 0),
        grouped=False,
    ).outerjoin(le, le.c.share_id == Share.id)
    r = db.session.execute(stmt).one()
    return {
        "shares": int(r[0]),
        "sharers": int(r[1]),
        "potential_reach": int(r[2]),
        "reactions": int(r[3]),
        "comments": int(r[4]),
        "reposts": int(r[5]),
    }


def totals_conversions(
    period: Period, filters: Filters, employee_id: int | None = None
) -> dict[str, Any]:
    rows = conversion_rows(_Query(CONVERSION, period, filters, employee_id=employee_id))
    return {
        "leads": sum(r["leads"] for r in rows),
        "signups": sum(r["signups"] for r in rows),
        "sales": sum(r["sales"] for r in rows),
        "sales_value": [
            ValueByCurrency(currency=r["currency"], sales=r["sales"], value=r["sales_value"])
            for r in sorted(rows, key=lambda r: r["currency"])
            if r["sales"]
        ],
    }


# --- earned-media value ------------------------------------------------------------------------


def emv_settings() -> EmvSettings:
    return settings_store.load_model(EmvSettings, EMV_SETTING)


def update_emv_settings(data: EmvSettings, actor_id: int | None) -> EmvSettings:
    settings_store.store(EMV_SETTING, data.model_dump(), actor_id)
    return data


def earned_media_value(clicks: int, potential_reach: int, reactions: int, s: EmvSettings) -> EmvOut:
    """cpc × clicks + cpm × (potential reach × impressions_per_reach) / 1000 + value × reactions."""
    impressions = potential_reach * s.impressions_per_reach
    c = clicks * s.cpc
    i = s.cpm * impressions / 1000.0
    r = reactions * s.value_per_reaction
    return EmvOut(
        currency=s.currency,
        clicks=round(c, 2),
        impressions=round(i, 2),
        reactions=round(r, 2),
        total=round(c + i + r, 2),
    )


# --- reports -----------------------------------------------------------------------------------


def _report(
    name: str,
    by: str,
    period: Period,
    filters: Filters,
    columns: list[str],
    rows: list[dict[str, Any]],
    totals: dict[str, Any],
    limit: int,
    notes: list[str] | None = None,
) -> Report:
    return Report(
        report=name,
        by=by,
        period=period.out(),
        filters=filters.out(),
        columns=columns,
        totals=totals,
        rows=[{c: r.get(c) for c in columns} for r in rows[:limit]],
        notes=notes or [],
    )


def _sort(rows: list[dict[str, Any]], by: str, metric: str) -> list[dict[str, Any]]:
    if by in ("day", "week"):
        return sorted(rows, key=lambda r: str(r["key"]))
    return sorted(rows, key=lambda r: (-(r.get(metric) or 0), str(r["key"])))


def _label(by: str, key: Any, label: Any) -> Any:
    if by == "campaign" and key is None:
        return ALWAYS_ON
    return label


def traffic(period: Period, filters: Filters, by: str, limit: int) -> Report:
    """Human clicks (bots and link-preview fetches excluded) and unique clicks per ``by``."""
    measures = click_measures(_Query(CLICK, period, filters, by=by))
    rows = [
        {
            "key": k,
            "label": _label(by, k, v["label"]),
            **{m: v[m] for m in ("clicks", "unique_clicks")},
        }
        for k, v in _human(measures).items()
    ]
    ct = _click_totals(measures)
    totals: dict[str, Any] = {"clicks": ct["clicks"], "unique_clicks": ct["unique_clicks"]}
    rows = _sort(rows, by, "clicks")
    return _report(
        "traffic",
        by,
        period,
        filters,
        ["key", "label", "clicks", "unique_clicks"],
        rows,
        totals,
        limit,
        notes=["unique_clicks counts distinct visitors per UTC day; bot clicks are excluded"],
    )


REACH_COLUMNS = [
    "key",
    "label",
    "shares",
    "potential_reach",
    "clicks",
    "unique_clicks",
    "reactions",
    "comments",
    "reposts",
    "emv",
]


def reach(period: Period, filters: Filters, by: str, limit: int) -> Report:
    """Potential reach next to measured clicks and reactions, with the earned-media value."""
    settings = emv_settings()
    shares = share_counts(_Query(SHARE, period, filters, by=by))
    measures = click_measures(_Query(CLICK, period, filters, by=by))
    clicks = _human(measures)
    rows = []
    for key in set(shares) | set(clicks):
        s = shares.get(key, {})
        c = clicks.get(key, {})
        row: dict[str, Any] = {
            "key": key,
            "label": _label(by, key, s.get("label", c.get("label"))),
            "shares": s.get("shares", 0),
            "potential_reach": s.get("potential_reach", 0),
            "clicks": c.get("clicks", 0),
            "unique_clicks": c.get("unique_clicks", 0),
            "reactions": s.get("reactions", 0),
            "comments": s.get("comments", 0),
            "reposts": s.get("reposts", 0),
        }
        row["emv"] = earned_media_value(
            row["clicks"], row["potential_reach"], row["reactions"], settings
        ).total
        rows.append(row)
    st = totals_shares(period, filters)
    ct = _click_totals(measures)
    emv = earned_media_value(ct["clicks"], st["potential_reach"], st["reactions"], settings)
    totals: dict[str, Any] = {
        "shares": st["shares"],
        "potential_reach": st["potential_reach"],
        "clicks": ct["clicks"],
        "unique_clicks": ct["unique_clicks"],
        "reactions": st["reactions"],
        "comments": st["comments"],
        "reposts": st["reposts"],
        "emv": emv.total,
        "emv_currency": settings.currency,
    }
    return _report(
        "reach",
        by,
        period,
        filters,
        REACH_COLUMNS,
        _sort(rows, by, "potential_reach"),
        totals,
        limit,
        notes=[
            "potential_reach is the sum of the sharers' network sizes at share time: an upper "
            "bound, not measured impressions",
            "emv = cpc*clicks + cpm*potential_reach*impressions_per_reach/1000 + "
            "value_per_reaction*reactions (see docs/analytics.md)",
        ],
    )


SHARE_COLUMNS = ["key", "label", "shares", "sharers", "reactions", "comments", "reposts"]


def shares(period: Period, filters: Filters, by: str, limit: int) -> Report:
    """Shares and the latest reaction/comment/repost counts seen on them."""
    counts = share_counts(_Query(SHARE, period, filters, by=by))
    rows = [{"key": k, **v, "label": _label(by, k, v["label"])} for k, v in counts.items()]
    t = totals_shares(period, filters)
    totals: dict[str, Any] = {c: t[c] for c in SHARE_COLUMNS[2:]}
    return _report(
        "shares",
        by,
        period,
        filters,
        SHARE_COLUMNS,
        _sort(rows, by, "shares"),
        totals,
        limit,
        notes=["reactions/comments/reposts are the latest counts seen on each share"],
    )


CONVERSION_COLUMNS = [
    "key",
    "label",
    "currency",
    "leads",
    "signups",
    "sales",
    "sales_value",
    "total_value",
]


def conversions(period: Period, filters: Filters, by: str, limit: int) -> Report:
    """Leads, signups and sales with their value, one row per key and currency."""
    rows = conversion_rows(_Query(CONVERSION, period, filters, by=by))
    for r in rows:
        r["label"] = _label(by, r["key"], r["label"])
    t = totals_conversions(period, filters)
    totals: dict[str, Any] = {"leads": t["leads"], "signups": t["signups"], "sales": t["sales"]}
    for v in t["sales_value"]:
        totals[f"sales_value_{v.currency}"] = v.value
    rows = _sort(rows, by, "sales_value")
    return _report(
        "conversions",
        by,
        period,
        filters,
        CONVERSION_COLUMNS,
        rows,
        totals,
        limit,
        notes=["values are summed per currency and never converted"],
    )


# --- participation -----------------------------------------------------------------------------


def _active_during(start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    """Employees who existed and were not deactivated at some point in [start, end)."""
    return sa.and_(
        Employee.created_at < end,
        sa.or_(Employee.deactivated_at.is_(None), Employee.deactivated_at >= start),
    )


def _employee_filter(filters: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if filters.department is not None:
        conds.append(Employee.department == filters.department)
    if filters.team is not None:
        conds.append(Employee.team == filters.team)
    return conds


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _sharers_stmt(period: Period, filters: Filters, *group: Any) -> Select[Any]:
    """Distinct active sharers in the period (campaign filter = shares of its articles)."""
    stmt = (
        select(*group, func.count(distinct(Share.employee_id)))
        .select_from(Share)
        .join(Employee, Employee.id == Share.employee_id)
        .where(
            Share.created_at >= period.start,
            Share.created_at < period.end,
            _active_during(period.start, period.end),
            *_employee_filter(filters),
        )
    )
    if filters.campaign_id is not None:
        stmt = stmt.join(Article, Article.id == Share.article_id).where(
            Article.campaign_id == filters.campaign_id
        )
    if group:
        stmt = stmt.group_by(*group)
    return stmt


def active_count(period: Period, filters: Filters) -> int:
    return int(
        db.session.scalar(
            select(func.count(Employee.id)).where(
                _active_during(period.start, period.end), *_employee_filter(filters)
            )
        )
        or 0
    )


def participation(period: Period, filters: Filters) -> ParticipationReport:
    """% of employees active in the period who shared at least once, per week and per team."""
    active = active_count(period, filters)
    sharers = int(db.session.scalar(_sharers_stmt(period, filters)) or 0)

    weeks: list[tuple[dt.datetime, dt.datetime]] = []
    ws = week_start(period.start)
    while ws < period.end:
        weeks.append((max(ws, period.start), min(ws + dt.timedelta(days=7), period.end)))
        ws += dt.timedelta(days=7)
    # One query: one active-count column per week.
    active_cols = [
        func.sum(sa.case((_active_during(a, b), 1), else_=0)).label(f"w{i}")
        for i, (a, b) in enumerate(weeks)
    ]
    active_row = db.session.execute(
        select(*active_cols).select_from(Employee).where(*_employee_filter(filters))
    ).one()
    wk = utc_week(Share.created_at)
    week_sharers = {
        key: int(n) for key, n in db.session.execute(_sharers_stmt(period, filters, wk))
    }
    week_rows = []
    for i, (a, _b) in enumerate(weeks):
        monday = week_start(a).date()
        n_active = int(active_row[i] or 0)
        n_share = week_sharers.get(monday.isoformat(), 0)
        week_rows.append(
            WeekParticipation(
                week_start=monday,
                active_employees=n_active,
                sharers=n_share,
                rate=_rate(n_share, n_active),
            )
        )

    team_active = {
        team: int(n)
        for team, n in db.session.execute(
            select(Employee.team, func.count(Employee.id))
            .where(_active_during(period.start, period.end), *_employee_filter(filters))
            .group_by(Employee.team)
        )
    }
    team_sharers = {
        team: int(n)
        for team, n in db.session.execute(_sharers_stmt(period, filters, Employee.team))
    }
    teams = [
        TeamParticipation(
            team=team,
            active_employees=n,
            sharers=team_sharers.get(team, 0),
            rate=_rate(team_sharers.get(team, 0), n),
        )
        for team, n in sorted(team_active.items())
    ]
    return ParticipationReport(
        period=period.out(),
        filters=filters.out(),
        active_employees=active,
        sharers=sharers,
        rate=_rate(sharers, active),
        weeks=week_rows,
        teams=teams,
        notes=[
            "active = created before the end and not deactivated before the start of the "
            "period (or week)",
            "weeks are ISO weeks (Monday, UTC), clipped to the period",
        ],
    )


# --- rising popularity -------------------------------------------------------------------------

GROWTH_COLUMNS = [
    "key",
    "label",
    "employees",
    "connections_first",
    "connections_last",
    "connections_growth",
    "connections_growth_pct",
    "followers_first",
    "followers_last",
    "followers_growth",
    "followers_growth_pct",
]


def _first_last(metric: Any, period: Period, filters: Filters) -> dict[int, tuple[int, int]]:
    """Per employee: the metric's first and last non-null value in the period."""
    order_asc = (ProfileSnapshot.taken_at.asc(), ProfileSnapshot.id.asc())
    order_desc = (ProfileSnapshot.taken_at.desc(), ProfileSnapshot.id.desc())
    inner = (
        select(
            ProfileSnapshot.employee_id.label("employee_id"),
            metric.label("value"),
            func.row_number()
            .over(partition_by=ProfileSnapshot.employee_id, order_by=order_asc)
            .label("rn_first"),
            func.row_number()
            .over(partition_by=ProfileSnapshot.employee_id, order_by=order_desc)
            .label("rn_last"),
        )
        .join(Employee, Employee.id == ProfileSnapshot.employee_id)
        .where(
            ProfileSnapshot.taken_at >= period.start,
            ProfileSnapshot.taken_at < period.end,
            metric.is_not(None),
            *_employee_filter(filters),
        )
        .subquery()
    )
    stmt = (
        select(
            inner.c.employee_id,
            func.max(sa.case((inner.c.rn_first == 1, inner.c.value), else_=None)),
            func.max(sa.case((inner.c.rn_last == 1, inner.c.value), else_=None)),
        )
        .where(sa.or_(inner.c.rn_first == 1, inner.c.rn_last == 1))
        .group_by(inner.c.employee_id)
    )
    return {int(e): (int(a), int(b)) for e, a, b in db.session.execute(stmt)}


def _pct(first: int, last: int) -> float | None:
    return round(100.0 * (last - first) / first, 1) if first else None


def growth(period: Period, filters: Filters, by: str, limit: int) -> Report:
    """Connection and follower growth: first vs last snapshot in the period, per employee/team."""
    conns = _first_last(ProfileSnapshot.connections, period, filters)
    fols = _first_last(ProfileSnapshot.followers, period, filters)
    ids = set(conns) | set(fols)
    people = (
        {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(ids)))}
        if ids
        else {}
    )
    groups: dict[Any, dict[str, Any]] = {}
    for emp_id in ids:
        emp = people[emp_id]
        key: Any = emp_id if by == "employee" else getattr(emp, by)
        label = emp.name if by == "employee" else key
        g = groups.setdefault(
            key,
            {
                "key": key,
                "label": label,
                "employees": 0,
                "connections_first": 0,
                "connections_last": 0,
                "followers_first": 0,
                "followers_last": 0,
            },
        )
        g["employees"] += 1
        if emp_id in conns:
            g["connections_first"] += conns[emp_id][0]
            g["connections_last"] += conns[emp_id][1]
        if emp_id in fols:
            g["followers_first"] += fols[emp_id][0]
            g["followers_last"] += fols[emp_id][1]
    rows = []
    for g in groups.values():
        for m in ("connections", "followers"):
            g[f"{m}_growth"] = g[f"{m}_last"] - g[f"{m}_first"]
            g[f"{m}_growth_pct"] = _pct(g[f"{m}_first"], g[f"{m}_last"])
        rows.append(g)
    tot = {
        "employees": len(ids),
        "connections_growth": sum(g["connections_growth"] for g in rows),
        "followers_growth": sum(g["followers_growth"] for g in rows),
    }
    return _report(
        "growth",
        by,
        period,
        filters,
        GROWTH_COLUMNS,
        _sort(rows, "", "followers_growth"),
        dict(tot),
        limit,
        notes=["growth = last minus first snapshot in the period, per employee, then summed"],
    )


# --- ambassador discovery ----------------------------------------------------------------------

AMBASSADOR_WEIGHTS = {"activity": 0.4, "network": 0.3, "fit": 0.3}
THEME_COUNT = 10
_WORD = re.compile(r"[a-z0-9æøåäöü]+")


def content_themes(period: Period, filters: Filters) -> Counter[str]:
    """Tag frequencies over approved articles published (or approved) in the period, else all."""
    stmt = select(Article.tags).where(Article.status == "approved")
    if filters.campaign_id is not None:
        stmt = stmt.where(Article.campaign_id == filters.campaign_id)
    recent = stmt.where(
        func.coalesce(Article.published_at, Article.created_at) >= period.start,
        func.coalesce(Article.published_at, Article.created_at) < period.end,
    )
    counts: Counter[str] = Counter()
    for tags in db.session.scalars(recent):
        counts.update({t.strip().lower() for t in tags or [] if t.strip()})
    if not counts:
        for tags in db.session.scalars(stmt):
            counts.update({t.strip().lower() for t in tags or [] if t.strip()})
    return counts


def _terms(emp: Employee) -> tuple[set[str], set[str]]:
    interests = {i.strip().lower() for i in emp.interests or [] if i.strip()}
    words = set(_WORD.findall(f"{emp.role_text} {emp.job_title}".lower()))
    for i in interests:
        words.update(_WORD.findall(i))
    return interests, words


def _matches(theme: str, interests: set[str], words: set[str]) -> bool:
    if theme in interests:
        return True
    parts = _WORD.findall(theme)
    return bool(parts) and all(p in words for p in parts)


def ambassadors(period: Period, filters: Filters, limit: int) -> AmbassadorReport:
    """Active employees ranked by activity, network size and fit with the content themes."""
    counts = content_themes(period, filters)
    themes = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:THEME_COUNT]
    theme_weight = dict(themes)
    theme_total = sum(theme_weight.values())
    emps = list(
        db.session.scalars(
            select(Employee).where(Employee.is_active.is_(True), *_employee_filter(filters))
        )
    )
    share_n = {
        k: v["shares"]
        for k, v in share_counts(_Query(SHARE, period, filters, by="employee")).items()
    }
    click_n = {
        k: v["unique_clicks"]
        for k, v in click_counts(_Query(CLICK, period, filters, by="employee")).items()
    }

    def activity_raw(e: Employee) -> float:
        return float(share_n.get(e.id, 0) + click_n.get(e.id, 0) / 10.0)

    max_act = max((activity_raw(e) for e in emps), default=0.0)
    max_net = max((e.network_size for e in emps), default=0)
    items = []
    for e in emps:
        act = math.log1p(activity_raw(e)) / math.log1p(max_act) if max_act else 0.0
        net = math.log1p(e.network_size) / math.log1p(max_net) if max_net else 0.0
        interests, words = _terms(e)
        matched = [t for t, _ in themes if _matches(t, interests, words)]
        fit = sum(theme_weight[t] for t in matched) / theme_total if theme_total else 0.0
        w = AMBASSADOR_WEIGHTS
        score = 100 * (w["activity"] * act + w["network"] * net + w["fit"] * fit)
        explanation = (
            f"{share_n.get(e.id, 0)} shares and {click_n.get(e.id, 0)} unique clicks in the period "
            f"(activity {act:.2f}); network of {e.network_size} (network {net:.2f}); "
            + (
                f"matches themes {', '.join(matched)} (fit {fit:.2f})"
                if matched
                else "matches none of the current themes (fit 0.00)"
            )
        )
        items.append(
            Ambassador(
                employee_id=e.id,
                name=e.name,
                team=e.team,
                department=e.department,
                score=round(score, 1),
                activity=round(act, 3),
                network=round(net, 3),
                fit=round(fit, 3),
                shares=share_n.get(e.id, 0),
                unique_clicks=click_n.get(e.id, 0),
                network_size=e.network_size,
                matched_themes=matched,
                explanation=explanation,
            )
        )
    items.sort(key=lambda a: (-a.score, a.employee_id))
    return AmbassadorReport(
        period=period.out(),
        filters=filters.out(),
        themes=[t for t, _ in themes],
        weights=AMBASSADOR_WEIGHTS,
        items=items[:limit],
    )


# --- overview ----------------------------------------------------------------------------------


def top_articles(
    period: Period, filters: Filters, n: int = 5, employee_id: int | None = None
) -> list[TopArticle]:
    """Articles ranked by unique clicks, then shares (of one employee's links if given)."""
    clicks = click_counts(_Query(CLICK, period, filters, by="article", employee_id=employee_id))
    return _rank_articles(clicks, period, filters, n, employee_id)


def _rank_articles(
    clicks: dict[Any, dict[str, Any]],
    period: Period,
    filters: Filters,
    n: int,
    employee_id: int | None = None,
) -> list[TopArticle]:
    shares_ = share_counts(_Query(SHARE, period, filters, by="article", employee_id=employee_id))
    keys = set(clicks) | set(shares_)
    ranked = sorted(
        keys,
        key=lambda k: (
            -clicks.get(k, {}).get("unique_clicks", 0),
            -shares_.get(k, {}).get("shares", 0),
            k,
        ),
    )[:n]
    return [
        TopArticle(
            article_id=k,
            title=(clicks.get(k) or shares_[k])["label"],
            shares=shares_.get(k, {}).get("shares", 0),
            clicks=clicks.get(k, {}).get("clicks", 0),
            unique_clicks=clicks.get(k, {}).get("unique_clicks", 0),
        )
        for k in ranked
    ]


def bot_clicks(period: Period, filters: Filters) -> int:
    """Clicks flagged as bots or link-preview fetches (excluded everywhere else)."""
    return totals_clicks(period, filters)["bot_clicks"]


def overview(period: Period, filters: Filters) -> Overview:
    """The headline numbers of the period."""
    st = totals_shares(period, filters)
    per_article = click_measures(_Query(CLICK, period, filters, by="article"))
    ct = _click_totals(per_article)
    cv = totals_conversions(period, filters)
    part = participation_headline(period, filters)
    return Overview(
        period=period.out(),
        filters=filters.out(),
        active_employees=part[0],
        sharers=part[1],
        participation_rate=_rate(part[1], part[0]),
        shares=st["shares"],
        clicks=ct["clicks"],
        unique_clicks=ct["unique_clicks"],
        bot_clicks=ct["bot_clicks"],
        potential_reach=st["potential_reach"],
        reactions=st["reactions"],
        comments=st["comments"],
        reposts=st["reposts"],
        leads=cv["leads"],
        signups=cv["signups"],
        sales=cv["sales"],
        sales_value=cv["sales_value"],
        earned_media_value=earned_media_value(
            ct["clicks"], st["potential_reach"], st["reactions"], emv_settings()
        ),
        top_articles=_rank_articles(_human(per_article), period, filters, 5),
    )


def participation_headline(period: Period, filters: Filters) -> tuple[int, int]:
    """(active employees, of whom shared) in the period."""
    return active_count(period, filters), int(
        db.session.scalar(_sharers_stmt(period, filters)) or 0
    )
