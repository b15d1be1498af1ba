"""Analytics request/response models: one filter shape for every report, rows as flat records."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from backend.schemas.common import Out, ShortText, Strict

ReportFormat = Literal["json", "csv"]
TrafficBy = Literal[
    "day",
    "week",
    "article",
    "campaign",
    "landing_page",
    "employee",
    "team",
    "department",
    "network",
]
ShareBy = Literal["day", "week", "article", "campaign", "employee", "team", "department", "network"]
ConversionBy = Literal["day", "article", "campaign", "employee", "team", "department"]
GroupBy = Literal["employee", "team", "department"]

Cell = str | int | float | bool | None


class AnalyticsQuery(Strict):
    """Common filters: a half-open time range [start, end) and who/what is counted."""

    start: dt.datetime | None = Field(None, description="Default: 30 days before end")
    end: dt.datetime | None = Field(None, description="Default: now")
    department: ShortText | None = None
    team: ShortText | None = None
    campaign: int | None = Field(None, ge=1, description="Campaign id")
    format: ReportFormat | None = Field(None, description="csv, or send Accept: text/csv")
    limit: int = Field(1000, ge=1, le=10_000)


class TrafficQuery(AnalyticsQuery):
    by: TrafficBy = "day"


class ShareQuery(AnalyticsQuery):
    by: ShareBy = "article"


class ConversionQuery(AnalyticsQuery):
    by: ConversionBy = "employee"


class GroupQuery(AnalyticsQuery):
    by: GroupBy = "employee"


class PeriodOut(Out):
    start: dt.datetime
    end: dt.datetime


class FiltersOut(Out):
    department: str | None
    team: str | None
    campaign: int | None


class Report(Out):
    """A table: ``columns`` name the keys of every row (also the CSV header)."""

    report: str
    by: str
    period: PeriodOut
    filters: FiltersOut
    columns: list[str]
    totals: dict[str, Cell]
    rows: list[dict[str, Cell]]
    notes: list[str] = []


class WeekParticipation(Out):
    week_start: dt.date
    active_employees: int
    sharers: int
    rate: float | None


class TeamParticipation(Out):
    team: str
    active_employees: int
    sharers: int
    rate: float | None


class ParticipationReport(Out):
    report: Literal["participation"] = "participation"
    period: PeriodOut
    filters: FiltersOut
    active_employees: int
    sharers: int
    rate: float | None
    weeks: list[WeekParticipation]
    teams: list[TeamParticipation]
    notes: list[str] = []


class EmvSettings(Strict):
    """Earned-media value = cpc × clicks + cpm × potential impressions / 1000 + value_per_reaction ×
    reactions, with potential impressions = potential reach × impressions_per_reach."""

    currency: str = Field("DKK", pattern=r"^[A-Z]{3}$")
    cpc: float = Field(8.0, ge=0, le=10_000)
    cpm: float = Field(60.0, ge=0, le=100_000)
    value_per_reaction: float = Field(2.0, ge=0, le=10_000)
    impressions_per_reach: float = Field(1.0, ge=0, le=100)


class EmvOut(Out):
    currency: str
    clicks: float
    impressions: float
    reactions: float
    total: float


class TopArticle(Out):
    article_id: int
    title: str
    shares: int
    clicks: int
    unique_clicks: int


class ValueByCurrency(Out):
    currency: str
    sales: int
    value: float


class Overview(Out):
    period: PeriodOut
    filters: FiltersOut
    active_employees: int
    sharers: int
    participation_rate: float | None
    shares: int  # confirmed shares (issue #15)
    started_shares: int = 0  # shares not confirmed yet: neither the post nor a click seen
    clicks: int
    unique_clicks: int  # distinct visitors per link and UTC day, summed (what points count)
    unique_visitors: int = 0  # distinct visitors over the whole period (issue #15)
    bot_clicks: int
    potential_reach: int
    reactions: int
    comments: int
    reposts: int
    leads: int
    signups: int
    sales: int
    sales_value: list[ValueByCurrency]
    earned_media_value: EmvOut
    top_articles: list[TopArticle]


class MetricDelta(Out):
    metric: str
    current: float | None
    previous: float | None
    change: float  # current - previous
    change_pct: float | None  # null when the previous value is 0


class TrendPoint(Out):
    day: str
    previous_day: str | None  # the same position in the previous period
    clicks: int
    shares: int
    previous_clicks: int
    previous_shares: int


class Trends(Out):
    period: PeriodOut
    previous_period: PeriodOut  # the same length immediately before
    filters: FiltersOut
    deltas: list[MetricDelta]
    series: list[TrendPoint]


class Ambassador(Out):
    employee_id: int
    name: str
    team: str
    department: str
    score: float
    activity: float
    network: float
    fit: float
    shares: int
    unique_clicks: int
    network_size: int
    matched_themes: list[str]
    explanation: str


class AmbassadorReport(Out):
    period: PeriodOut
    filters: FiltersOut
    themes: list[str]
    weights: dict[str, float]
    items: list[Ambassador]
