"""What every analytics dashboard is made of: the scope (date range and team) read from the
query string, tiles, Chart.js configs, tables, and the helpers the pages share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backend.console.i18n import fmt_number, t
from backend.errors import APIError
from backend.models import utcnow
from backend.schemas.analytics import Report
from backend.services import analytics as an
from backend.services.works_council import WorksCouncilRefused

TOP_N = 10


@dataclass
class Scope:
    period: an.Period
    filters: an.Filters
    start_day: dt.date
    end_day: dt.date  # inclusive
    team: str
    error: str | None = None


@dataclass
class Chart:
    id: str
    title: str
    config: dict[str, Any]
    columns: list[str] = field(default_factory=list)  # the data table under the chart
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Table:
    title: str
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[dict[str, Any]]
    numeric: frozenset[str] = frozenset()


@dataclass
class Dashboard:
    tiles: list[tuple[str, str, str]]  # (metric key, label, formatted value)
    charts: list[Chart]
    tables: list[Table]
    csv_name: str
    csv_columns: list[str]
    csv_rows: list[dict[str, Any]]
    empty: bool
    notes: list[str] = field(default_factory=list)


def parse_scope(args: Any, now: dt.datetime | None = None) -> Scope:
    """Dates from the form; the default is the 30 days up to and including today (UTC)."""
    now = now or utcnow()
    today = now.astimezone(dt.UTC).date()
    error = None
    try:
        end_day = dt.date.fromisoformat(args["end"]) if args.get("end") else today
        start_day = (
            dt.date.fromisoformat(args["start"])
            if args.get("start")
            else end_day - dt.timedelta(days=29)
        )
    except ValueError:
        error = t("form.bad_date")
        end_day, start_day = today, today - dt.timedelta(days=29)
    start = dt.datetime.combine(start_day, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    try:
        period = an.resolve_period(start, end)
    except APIError as exc:
        error = exc.message
        end_day, start_day = today, today - dt.timedelta(days=29)
        period = an.resolve_period(
            dt.datetime.combine(start_day, dt.time(), tzinfo=dt.UTC),
            dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
        )
    team = (args.get("team") or "").strip()[:100]
    return Scope(period, an.Filters(team=team or None), start_day, end_day, team, error)


def _days(scope: Scope) -> list[str]:
    out = []
    day = scope.start_day
    while day <= scope.end_day:
        out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


def _series(report: Report, metric: str, days: list[str]) -> list[Any]:
    by_key = {str(r["key"]): r.get(metric) or 0 for r in report.rows}
    return [by_key.get(d, 0) for d in days]


def _line(labels: list[str], datasets: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    return {"type": "line", "data": {"labels": labels, "datasets": datasets}, "options": options}


def _bar(labels: list[str], datasets: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    return {"type": "bar", "data": {"labels": labels, "datasets": datasets}, "options": options}


def _chart(cid: str, title: str, config: dict[str, Any]) -> Chart:
    labels = config["data"]["labels"]
    sets = config["data"]["datasets"]
    columns = [""] + [d["label"] for d in sets]
    rows = [[label] + [d["data"][i] for d in sets] for i, label in enumerate(labels)]
    return Chart(cid, title, config, columns, rows)


def _n(value: Any, digits: int = 0) -> str:
    return fmt_number(value, digits)


def _day_report(fn: Callable[..., Report], scope: Scope) -> Report:
    return fn(scope.period, scope.filters, "day", 1000)


def _per_person(fn: Callable[..., Report], scope: Scope, limit: int = TOP_N) -> Report | None:
    """A per-employee report, or None where works-council mode refuses it (the service
    decides; the page then leaves the table out and says why)."""
    try:
        return fn(scope.period, scope.filters, "employee", limit)
    except WorksCouncilRefused:
        return None


def _hidden_note(hidden: bool) -> list[str]:
    return [t("wc.hidden_per_person")] if hidden else []
