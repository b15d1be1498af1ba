"""The table reports: traffic, reach, shares and conversions per day, week, article, campaign,
landing page, employee, team, department or network.

Each report applies the works-council policy itself (``backend.services.works_council``): per-person
breakdowns and too-small filters are refused, team and department rows behind fewer people than the
minimum group size are dropped and the totals recomputed from the rows kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from backend.schemas.analytics import Report
from backend.services import works_council as policy
from backend.services.analytics.clicks import (
    click_measures,
    click_people,
    click_totals,
    human_clicks,
)
from backend.services.analytics.counts import (
    conversion_people,
    conversion_rows,
    share_counts,
    totals_conversions,
    totals_shares,
)
from backend.services.analytics.emv import earned_media_value, emv_settings
from backend.services.analytics.query import CLICK, CONVERSION, SHARE, Filters, Period, Query

ALWAYS_ON = "always-on"


def make_report(
    name: str,
    by: str,
    period: Period,
    filters: Filters,
    columns: list[str],
    rows: list[dict[str, Any]],
    totals: dict[str, Any],
    limit: int,
    notes: list[str] | None = None,
    *,
    council: policy.WorksCouncil,
    people: Callable[[], Mapping[str, int]] | None = None,
) -> Report:
    """The report's table: in works-council mode, team/department rows behind fewer than the
    minimum group size of ``people`` are dropped (and the totals recomputed) before ``limit``."""
    if council.enabled and by in policy.GROUPINGS:
        rows, totals = policy.enforce_report(by, rows, totals, people() if people else {}, council)
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


def guard(by: str | None, filters: Filters) -> policy.WorksCouncil:
    """The works-council setting, after refusing a per-person ``by`` or a too-small filter."""
    return policy.check_scope(by, filters.team, filters.department)


def sort_rows(rows: list[dict[str, Any]], by: str, metric: str) -> list[dict[str, Any]]:
    if by in ("day", "week"):
        return sorted(rows, key=lambda r: str(r["key"]))
    return sorted(rows, key=lambda r: (-(r.get(metric) or 0), str(r["key"])))


def _label(by: str, key: Any, label: Any) -> Any:
    if by == "campaign" and key is None:
        return ALWAYS_ON
    return label


def traffic(period: Period, filters: Filters, by: str, limit: int) -> Report:
    """Human clicks (bots and link-preview fetches excluded) and unique clicks per ``by``."""
    council = guard(by, filters)
    q = Query(CLICK, period, filters, by=by)
    measures = click_measures(q)
    rows = [
        {
            "key": k,
            "label": _label(by, k, v["label"]),
            **{m: v[m] for m in ("clicks", "unique_clicks")},
        }
        for k, v in human_clicks(measures).items()
    ]
    ct = click_totals(measures)
    totals: dict[str, Any] = {"clicks": ct["clicks"], "unique_clicks": ct["unique_clicks"]}
    rows = sort_rows(rows, by, "clicks")
    return make_report(
        "traffic",
        by,
        period,
        filters,
        ["key", "label", "clicks", "unique_clicks"],
        rows,
        totals,
        limit,
        notes=["unique_clicks counts distinct visitors per UTC day; bot clicks are excluded"],
        council=council,
        people=lambda: click_people(q),
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
    council = guard(by, filters)
    settings = emv_settings()
    shares = share_counts(Query(SHARE, period, filters, by=by))
    click_q = Query(CLICK, period, filters, by=by)
    measures = click_measures(click_q)
    clicks = human_clicks(measures)
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
    ct = click_totals(measures)
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
    return make_report(
        "reach",
        by,
        period,
        filters,
        REACH_COLUMNS,
        sort_rows(rows, by, "potential_reach"),
        totals,
        limit,
        notes=[
            "potential_reach is the sum of the sharers' network sizes at share time: an upper "
            "bound, not measured impressions",
            "emv = cpc*clicks + cpm*potential_reach*impressions_per_reach/1000 + "
            "value_per_reaction*reactions (see docs/analytics.md)",
        ],
        council=council,
        people=lambda: _most(
            {str(k): v["sharers"] for k, v in shares.items()}, click_people(click_q)
        ),
    )


def _most(*counts: Mapping[str, int]) -> dict[str, int]:
    """Per key, the largest of several counts of people: a lower bound of their union."""
    out: dict[str, int] = {}
    for c in counts:
        for k, n in c.items():
            out[k] = max(out.get(k, 0), n)
    return out


SHARE_COLUMNS = ["key", "label", "shares", "sharers", "reactions", "comments", "reposts"]


def shares(period: Period, filters: Filters, by: str, limit: int) -> Report:
    """Shares and the latest reaction/comment/repost counts seen on them."""
    council = guard(by, filters)
    counts = share_counts(Query(SHARE, period, filters, by=by))
    rows = [{"key": k, **v, "label": _label(by, k, v["label"])} for k, v in counts.items()]
    t = totals_shares(period, filters)
    totals: dict[str, Any] = {c: t[c] for c in SHARE_COLUMNS[2:]}
    return make_report(
        "shares",
        by,
        period,
        filters,
        SHARE_COLUMNS,
        sort_rows(rows, by, "shares"),
        totals,
        limit,
        notes=["reactions/comments/reposts are the latest counts seen on each share"],
        council=council,
        people=lambda: {str(k): v["sharers"] for k, v in counts.items()},
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
    council = guard(by, filters)
    q = Query(CONVERSION, period, filters, by=by)
    rows = conversion_rows(q)
    for r in rows:
        r["label"] = _label(by, r["key"], r["label"])
    t = totals_conversions(period, filters)
    totals: dict[str, Any] = {"leads": t["leads"], "signups": t["signups"], "sales": t["sales"]}
    for v in t["sales_value"]:
        totals[f"sales_value_{v.currency}"] = v.value
    rows = sort_rows(rows, by, "sales_value")
    return make_report(
        "conversions",
        by,
        period,
        filters,
        CONVERSION_COLUMNS,
        rows,
        totals,
        limit,
        notes=["values are summed per currency and never converted"],
        council=council,
        people=lambda: conversion_people(q),
    )
