"""The period and filters every report takes, and the query builder over one fact table
(clicks, shares or conversions) with the joins its filters and dimension need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from backend.errors import ValidationFailed
from backend.i18n import lazy_translate
from backend.models import (
    SHARE_STARTED,
    Article,
    Campaign,
    Click,
    Conversion,
    Employee,
    Share,
    TrackedLink,
    utcnow,
)
from backend.schemas.analytics import FiltersOut, PeriodOut
from backend.services import share_confirmation
from backend.services.analytics.sql import date_day, date_week, utc_day, utc_week

DEFAULT_DAYS = 30
MAX_DAYS = 731


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
            lazy_translate("error.analytics.start_must_before_end"),
            details=[{"field": "start", "message": "start must be before end", "type": "range"}],
        )
    if end_ - start_ > dt.timedelta(days=MAX_DAYS):
        raise ValidationFailed(
            lazy_translate("error.analytics.period_may_span_most_days", MAX_DAYS=MAX_DAYS),
            details=[{"field": "start", "message": "period too long", "type": "range"}],
        )
    return Period(start_, end_)


# --- facts and dimensions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """How one fact table reaches the employee, article, campaign and its timestamp."""

    name: str
    time_col: Any
    employee_col: Any
    article_col: Any
    campaign_col: Any  # None: through the article


CLICK = Fact("click", Click.created_at, TrackedLink.employee_id, TrackedLink.article_id, None)
SHARE = Fact("share", Share.created_at, Share.employee_id, Share.article_id, None)
# Shares not confirmed yet (issue #15): the console shows them beside the confirmed ones.
STARTED_SHARE = Fact("started_share", Share.created_at, Share.employee_id, Share.article_id, None)
CONVERSION = Fact(
    "conversion",
    Conversion.occurred_at,
    Conversion.employee_id,
    Conversion.article_id,
    Conversion.campaign_id,
)


def _base(fact: Fact, *cols: Any) -> Select[Any]:
    if fact is CLICK:
        return select(*cols).select_from(Click).join(TrackedLink, TrackedLink.id == Click.link_id)
    if fact is SHARE:
        # Only confirmed shares count (issue #15), and repeat shares of an article on one day
        # do not (issue #13): services/share_confirmation.py.
        return select(*cols).select_from(Share).where(share_confirmation.COUNTS)
    if fact is STARTED_SHARE:
        return (
            select(*cols)
            .select_from(Share)
            .where(Share.counted.is_(True), Share.state == SHARE_STARTED)
        )
    return select(*cols).select_from(Conversion)


@dataclass
class Query:
    """A select on one fact with the joins that its filters and dimension need."""

    fact: Fact
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
                col = Share.network if f in (SHARE, STARTED_SHARE) else TrackedLink.network
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
