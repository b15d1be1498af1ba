"""The analytics dashboards: for a date range and team, the headline tiles, the charts (Chart.js
configs with the data table under each), the tables and the CSV rows of each page. Built on
``backend.services.analytics``, whose reports apply works-council mode themselves: a per-person
table the service refuses is left out here with a note."""

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


def _pf(scope: Scope) -> tuple[an.Period, an.Filters]:
    return scope.period, scope.filters


def _hidden_note(hidden: bool) -> list[str]:
    return [t("wc.hidden_per_person")] if hidden else []


# --- dashboards ------------------------------------------------------------------------------


def traffic(scope: Scope) -> Dashboard:
    days = _days(scope)
    daily = _day_report(an.traffic, scope)
    by_article = an.traffic(scope.period, scope.filters, "article", TOP_N)
    clicks = int(daily.totals.get("clicks") or 0)
    unique = int(daily.totals.get("unique_clicks") or 0)
    chart = _chart(
        "traffic",
        t("an.traffic.chart"),
        _line(
            days,
            [
                {"label": t("an.clicks"), "data": _series(daily, "clicks", days), "fill": True},
                {"label": t("an.unique_clicks"), "data": _series(daily, "unique_clicks", days)},
            ],
        ),
    )
    table = Table(
        t("an.traffic.by_article"),
        [
            ("label", t("an.article")),
            ("clicks", t("an.clicks")),
            ("unique_clicks", t("an.unique_clicks")),
        ],
        by_article.rows,
        frozenset({"clicks", "unique_clicks"}),
    )
    return Dashboard(
        tiles=[
            ("clicks", t("an.clicks"), _n(clicks)),
            ("unique_clicks", t("an.unique_clicks"), _n(unique)),
        ],
        charts=[chart],
        tables=[table],
        csv_name="traffic-by-day",
        csv_columns=daily.columns,
        csv_rows=daily.rows,
        empty=clicks == 0,
        notes=daily.notes,
    )


def reach(scope: Scope) -> Dashboard:
    days = _days(scope)
    daily = _day_report(an.reach, scope)
    by_team = an.reach(scope.period, scope.filters, "team", 100)
    tot = daily.totals
    chart = _chart(
        "reach",
        t("an.reach.chart"),
        _bar(
            days,
            [
                {
                    "label": t("an.potential_reach"),
                    "data": _series(daily, "potential_reach", days),
                    "yAxisID": "y",
                },
                {
                    "label": t("an.clicks"),
                    "data": _series(daily, "clicks", days),
                    "type": "line",
                    "yAxisID": "y1",
                },
                {
                    "label": t("an.reactions"),
                    "data": _series(daily, "reactions", days),
                    "type": "line",
                    "yAxisID": "y1",
                },
            ],
            scales={
                "y": {"position": "left", "title": {"display": True, "text": t("an.potential")}},
                "y1": {
                    "position": "right",
                    "grid": {"drawOnChartArea": False},
                    "title": {"display": True, "text": t("an.measured")},
                },
            },
        ),
    )
    table = Table(
        t("an.reach.by_team"),
        [
            ("label", t("an.team")),
            ("shares", t("an.shares")),
            ("potential_reach", t("an.potential_reach")),
            ("clicks", t("an.clicks")),
            ("reactions", t("an.reactions")),
            ("emv", t("an.emv")),
        ],
        by_team.rows,
        frozenset({"shares", "potential_reach", "clicks", "reactions", "emv"}),
    )
    return Dashboard(
        tiles=[
            ("potential_reach", t("an.potential_reach"), _n(tot.get("potential_reach"))),
            ("clicks", t("an.clicks"), _n(tot.get("clicks"))),
            ("reactions", t("an.reactions"), _n(tot.get("reactions"))),
            ("emv", t("an.emv") + f" ({tot.get('emv_currency')})", _n(tot.get("emv"), 2)),
        ],
        charts=[chart],
        tables=[table],
        csv_name="reach-by-day",
        csv_columns=daily.columns,
        csv_rows=daily.rows,
        empty=not tot.get("shares") and not tot.get("clicks"),
        notes=daily.notes,
    )


