"""Programme models: campaigns and goals, points and leaderboards, guidelines, training, stats."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from backend.schemas.analytics import TopArticle
from backend.schemas.common import Language, Name, Out, ShortText, Strict

# --- campaigns and goals -----------------------------------------------------------------------

CampaignStatus = Literal["draft", "active", "paused", "ended"]
GoalMetric = Literal[
    "shares", "participation", "leads", "signups", "sales", "clicks", "reach", "reactions"
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
LongText = Annotated[str, StringConstraints(max_length=20_000)]


def _check_range(start: dt.datetime | None, end: dt.datetime | None, what: str) -> None:
    if start is not None and start.tzinfo is None:
        raise ValueError(f"{what} start needs a timezone (e.g. 2025-01-01T00:00:00Z)")
    if end is not None and end.tzinfo is None:
        raise ValueError(f"{what} end needs a timezone (e.g. 2025-01-01T00:00:00Z)")
    if start is not None and end is not None and start >= end:
        raise ValueError(f"{what} start must be before its end")


class CampaignCreate(Strict):
    slug: Slug
    name: Name
    description: LongText = ""
    priority: int = Field(0, ge=-100, le=100)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    status: CampaignStatus = "active"

    @model_validator(mode="after")
    def _range(self) -> CampaignCreate:
        _check_range(self.starts_at, self.ends_at, "campaign")
        return self


class CampaignUpdate(Strict):
    slug: Slug | None = None
    name: Name | None = None
    description: LongText | None = None
    priority: int | None = Field(None, ge=-100, le=100)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    status: CampaignStatus | None = None

    @model_validator(mode="after")
    def _range(self) -> CampaignUpdate:
        _check_range(self.starts_at, self.ends_at, "campaign")
        return self


class GoalCreate(Strict):
    metric: GoalMetric
    target: float = Field(gt=0, le=1e12)
    label: ShortText = ""
    team: ShortText | None = None
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None
    parent_id: int | None = Field(None, ge=1, description="Makes this a sub-goal of that goal")

    @model_validator(mode="after")
    def _check(self) -> GoalCreate:
        _check_range(self.period_start, self.period_end, "goal")
        if self.metric == "participation" and self.target > 100:
            raise ValueError("a participation target is a percentage (0-100]")
        return self


class GoalUpdate(Strict):
    target: float | None = Field(None, gt=0, le=1e12)
    label: ShortText | None = None
    team: ShortText | None = None
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None

    @model_validator(mode="after")
    def _check(self) -> GoalUpdate:
        _check_range(self.period_start, self.period_end, "goal")
        return self


class GoalOut(Out):
    id: int
    campaign_id: int
    parent_id: int | None
    label: str
    metric: str
    target: float
    team: str | None
    period_start: dt.datetime | None
    period_end: dt.datetime | None


class CampaignOut(Out):
    id: int
    slug: str
    name: str
    description: str
    priority: int
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    status: str
    created_at: dt.datetime
    goals: list[GoalOut]


class CampaignQuery(Strict):
    status: CampaignStatus | None = None


class GoalProgress(Out):
    id: int
    parent_id: int | None
    label: str
    metric: str
    target: float
    team: str | None
    period_start: dt.datetime
    period_end: dt.datetime
    actual: float
    percent: float
    achieved: bool
    mine: float | None = None
    sub_goals: list[GoalProgress] = []


class CampaignProgress(Out):
    campaign_id: int
    slug: str
    name: str
    status: str
    computed_at: dt.datetime
    goals: list[GoalProgress]


# --- points and leaderboards -------------------------------------------------------------------

LeaderboardPeriod = Literal["week", "month", "quarter"]
StatsPeriod = Literal["week", "month", "quarter", "year", "all"]


class PointsWeights(Strict):
    """Points per action; see docs/analytics.md."""

    share: float = Field(10, ge=0, le=1000)
    click: float = Field(1, ge=0, le=1000, description="Per unique human click on my links")
    reaction: float = Field(1, ge=0, le=1000)
    comment: float = Field(2, ge=0, le=1000)
    repost: float = Field(3, ge=0, le=1000)
    lead: float = Field(25, ge=0, le=1000)
    sale: float = Field(50, ge=0, le=1000)
    guideline_ack: float = Field(5, ge=0, le=1000)


class LeaderboardSettings(Strict):
    pseudonymous: bool = False


class LeaderboardQuery(Strict):
    period: LeaderboardPeriod = "month"
    by: Literal["person", "team"] = "person"
    limit: int = Field(20, ge=1, le=500)


class LeaderboardEntry(Out):
    rank: int
    name: str
    team: str | None = None
    points: float
    is_me: bool = False
    members: int | None = None
    points_per_member: float | None = None


class Leaderboard(Out):
    period: LeaderboardPeriod
    by: str
    start: dt.datetime
    end: dt.datetime
    pseudonymous: bool
    entries: list[LeaderboardEntry]


# --- guidelines and training -------------------------------------------------------------------


class GuidelineText(Strict):
    language: Language
    title: Name
    body: Annotated[str, StringConstraints(min_length=1, max_length=50_000)]


class GuidelineCreate(Strict):
    """A new version, in one or more languages."""

    translations: list[GuidelineText] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _unique_languages(self) -> GuidelineCreate:
        langs = [t.language for t in self.translations]
        if len(set(langs)) != len(langs):
            raise ValueError("each language may appear once")
        return self


class GuidelineOut(Out):
    id: int
    version: int
    language: str
    title: str
    body: str
    created_at: dt.datetime


class CurrentGuideline(GuidelineOut):
    acknowledged: bool
    acknowledged_at: dt.datetime | None
    languages: list[str]


class GuidelineQuery(Strict):
    language: Language | None = None


class GuidelineAckOut(Out):
    guideline_id: int
    version: int
    acknowledged_at: dt.datetime


class GuidelineStatus(Out):
    current_version: int | None
    acknowledged: bool
    acknowledged_at: dt.datetime | None


class TrainingCardCreate(Strict):
    language: Language = "en"
    title: Name
    body: Annotated[str, StringConstraints(min_length=1, max_length=5_000)]
    position: int = Field(0, ge=0, le=10_000)


class TrainingCardUpdate(Strict):
    language: Language | None = None
    title: Name | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=5_000)] | None = None
    position: int | None = Field(None, ge=0, le=10_000)


class TrainingCardOut(Out):
    id: int
    language: str
    title: str
    body: str
    position: int
    created_at: dt.datetime


class TrainingCardQuery(Strict):
    language: Language | None = None


# --- my stats ----------------------------------------------------------------------------------


class StatsQuery(Strict):
    period: StatsPeriod = "month"


class MyArticle(Out):
    article_id: int
    title: str
    shares: int
    clicks: int
    unique_clicks: int


class MyCampaignProgress(Out):
    campaign_id: int
    name: str
    goals: list[GoalProgress]


class MyStats(Out):
    employee_id: int
    period: StatsPeriod
    start: dt.datetime | None
    end: dt.datetime
    shares: int  # confirmed shares: the post was seen or a click came through (issue #15)
    started_shares: int = 0  # shares waiting for the post or a click; they earn nothing yet
    clicks: int
    unique_clicks: int
    reactions: int
    comments: int
    reposts: int
    leads: int
    sales: int
    sales_value: dict[str, float]
    potential_reach: int
    points: float
    rank: int | None
    ranked_employees: int
    leaderboard_opt_out: bool
    streak_weeks: int
    guideline: GuidelineStatus
    campaigns: list[MyCampaignProgress]
    top_articles: list[MyArticle]


# --- digests -----------------------------------------------------------------------------------


class DigestPeriod(Out):
    start: dt.datetime
    end: dt.datetime


class Suggestion(Out):
    article_id: int
    title: str
    url: str
    campaign: str | None
    reason: str


class EmployeeDigestStats(Out):
    shares: int
    clicks: int
    unique_clicks: int
    reactions: int
    leads: int
    points: float
    rank: int | None
    streak_weeks: int


class EmployeeDigest(Out):
    employee_id: int
    name: str
    language: str
    period: DigestPeriod
    stats: EmployeeDigestStats
    top_articles: list[MyArticle]
    suggestions: list[Suggestion]
    guideline: GuidelineStatus


class CompanyHeadline(Out):
    active_employees: int
    sharers: int
    participation_rate: float | None
    shares: int
    clicks: int
    unique_clicks: int
    potential_reach: int
    reactions: int
    leads: int
    sales: int
    earned_media_value: float
    emv_currency: str


class CompanyDigest(Out):
    period: DigestPeriod
    pseudonymous: bool
    headline: CompanyHeadline
    top_advocates: list[LeaderboardEntry]
    top_articles: list[TopArticle]


class DigestQuery(Strict):
    format: Literal["json", "html", "text"] = "json"


class MyGuidelines(Out):
    """``GET /api/v1/me/guidelines``: the company's current guidelines for the employee."""

    published: bool = Field(description="False until the content team publishes a version")
    version: int | None
    guideline_id: int | None = Field(description="The text shown (version x language)")
    language: str | None
    languages: list[str] = Field(description="Languages the current version exists in")
    title: str | None
    body: str | None
    published_at: dt.datetime | None
    acknowledged: bool = Field(description="Whether I acknowledged this (current) version")
    acknowledged_at: dt.datetime | None


class MyGuidelineAckIn(Strict):
    version: int = Field(ge=1, le=2**31 - 1, description="The version I read (must be current)")


class MyGuidelineAck(Out):
    version: int
    guideline_id: int
    acknowledged_at: dt.datetime
