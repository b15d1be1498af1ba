"""The overview's trend (issue #15): a Chart.js line chart of this period's daily clicks and
shares beside the previous period's, and the delta line under each headline tile."""

from __future__ import annotations

from typing import Any

from backend.console.blueprint import bp
from backend.console.i18n import fmt_number, t
from backend.schemas.analytics import MetricDelta, Trends


def trend_chart(trend: Trends) -> dict[str, Any]:
    """The chart config and the data table under it (same numbers)."""
    labels = [p.day for p in trend.series]
    sets = [
        {"label": t("an.trend.clicks_now"), "data": [p.clicks for p in trend.series]},
        {
            "label": t("an.trend.clicks_before"),
            "data": [p.previous_clicks for p in trend.series],
            "borderDash": [6, 4],
        },
        {"label": t("an.trend.shares_now"), "data": [p.shares for p in trend.series]},
        {
            "label": t("an.trend.shares_before"),
            "data": [p.previous_shares for p in trend.series],
            "borderDash": [6, 4],
        },
    ]
    config = {"type": "line", "data": {"labels": labels, "datasets": sets}, "options": {}}
    columns = [""] + [s["label"] for s in sets]
    rows = [[label] + [s["data"][i] for s in sets] for i, label in enumerate(labels)]
    return {"config": config, "columns": columns, "rows": rows}


def delta_text(d: MetricDelta | None) -> str:
    """ "+12 (+8.5 %) vs the previous period", in the page's language and number format."""
    if d is None:
        return ""
    sign = "+" if d.change > 0 else ("−" if d.change < 0 else "±")
    digits = 1 if d.change % 1 else 0
    text = sign + fmt_number(abs(d.change), digits)
    if d.change_pct is not None:
        text += f" ({sign}{fmt_number(abs(d.change_pct), 1)} %)"
    return t("an.trend.vs_previous", change=text)


bp.add_app_template_filter(delta_text, "delta")
