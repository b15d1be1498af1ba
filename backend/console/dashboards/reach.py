"""Dashboards of what the shares earned: traffic, reach, shares and earned media value."""

from __future__ import annotations

from backend.console.dashboards.base import (
    TOP_N,
    Dashboard,
    Scope,
    Table,
    _bar,
    _chart,
    _day_report,
    _days,
    _line,
    _n,
    _series,
)
from backend.console.i18n import t
from backend.services import analytics as an


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
            (
                "started_shares",
                t("an.started_shares"),
                _n(an.started_shares(scope.period, scope.filters)),
            ),
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