def shares(scope: Scope) -> Dashboard:
    days = _days(scope)
    daily = _day_report(an.shares, scope)
    by_network = an.shares(scope.period, scope.filters, "network", 10)
    tot = daily.totals
    chart = _chart(
        "shares",
        t("an.shares.chart"),
        _bar(
            days,
            [
                {"label": t("an.shares"), "data": _series(daily, "shares", days)},
                {"label": t("an.reactions"), "data": _series(daily, "reactions", days)},
                {"label": t("an.comments"), "data": _series(daily, "comments", days)},
            ],
        ),
    )
    table = Table(
        t("an.shares.by_network"),
        [
            ("label", t("an.network")),
            ("shares", t("an.shares")),
            ("sharers", t("an.sharers")),
            ("reactions", t("an.reactions")),
            ("comments", t("an.comments")),
            ("reposts", t("an.reposts")),
        ],
        by_network.rows,
        frozenset({"shares", "sharers", "reactions", "comments", "reposts"}),
    )
    return Dashboard(
        tiles=[
            ("shares", t("an.shares"), _n(tot.get("shares"))),
            ("started_shares", t("an.started_shares"), _n(an.started_shares(*_pf(scope)))),
            ("sharers", t("an.sharers"), _n(tot.get("sharers"))),
            ("reactions", t("an.reactions"), _n(tot.get("reactions"))),
            ("comments", t("an.comments"), _n(tot.get("comments"))),
        ],
        charts=[chart],
        tables=[table],
        csv_name="shares-by-day",
        csv_columns=daily.columns,
        csv_rows=daily.rows,
        empty=not tot.get("shares"),
        notes=daily.notes,
    )


def participation(scope: Scope) -> Dashboard:
    rep = an.participation(scope.period, scope.filters)
    weeks = [w.week_start.isoformat() for w in rep.weeks]
    week_chart = _chart(
        "participation-weeks",
        t("an.participation.weekly"),
        _line(
            weeks,
            [
                {
                    "label": t("an.participation_pct"),
                    "data": [w.rate or 0 for w in rep.weeks],  # already a percentage
                    "fill": True,
                }
            ],
            scales={"y": {"min": 0, "max": 100}},
        ),
    )
    team_chart = _chart(
        "participation-teams",
        t("an.participation.teams"),
        _bar(
            [tm.team or "—" for tm in rep.teams],
            [
                {
                    "label": t("an.participation_pct"),
                    "data": [tm.rate or 0 for tm in rep.teams],
                }
            ],
            indexAxis="y",
            scales={"x": {"min": 0, "max": 100}},
        ),
    )
    rows = [w.model_dump(mode="json") for w in rep.weeks]
    return Dashboard(
        tiles=[
            ("rate", t("an.participation_pct"), _n(rep.rate, 1) + " %"),
            ("sharers", t("an.sharers"), _n(rep.sharers)),
            ("active_employees", t("an.active_employees"), _n(rep.active_employees)),
        ],
        charts=[week_chart, team_chart],
        tables=[
            Table(
                t("an.participation.teams"),
                [
                    ("team", t("an.team")),
                    ("active_employees", t("an.active_employees")),
                    ("sharers", t("an.sharers")),
                    ("rate_pct", t("an.participation_pct")),
                ],
                [{**tm.model_dump(), "rate_pct": _n(tm.rate, 1) + " %"} for tm in rep.teams],
                frozenset({"active_employees", "sharers", "rate_pct"}),
            )
        ],
        csv_name="participation-by-week",
        csv_columns=["week_start", "active_employees", "sharers", "rate"],
        csv_rows=rows,
        empty=rep.sharers == 0,
        notes=rep.notes,
    )


