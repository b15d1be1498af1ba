"""Analytics over clicks, shares, engagements, conversions and profile snapshots.

Every number is computed by aggregate SQL (GROUP BY in the database); Python only merges the
aggregated rows. Day and week buckets are UTC and rendered as ``YYYY-MM-DD`` strings by
dialect-aware SQL (``sql``) so SQLite and PostgreSQL give the same answer. See docs/analytics.md
for the definition of each metric.

Modules, lower first (each imports only those above it):

- ``sql``: dialect-aware date buckets; ``rollups``: daily/weekly click aggregates;
- ``query``: period, filters and the query builder over one fact table;
- ``clicks``, ``counts``: click, share and conversion counts per key (building blocks, also used
  by campaigns, program and digest; they apply no privacy policy);
- ``emv``: earned-media value; ``reports``: traffic, reach, shares, conversions;
  ``participation``; ``growth``; ``ambassadors``; ``people`` (each person's activity);
  ``overview``.

Every report (the functions re-exported here) applies the works-council policy itself
(``backend.services.works_council``), so the API, the console, CSV exports and digests cannot
show what the policy refuses.
"""

from __future__ import annotations

from backend.services.analytics.ambassadors import AMBASSADOR_WEIGHTS, ambassadors, content_themes
from backend.services.analytics.clicks import (
    click_counts,
    click_measures,
    click_people,
    click_totals,
    human_clicks,
    totals_clicks,
    unique_clicks_expr,
)
from backend.services.analytics.counts import (
    conversion_people,
    conversion_rows,
    latest_engagement,
    share_counts,
    totals_conversions,
    totals_shares,
)
from backend.services.analytics.emv import (
    EMV_SETTING,
    earned_media_value,
    emv_settings,
    update_emv_settings,
)
from backend.services.analytics.growth import GROWTH_COLUMNS, growth
from backend.services.analytics.overview import bot_clicks, overview, top_articles
from backend.services.analytics.participation import (
    active_count,
    participation,
    participation_headline,
)
from backend.services.analytics.people import PersonActivity, person_activity
from backend.services.analytics.query import (
    CLICK,
    CONVERSION,
    DEFAULT_DAYS,
    MAX_DAYS,
    SHARE,
    Fact,
    Filters,
    Period,
    Query,
    resolve_period,
)
from backend.services.analytics.reports import (
    ALWAYS_ON,
    CONVERSION_COLUMNS,
    REACH_COLUMNS,
    SHARE_COLUMNS,
    conversions,
    reach,
    shares,
    traffic,
)
from backend.services.analytics.share_states import started_shares
from backend.services.analytics.sql import (
    date_day,
    date_week,
    utc_date,
    utc_day,
    utc_week,
    week_start,
)
from backend.services.analytics.trends import previous_period, trends
from backend.services.analytics.visitors import unique_visitors

__all__ = [
    "ALWAYS_ON",
    "AMBASSADOR_WEIGHTS",
    "CLICK",
    "CONVERSION",
    "CONVERSION_COLUMNS",
    "DEFAULT_DAYS",
    "EMV_SETTING",
    "GROWTH_COLUMNS",
    "MAX_DAYS",
    "REACH_COLUMNS",
    "SHARE",
    "SHARE_COLUMNS",
    "Fact",
    "Filters",
    "PersonActivity",
    "Period",
    "Query",
    "active_count",
    "ambassadors",
    "bot_clicks",
    "click_counts",
    "click_measures",
    "started_shares",
    "previous_period",
    "trends",
    "unique_visitors",
    "click_people",
    "click_totals",
    "content_themes",
    "conversion_people",
    "conversion_rows",
    "conversions",
    "date_day",
    "date_week",
    "earned_media_value",
    "emv_settings",
    "growth",
    "human_clicks",
    "latest_engagement",
    "overview",
    "participation",
    "participation_headline",
    "person_activity",
    "reach",
    "resolve_period",
    "share_counts",
    "shares",
    "top_articles",
    "totals_clicks",
    "totals_conversions",
    "totals_shares",
    "traffic",
    "unique_clicks_expr",
    "update_emv_settings",
    "utc_date",
    "utc_day",
    "utc_week",
    "week_start",
]
