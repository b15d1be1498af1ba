"""Campaigns with goals and sub-goals; progress computed from shares, clicks and conversions.

Everyone signed in may read campaigns and their (aggregate) progress; the content role edits.
"""

from __future__ import annotations

from flask import Blueprint

from backend.auth import Principal
from backend.openapi import ANY_ROLE, CONTENT_ROLES, endpoint
from backend.schemas.program import (
    CampaignCreate,
    CampaignOut,
    CampaignProgress,
    CampaignQuery,
    CampaignUpdate,
    GoalCreate,
    GoalOut,
    GoalUpdate,
)
from backend.services import campaigns as svc

bp = Blueprint("campaigns", __name__)


@endpoint(bp, "/campaigns", roles=ANY_ROLE, query=CampaignQuery, response=list[CampaignOut])
def list_campaigns(query: CampaignQuery) -> list[CampaignOut]:
    """Campaigns by priority, optionally filtered by status."""
    return [CampaignOut.model_validate(c) for c in svc.list_campaigns(query.status)]


@endpoint(
    bp,
    "/campaigns",
    method="POST",
    roles=CONTENT_ROLES,
    body=CampaignCreate,
    response=CampaignOut,
    status=201,
    extra_responses={409: "A campaign with this slug exists"},
)
def create_campaign(principal: Principal, body: CampaignCreate) -> CampaignOut:
    """Create a campaign."""
    return CampaignOut.model_validate(svc.create_campaign(body, principal.employee_id))


@endpoint(bp, "/campaigns/<int:campaign_id>", roles=ANY_ROLE, response=CampaignOut)
def get_campaign(campaign_id: int) -> CampaignOut:
    """One campaign with its goals."""
    return CampaignOut.model_validate(svc.get_campaign(campaign_id))


@endpoint(
    bp,
    "/campaigns/<int:campaign_id>",
    method="PATCH",
    roles=CONTENT_ROLES,
    body=CampaignUpdate,
    response=CampaignOut,
    extra_responses={409: "Slug used by another campaign"},
)
def update_campaign(principal: Principal, campaign_id: int, body: CampaignUpdate) -> CampaignOut:
    """Update a campaign."""
    return CampaignOut.model_validate(svc.update_campaign(campaign_id, body, principal.employee_id))


@endpoint(
    bp,
    "/campaigns/<int:campaign_id>",
    method="DELETE",
    roles=CONTENT_ROLES,
    status=204,
    extra_responses={409: "Articles or conversions refer to the campaign"},
)
def delete_campaign(principal: Principal, campaign_id: int) -> None:
    """Delete an unused campaign and its goals."""
    svc.delete_campaign(campaign_id, principal.employee_id)


@endpoint(
    bp,
    "/campaigns/<int:campaign_id>/goals",
    method="POST",
    roles=CONTENT_ROLES,
    body=GoalCreate,
    response=GoalOut,
    status=201,
)
def create_goal(principal: Principal, campaign_id: int, body: GoalCreate) -> GoalOut:
    """Add a goal (or, with parent_id, a sub-goal) to a campaign."""
    return GoalOut.model_validate(svc.create_goal(campaign_id, body, principal.employee_id))


@endpoint(
    bp,
    "/campaigns/<int:campaign_id>/goals/<int:goal_id>",
    method="PATCH",
    roles=CONTENT_ROLES,
    body=GoalUpdate,
    response=GoalOut,
)
def update_goal(principal: Principal, campaign_id: int, goal_id: int, body: GoalUpdate) -> GoalOut:
    """Change a goal's target, label, team or period."""
    return GoalOut.model_validate(
        svc.update_goal(campaign_id, goal_id, body, principal.employee_id)
    )


@endpoint(
    bp,
    "/campaigns/<int:campaign_id>/goals/<int:goal_id>",
    method="DELETE",
    roles=CONTENT_ROLES,
    status=204,
)
def delete_goal(principal: Principal, campaign_id: int, goal_id: int) -> None:
    """Delete a goal and its sub-goals."""
    svc.delete_goal(campaign_id, goal_id, principal.employee_id)


@endpoint(bp, "/campaigns/<int:campaign_id>/progress", roles=ANY_ROLE, response=CampaignProgress)
def campaign_progress(campaign_id: int) -> CampaignProgress:
    """Progress of every goal and sub-goal, computed from the data (aggregates only)."""
    return svc.progress(campaign_id)
