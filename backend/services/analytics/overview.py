"""The overview: headline numbers of a period and its top articles."""

from __future__ import annotations

from typing import Any

from backend.schemas.analytics import Overview, TopArticle
from backend.services import works_council as policy
from backend.services.analytics.clicks import (
    click_counts,
    click_measures,
    click_totals,
    human_clicks,
    totals_clicks,
)
from backend.services.analytics.counts import share_counts, totals_conversions, totals_shares
from backend.services.analytics.emv import earned_media_value, emv_settings
from backend.services.analytics.participation import participation_headline, rate
from backend.services.analytics.query import CLICK, SHARE, Filters, Period, Query
from backend.services.analytics.share_states import started_shares
from backend.services.analytics.visitors import unique_visitors


def top_articles(
    period: Period, filters: Filters, n: int = 5, employee_id: int | None = None
) -> list[TopArticle]:
    """Articles ranked by unique clicks, then shares (of one employee's links if given: that
    employee's own view, for ``program.my_stats`` after its subject check)."""
    policy.check_scope(None, filters.team, filters.department)
    clicks = click_counts(Query(CLICK, period, filters, by="article", employee_id=employee_id))
    return _rank_articles(clicks, period, filters, n, employee_id)


def _rank_articles(
    clicks: dict[Any, dict[str, Any]],
    period: Period,
    filters: Filters,
    n: int,
    employee_id: int | None = None,
) -> list[TopArticle]:
    shares_ = share_counts(Query(SHARE, period, filters, by="article", employee_id=employee_id))
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
    """The headline numbers of the period (a team or department filter is checked against
    works-council mode's minimum group size)."""
    policy.check_scope(None, filters.team, filters.department)
    st = totals_shares(period, filters)
    per_article = click_measures(Query(CLICK, period, filters, by="article"))
    ct = click_totals(per_article)
    cv = totals_conversions(period, filters)
    part = participation_headline(period, filters)
    return Overview(
        period=period.out(),
        filters=filters.out(),
        active_employees=part[0],
        sharers=part[1],
        participation_rate=rate(part[1], part[0]),
        shares=st["shares"],
        started_shares=started_shares(period, filters),
        clicks=ct["clicks"],
        unique_clicks=ct["unique_clicks"],
        unique_visitors=unique_visitors(period, filters),
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
        top_articles=_rank_articles(human_clicks(per_article), period, filters, 5),
    )
