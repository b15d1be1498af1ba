"""Recognition and results back to employees: my stats, leaderboards, points weights,
guidelines, training cards and weekly digests.

Employees read only their own numbers; the leaderboard shows names (or pseudonyms) and points
only, and leaves out whoever opted out.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from backend.auth import Principal
from backend.openapi import ADMIN_ONLY, ANY_ROLE, CONTENT_ROLES, endpoint
from backend.schemas.program import (
    CompanyDigest,
    CurrentGuideline,
    DigestQuery,
    EmployeeDigest,
    GuidelineAckOut,
    GuidelineCreate,
    GuidelineOut,
    GuidelineQuery,
    Leaderboard,
    LeaderboardQuery,
    LeaderboardSettings,
    MyStats,
    PointsWeights,
    StatsQuery,
    TrainingCardCreate,
    TrainingCardOut,
    TrainingCardQuery,
    TrainingCardUpdate,
)
from backend.services import digest as digest_svc
from backend.services import program as svc

bp = Blueprint("program", __name__)

_OWN_ONLY = {403: "The employee role may read only its own data"}

# --- stats and leaderboards --------------------------------------------------------------------


@endpoint(bp, "/me/stats", roles=ANY_ROLE, query=StatsQuery, response=MyStats, tags=["me"])
def my_stats(principal: Principal, query: StatsQuery) -> MyStats:
    """My shares, clicks, reactions, leads, potential reach, points, rank, streak, goal progress,
    guideline status and top articles for this week/month/quarter/year or all time."""
    return svc.my_stats(principal.employee, query.period)


@endpoint(
    bp,
    "/employees/<int:employee_id>/stats",
    roles=ANY_ROLE,
    query=StatsQuery,
    response=MyStats,
    extra_responses=_OWN_ONLY,
)
def employee_stats(principal: Principal, employee_id: int, query: StatsQuery) -> MyStats:
    """One employee's stats: content/admin may read anyone's, an employee only their own."""
    subject = svc.stats_subject(principal.employee_id, principal.role, employee_id)
    return svc.my_stats(subject, query.period)


@endpoint(bp, "/leaderboard", roles=ANY_ROLE, query=LeaderboardQuery, response=Leaderboard)
def leaderboard(principal: Principal, query: LeaderboardQuery) -> Leaderboard:
    """Points leaderboard per person or per team for the current week, month or quarter.

    People who opted out are left off the person board but still count in their team's total;
    in pseudonymous mode people appear under a stable pseudonym and without their team."""
    return svc.leaderboard(query.period, query.by, query.limit, principal.employee_id)


@endpoint(bp, "/program/points-weights", roles=ANY_ROLE, response=PointsWeights)
def get_points_weights() -> PointsWeights:
    """How many points each action earns."""
    return svc.points_weights()


@endpoint(
    bp,
    "/program/points-weights",
    method="PUT",
    roles=ADMIN_ONLY,
    body=PointsWeights,
    response=PointsWeights,
)
def put_points_weights(principal: Principal, body: PointsWeights) -> PointsWeights:
    """Replace the points weights (missing fields take their defaults)."""
    return svc.update_points_weights(body, principal.employee_id)


@endpoint(bp, "/program/leaderboard-settings", roles=ANY_ROLE, response=LeaderboardSettings)
def get_leaderboard_settings() -> LeaderboardSettings:
    """Leaderboard settings (pseudonymous mode)."""
    return svc.leaderboard_settings()


@endpoint(
    bp,
    "/program/leaderboard-settings",
    method="PUT",
    roles=ADMIN_ONLY,
    body=LeaderboardSettings,
    response=LeaderboardSettings,
)
def put_leaderboard_settings(
    principal: Principal, body: LeaderboardSettings
) -> LeaderboardSettings:
    """Switch pseudonymous mode on or off."""
    return svc.update_leaderboard_settings(body, principal.employee_id)


# --- guidelines --------------------------------------------------------------------------------


@endpoint(
    bp, "/guidelines/current", roles=ANY_ROLE, query=GuidelineQuery, response=CurrentGuideline
)
def current_guideline(principal: Principal, query: GuidelineQuery) -> CurrentGuideline:
    """The current guideline version in my language (or ?language=), and whether I acknowledged
    it."""
    row, languages = svc.current_guideline(principal.employee, query.language)
    status = svc.guideline_status(principal.employee_id)
    return CurrentGuideline(
        **GuidelineOut.model_validate(row).model_dump(),
        acknowledged=status.acknowledged,
        acknowledged_at=status.acknowledged_at,
        languages=languages,
    )


@endpoint(
    bp,
    "/guidelines/<int:guideline_id>/ack",
    method="POST",
    roles=ANY_ROLE,
    response=GuidelineAckOut,
    status=201,
    extra_responses={409: "A newer version replaced this one"},
)
def acknowledge_guideline(principal: Principal, guideline_id: int) -> tuple[GuidelineAckOut, int]:
    """Acknowledge the guideline text I read (201 the first time, 200 after)."""
    ack, row, created = svc.acknowledge(principal.employee, guideline_id)
    out = GuidelineAckOut(
        guideline_id=ack.guideline_id, version=row.version, acknowledged_at=ack.acknowledged_at
    )
    return out, 201 if created else 200


@endpoint(bp, "/guidelines", roles=CONTENT_ROLES, response=list[GuidelineOut])
def list_guidelines() -> list[GuidelineOut]:
    """Every version in every language, newest first."""
    return [GuidelineOut.model_validate(g) for g in svc.list_guidelines()]


@endpoint(
    bp,
    "/guidelines",
    method="POST",
    roles=CONTENT_ROLES,
    body=GuidelineCreate,
    response=list[GuidelineOut],
    status=201,
)
def create_guideline(principal: Principal, body: GuidelineCreate) -> list[GuidelineOut]:
    """Publish a new version (one text per language); everyone must acknowledge it again."""
    rows = svc.create_guideline_version(body, principal.employee_id)
    return [GuidelineOut.model_validate(g) for g in rows]


# --- training cards ----------------------------------------------------------------------------


@endpoint(
    bp, "/training-cards", roles=ANY_ROLE, query=TrainingCardQuery, response=list[TrainingCardOut]
)
def list_training_cards(query: TrainingCardQuery) -> list[TrainingCardOut]:
    """Short training cards in order, optionally in one language."""
    return [TrainingCardOut.model_validate(c) for c in svc.list_cards(query.language)]


@endpoint(
    bp,
    "/training-cards",
    method="POST",
    roles=CONTENT_ROLES,
    body=TrainingCardCreate,
    response=TrainingCardOut,
    status=201,
)
def create_training_card(principal: Principal, body: TrainingCardCreate) -> TrainingCardOut:
    """Add a training card."""
    return TrainingCardOut.model_validate(svc.create_card(body, principal.employee_id))


@endpoint(bp, "/training-cards/<int:card_id>", roles=ANY_ROLE, response=TrainingCardOut)
def get_training_card(card_id: int) -> TrainingCardOut:
    """One training card."""
    return TrainingCardOut.model_validate(svc.get_card(card_id))


@endpoint(
    bp,
    "/training-cards/<int:card_id>",
    method="PATCH",
    roles=CONTENT_ROLES,
    body=TrainingCardUpdate,
    response=TrainingCardOut,
)
def update_training_card(
    principal: Principal, card_id: int, body: TrainingCardUpdate
) -> TrainingCardOut:
    """Edit a training card."""
    return TrainingCardOut.model_validate(svc.update_card(card_id, body, principal.employee_id))


@endpoint(bp, "/training-cards/<int:card_id>", method="DELETE", roles=CONTENT_ROLES, status=204)
def delete_training_card(principal: Principal, card_id: int) -> None:
    """Delete a training card."""
    svc.delete_card(card_id, principal.employee_id)


# --- digests -----------------------------------------------------------------------------------


def _as(fmt: str, rendered: digest_svc.RenderedEmail) -> Response:
    if fmt == "html":
        resp = Response(rendered.html, mimetype="text/html")
        resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return resp
    return Response(rendered.text, mimetype="text/plain")


@endpoint(bp, "/me/digest", roles=ANY_ROLE, query=DigestQuery, response=EmployeeDigest, tags=["me"])
def my_digest(principal: Principal, query: DigestQuery) -> EmployeeDigest | Response:
    """My weekly digest: last 7 days' results and content to share (format=html|text renders the
    e-mail)."""
    result = digest_svc.employee_digest(principal.employee)
    if query.format != "json":
        company = current_app.config["COMPANY_NAME"]
        return _as(query.format, digest_svc.render_employee(result, company))
    return result


@endpoint(
    bp,
    "/employees/<int:employee_id>/digest",
    roles=ANY_ROLE,
    query=DigestQuery,
    response=EmployeeDigest,
    extra_responses=_OWN_ONLY,
)
def employee_digest(
    principal: Principal, employee_id: int, query: DigestQuery
) -> EmployeeDigest | Response:
    """One employee's weekly digest: the content/admin roles may read anyone's, an employee only
    their own."""
    subject = svc.stats_subject(principal.employee_id, principal.role, employee_id)
    result = digest_svc.employee_digest(subject)
    if query.format != "json":
        company = current_app.config["COMPANY_NAME"]
        return _as(query.format, digest_svc.render_employee(result, company))
    return result


@endpoint(bp, "/digest/company", roles=CONTENT_ROLES, query=DigestQuery, response=CompanyDigest)
def company_digest(principal: Principal, query: DigestQuery) -> CompanyDigest | Response:
    """The company's week: headline numbers, top advocates (respecting opt-out and pseudonymous
    mode) and top articles."""
    result = digest_svc.company_digest()
    if query.format != "json":
        company = current_app.config["COMPANY_NAME"]
        lang = digest_svc.digest_language(principal.employee)
        return _as(query.format, digest_svc.render_company(result, company, lang))
    return result
