"""Dashboards of who takes part and what it brought: participation, network growth,
conversions and the top lists."""

from __future__ import annotations

from typing import Any

from backend.console.dashboards.base import (
    TOP_N,
    Dashboard,
    Scope,
    Table,
    _bar,
    _chart,
    _day_report,
    _days,
    _hidden_note,
    _line,
    _n,
    _per_person,
)
from backend.console.i18n import t
from backend.services import analytics as an


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