def growth(scope: Scope) -> Dashboard:
    by_team = an.growth(scope.period, scope.filters, "team", 100)
    by_employee = _per_person(an.growth, scope)
    labels = [str(r.get("label") or "—") for r in by_team.rows]
    chart = _chart(
        "growth",
        t("an.growth.chart"),
        _bar(
            labels,
            [
                {
                    "label": t("an.connections_growth"),
                    "data": [r.get("connections_growth") or 0 for r in by_team.rows],
                },
                {
                    "label": t("an.followers_growth"),
                    "data": [r.get("followers_growth") or 0 for r in by_team.rows],
                },
            ],
        ),
    )
    tot = by_team.totals
    tables = []
    if by_employee is not None:
        tables.append(
            Table(
                t("an.growth.top"),
                [
                    ("label", t("an.employee")),
                    ("connections_first", t("an.connections_first")),
                    ("connections_last", t("an.connections_last")),
                    ("connections_growth", t("an.connections_growth")),
                    ("followers_growth", t("an.followers_growth")),
                ],
                by_employee.rows,
                frozenset(
                    {
                        "connections_first",
                        "connections_last",
                        "connections_growth",
                        "followers_growth",
                    }
                ),
            )
        )
    return Dashboard(
        tiles=[
            ("employees", t("an.with_snapshots"), _n(tot.get("employees"))),
            ("connections_growth", t("an.connections_growth"), _n(tot.get("connections_growth"))),
            ("followers_growth", t("an.followers_growth"), _n(tot.get("followers_growth"))),
        ],
        charts=[chart],
        tables=tables,
        csv_name="growth-by-team",
        csv_columns=by_team.columns,
        csv_rows=by_team.rows,
        empty=not by_team.rows,
        notes=by_team.notes + _hidden_note(by_employee is None),
    )


def conversions(scope: Scope) -> Dashboard:
    days = _days(scope)
    daily = _day_report(an.conversions, scope)
    by_employee = _per_person(an.conversions, scope)

    def per_day(metric: str) -> list[Any]:
        sums: dict[str, float] = {}
        for r in daily.rows:
            sums[str(r["key"])] = sums.get(str(r["key"]), 0) + float(r.get(metric) or 0)
        return [sums.get(d, 0) for d in days]

    chart = _chart(
        "conversions",
        t("an.conversions.chart"),
        _bar(
            days,
            [
                {"label": t("an.leads"), "data": per_day("leads")},
                {"label": t("an.signups"), "data": per_day("signups")},
                {"label": t("an.sales"), "data": per_day("sales")},
            ],
            scales={"x": {"stacked": True}, "y": {"stacked": True}},
        ),
    )
    tot = daily.totals
    tiles = [
        ("leads", t("an.leads"), _n(tot.get("leads"))),
        ("signups", t("an.signups"), _n(tot.get("signups"))),
        ("sales", t("an.sales"), _n(tot.get("sales"))),
    ]
    for key, value in tot.items():
        if key.startswith("sales_value_"):
            currency = key.removeprefix("sales_value_")
            tiles.append((key, t("an.sales_value") + f" ({currency})", _n(value, 2)))
    tables = []
    if by_employee is not None:
        tables.append(
            Table(
                t("an.conversions.by_employee"),
                [
                    ("label", t("an.employee")),
                    ("currency", t("an.currency")),
                    ("leads", t("an.leads")),
                    ("signups", t("an.signups")),
                    ("sales", t("an.sales")),
                    ("sales_value", t("an.sales_value")),
                ],
                by_employee.rows,
                frozenset({"leads", "signups", "sales", "sales_value"}),
            )
        )
    return Dashboard(
        tiles=tiles,
        charts=[chart],
        tables=tables,
        csv_name="conversions-by-day",
        csv_columns=daily.columns,
        csv_rows=daily.rows,
        empty=not daily.rows,
        notes=daily.notes + _hidden_note(by_employee is None),
    )


