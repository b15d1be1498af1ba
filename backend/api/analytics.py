"""Analytics for the content team: traffic, reach, shares, participation, growth, conversions.

Every report takes ``start``/``end`` (default: the last 30 days), ``department``, ``team`` and
``campaign``, and answers JSON or, with ``format=csv`` or ``Accept: text/csv``, CSV with a header.
Per-employee breakdowns exist only here, behind the content/admin roles; works-council mode
(``backend.services.works_council``) is applied by the reports themselves.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from backend.auth import Principal
from backend.exports import csv_response
from backend.openapi import ADMIN_ONLY, CONTENT_ROLES, endpoint
from backend.schemas.analytics import (
    AmbassadorReport,
    AnalyticsQuery,
    ConversionQuery,
    EmvSettings,
    GroupQuery,
    Overview,
    ParticipationReport,
    Report,
    ShareQuery,
    TrafficQuery,
    Trends,
)
from backend.services import analytics as svc

bp = Blueprint("analytics", __name__)

_CSV_RESPONSES = {200: "JSON, or CSV with a header row when format=csv or Accept: text/csv"}


def _scope(query: AnalyticsQuery) -> tuple[svc.Period, svc.Filters]:
    period = svc.resolve_period(query.start, query.end)
    filters = svc.Filters(department=query.department, team=query.team, campaign_id=query.campaign)
    return period, filters


def wants_csv(query: AnalyticsQuery) -> bool:
    if query.format is not None:
        return query.format == "csv"
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


def _answer(report: Report, query: AnalyticsQuery) -> Report | Response:
    if wants_csv(query):
        return csv_response(f"{report.report}-by-{report.by}", report.columns, report.rows)
    return report


@endpoint(bp, "/analytics/overview", roles=CONTENT_ROLES, query=AnalyticsQuery, response=Overview)
def overview(query: AnalyticsQuery) -> Overview | Response:
    """Headline numbers: participation, shares, clicks, potential reach, reactions, leads, EMV."""
    result = svc.overview(*_scope(query))
    if wants_csv(query):
        flat = result.model_dump(mode="json", exclude={"top_articles", "period", "filters"})
        emv = flat.pop("earned_media_value")
        flat["earned_media_value"] = emv["total"]
        flat["emv_currency"] = emv["currency"]
        for v in flat.pop("sales_value"):
            flat[f"sales_value_{v['currency']}"] = v["value"]
        return csv_response("overview", list(flat), [flat])
    return result


@endpoint(bp, "/analytics/trends", roles=CONTENT_ROLES, query=AnalyticsQuery, response=Trends)
def trends(query: AnalyticsQuery) -> Trends | Response:
    """The overview's headline numbers against the same-length period just before (deltas, and
    percentages where the previous value is not 0), with per-day clicks and shares of both."""
    result = svc.trends(*_scope(query))
    if wants_csv(query):
        rows = [d.model_dump(mode="json") for d in result.deltas]
        return csv_response(
            "trends", ["metric", "current", "previous", "change", "change_pct"], rows
        )
    return result


@endpoint(
    bp,
    "/analytics/traffic",
    roles=CONTENT_ROLES,
    query=TrafficQuery,
    response=Report,
    extra_responses=_CSV_RESPONSES,
)
def traffic(query: TrafficQuery) -> Report | Response:
    """Clicks and unique clicks (bots excluded) per day, week, article, campaign, landing page,
    employee, team, department or network."""
    return _answer(svc.traffic(*_scope(query), query.by, query.limit), query)


@endpoint(bp, "/analytics/reach", roles=CONTENT_ROLES, query=ShareQuery, response=Report)
def reach(query: ShareQuery) -> Report | Response:
    """Potential reach (labelled potential) next to measured clicks and reactions, with EMV."""
    return _answer(svc.reach(*_scope(query), query.by, query.limit), query)


@endpoint(bp, "/analytics/shares", roles=CONTENT_ROLES, query=ShareQuery, response=Report)
def shares(query: ShareQuery) -> Report | Response:
    """Shares and the latest reactions, comments and reposts on employee-shared content."""
    return _answer(svc.shares(*_scope(query), query.by, query.limit), query)


@endpoint(
    bp,
    "/analytics/participation",
    roles=CONTENT_ROLES,
    query=AnalyticsQuery,
    response=ParticipationReport,
)
def participation(query: AnalyticsQuery) -> ParticipationReport | Response:
    """% of active employees who shared at least once: the period, week by week, per team."""
    result = svc.participation(*_scope(query))
    if wants_csv(query):
        rows = [w.model_dump(mode="json") for w in result.weeks]
        return csv_response(
            "participation-by-week", ["week_start", "active_employees", "sharers", "rate"], rows
        )
    return result


@endpoint(bp, "/analytics/growth", roles=CONTENT_ROLES, query=GroupQuery, response=Report)
def growth(query: GroupQuery) -> Report | Response:
    """Rising popularity: connection and follower growth from profile snapshots."""
    return _answer(svc.growth(*_scope(query), query.by, query.limit), query)


@endpoint(bp, "/analytics/conversions", roles=CONTENT_ROLES, query=ConversionQuery, response=Report)
def conversions(query: ConversionQuery) -> Report | Response:
    """Leads, signups and sales with value per employee, article, campaign, team or day."""
    return _answer(svc.conversions(*_scope(query), query.by, query.limit), query)


@endpoint(
    bp,
    "/analytics/ambassadors",
    roles=CONTENT_ROLES,
    query=AnalyticsQuery,
    response=AmbassadorReport,
)
def ambassadors(query: AnalyticsQuery) -> AmbassadorReport | Response:
    """Ambassador discovery: employees ranked by activity, network size and fit with the themes."""
    result = svc.ambassadors(*_scope(query), query.limit)
    if wants_csv(query):
        cols = [
            "employee_id",
            "name",
            "team",
            "department",
            "score",
            "activity",
            "network",
            "fit",
            "shares",
            "unique_clicks",
            "network_size",
            "matched_themes",
            "explanation",
        ]
        rows = []
        for item in result.items:
            row = item.model_dump(mode="json")
            row["matched_themes"] = ";".join(row["matched_themes"])
            rows.append(row)
        return csv_response("ambassadors", cols, rows)
    return result


@endpoint(bp, "/analytics/settings/emv", roles=CONTENT_ROLES, response=EmvSettings)
def get_emv_settings() -> EmvSettings:
    """The earned-media value parameters."""
    return svc.emv_settings()


@endpoint(
    bp,
    "/analytics/settings/emv",
    method="PUT",
    roles=ADMIN_ONLY,
    body=EmvSettings,
    response=EmvSettings,
)
def put_emv_settings(principal: Principal, body: EmvSettings) -> EmvSettings:
    """Replace the earned-media value parameters (missing fields take their defaults)."""
    return svc.update_emv_settings(body, principal.employee_id)