def top(scope: Scope) -> Dashboard:
    articles = an.top_articles(scope.period, scope.filters, n=TOP_N)
    advocates = _per_person(an.reach, scope)
    chart = _chart(
        "top-articles",
        t("an.top.articles"),
        _bar(
            [a.title[:40] for a in articles],
            [
                {"label": t("an.shares"), "data": [a.shares for a in articles]},
                {"label": t("an.clicks"), "data": [a.clicks for a in articles]},
            ],
            indexAxis="y",
        ),
    )
    article_rows = [a.model_dump() for a in articles]
    advocate_tables = []
    if advocates is not None:
        advocate_tables.append(
            Table(
                t("an.top.advocates"),
                [
                    ("label", t("an.employee")),
                    ("shares", t("an.shares")),
                    ("potential_reach", t("an.potential_reach")),
                    ("clicks", t("an.clicks")),
                    ("reactions", t("an.reactions")),
                ],
                advocates.rows,
                frozenset({"shares", "potential_reach", "clicks", "reactions"}),
            )
        )
    return Dashboard(
        tiles=[],
        charts=[chart],
        tables=[
            Table(
                t("an.top.articles"),
                [
                    ("title", t("an.article")),
                    ("shares", t("an.shares")),
                    ("clicks", t("an.clicks")),
                    ("unique_clicks", t("an.unique_clicks")),
                ],
                article_rows,
                frozenset({"shares", "clicks", "unique_clicks"}),
            ),
            *advocate_tables,
        ],
        csv_name="top-articles",
        csv_columns=["article_id", "title", "shares", "clicks", "unique_clicks"],
        csv_rows=article_rows,
        empty=not articles and not (advocates and advocates.rows),
        notes=_hidden_note(advocates is None),
    )


def emv(scope: Scope) -> Dashboard:
    ov = an.overview(scope.period, scope.filters)
    settings = an.emv_settings()
    value = ov.earned_media_value
    by_campaign = an.reach(scope.period, scope.filters, "campaign", 100)
    chart = _chart(
        "emv",
        t("an.emv.parts"),
        {
            "type": "doughnut",
            "data": {
                "labels": [t("an.emv.clicks"), t("an.emv.impressions"), t("an.emv.reactions")],
                "datasets": [
                    {
                        "label": value.currency,
                        "data": [value.clicks, value.impressions, value.reactions],
                        "backgroundColor": ["#0a5cad", "#e0760b", "#1a7f37"],
                    }
                ],
            },
            "options": {},
        },
    )
    return Dashboard(
        tiles=[
            ("emv", t("an.emv") + f" ({value.currency})", _n(value.total, 2)),
            ("clicks", t("an.clicks"), _n(ov.clicks)),
            ("potential_reach", t("an.potential_reach"), _n(ov.potential_reach)),
            ("reactions", t("an.reactions"), _n(ov.reactions)),
        ],
        charts=[chart],
        tables=[
            Table(
                t("an.emv.by_campaign"),
                [
                    ("label", t("an.campaign")),
                    ("clicks", t("an.clicks")),
                    ("potential_reach", t("an.potential_reach")),
                    ("reactions", t("an.reactions")),
                    ("emv", t("an.emv")),
                ],
                by_campaign.rows,
                frozenset({"clicks", "potential_reach", "reactions", "emv"}),
            )
        ],
        csv_name="reach-by-campaign",
        csv_columns=by_campaign.columns,
        csv_rows=by_campaign.rows,
        empty=value.total == 0,
        notes=[
            t(
                "an.emv.formula",
                cpc=_n(settings.cpc, 2),
                cpm=_n(settings.cpm, 2),
                vpr=_n(settings.value_per_reaction, 2),
                ipr=_n(settings.impressions_per_reach, 2),
                currency=settings.currency,
            )
        ],
    )


DASHBOARDS: dict[str, Callable[[Scope], Dashboard]] = {
    "traffic": traffic,
    "reach": reach,
    "shares": shares,
    "participation": participation,
    "growth": growth,
    "conversions": conversions,
    "top": top,
    "emv": emv,
}
