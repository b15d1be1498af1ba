"""Campaigns with goals and sub-goals, and goal progress computed from the tracked data."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.errors import Conflict, NotFound, ValidationFailed
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import Article, Campaign, CampaignGoal, Conversion, utcnow
from backend.schemas.program import (
    CampaignCreate,
    CampaignProgress,
    CampaignUpdate,
    GoalCreate,
    GoalProgress,
    GoalUpdate,
)
from backend.services import analytics as an
from backend.services import audit

# --- campaigns ---------------------------------------------------------------------------------


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(
            lazy_translate("error.campaigns.campaign_not_found", campaign_id=campaign_id)
        )
    return campaign


def list_campaigns(status: str | None = None) -> list[Campaign]:
    stmt = select(Campaign).order_by(Campaign.priority.desc(), Campaign.id)
    if status is not None:
        stmt = stmt.where(Campaign.status == status)
    return list(db.session.scalars(stmt))


SLUG_MAX = 80
# Letters NFKD does not decompose into ASCII; Danish first.
_TRANSLIT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "đ": "d", "ł": "l"})


def slugify(name: str) -> str:
    """A short name from a campaign name: "Grøn Energi 2026!" -> "groen-energi-2026"."""
    text = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLIT))
    text = text.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or "campaign"


def unique_slug(name: str, other_than: int | None = None) -> str:
    """``slugify(name)``, with -2, -3, ... appended while another campaign has it."""
    base = slugify(name)
    candidate, n = base, 1
    while _slug_taken(candidate, other_than):
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return candidate


def last_day(ends_at: dt.datetime | None) -> dt.date | None:
    """The last day a campaign (or goal period) runs, for people: ends are stored exclusive
    (the midnight after the last day), so 2026-03-31 is stored as 2026-04-01T00:00Z; an end
    stored as 23:59:59 on the last day gives the same answer."""
    if ends_at is None:
        return None
    return (ends_at.astimezone(dt.UTC) - dt.timedelta(microseconds=1)).date()


def resolve_campaign(value: str) -> str | None:
    """The slug of the campaign a person meant: its short name, its name (any case), or a name
    that slugifies to its short name ("Grøn Energi" finds groen-energi); None if none."""
    text = value.strip()
    if not text:
        return None
    exact = db.session.scalar(select(Campaign.slug).where(Campaign.slug == text.lower()))
    if exact is not None:
        return str(exact)
    by_name = db.session.scalar(
        select(Campaign.slug).where(func.lower(Campaign.name) == text.lower()).limit(1)
    )
    if by_name is not None:
        return str(by_name)
    derived = db.session.scalar(select(Campaign.slug).where(Campaign.slug == slugify(text)))
    return str(derived) if derived is not None else None


def _slug_taken(slug: str, other_than: int | None = None) -> bool:
    stmt = select(Campaign.id).where(Campaign.slug == slug)
    if other_than is not None:
        stmt = stmt.where(Campaign.id != other_than)
    return db.session.scalar(stmt) is not None


def create_campaign(data: CampaignCreate, actor_id: int | None) -> Campaign:
    if _slug_taken(data.slug):
        raise Conflict(lazy_translate("error.campaigns.campaign_slug_exists", slug=data.slug))
    campaign = Campaign(**data.model_dump())
    db.session.add(campaign)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            lazy_translate("error.campaigns.campaign_slug_exists", slug=data.slug)
        ) from None
    audit.record(actor_id, "campaign.create", "campaign", campaign.id, slug=campaign.slug)
    db.session.commit()
    return campaign


def update_campaign(campaign_id: int, data: CampaignUpdate, actor_id: int | None) -> Campaign:
    campaign = get_campaign(campaign_id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if "slug" in changes and _slug_taken(changes["slug"], campaign.id):
        raise Conflict(lazy_translate("error.campaigns.campaign_slug_exists", slug=changes["slug"]))
    start = changes.get("starts_at", campaign.starts_at)
    end = changes.get("ends_at", campaign.ends_at)
    if start is not None and end is not None and start >= end:
        raise ValidationFailed(
            lazy_translate("error.campaigns.campaign_start_must_before_end"),
            details=[{"field": "starts_at", "message": "must be before ends_at", "type": "range"}],
        )
    for key, value in changes.items():
        setattr(campaign, key, value)
    audit.record(actor_id, "campaign.update", "campaign", campaign.id, fields=sorted(changes))
    db.session.commit()
    return campaign


def delete_campaign(campaign_id: int, actor_id: int | None) -> None:
    """Delete a campaign nothing refers to; otherwise 409 (set its status to ended instead)."""
    campaign = get_campaign(campaign_id)
    used = db.session.scalar(
        select(func.count(Article.id)).where(Article.campaign_id == campaign.id)
    ) or db.session.scalar(
        select(func.count(Conversion.id)).where(Conversion.campaign_id == campaign.id)
    )
    if used:
        raise Conflict(lazy_translate("error.campaigns.campaign_in_use", campaign_id=campaign_id))
    # Unlink sub-goals first so the self-reference never blocks a delete.
    for goal in campaign.goals:
        goal.parent_id = None
    db.session.flush()
    db.session.delete(campaign)
    audit.record(actor_id, "campaign.delete", "campaign", campaign_id, slug=campaign.slug)
    db.session.commit()


# --- goals -------------------------------------------------------------------------------------


def get_goal(campaign_id: int, goal_id: int) -> CampaignGoal:
    goal = db.session.get(CampaignGoal, goal_id)
    if goal is None or goal.campaign_id != campaign_id:
        raise NotFound(
            lazy_translate(
                "error.campaigns.goal_not_found_campaign", goal_id=goal_id, campaign_id=campaign_id
            )
        )
    return goal


def create_goal(campaign_id: int, data: GoalCreate, actor_id: int | None) -> CampaignGoal:
    campaign = get_campaign(campaign_id)
    if data.parent_id is not None:
        parent = db.session.get(CampaignGoal, data.parent_id)
        if parent is None or parent.campaign_id != campaign.id:
            raise ValidationFailed(
                lazy_translate(
                    "error.campaigns.parent_goal_not_goal_campaign",
                    parent_id=data.parent_id,
                    campaign_id=campaign_id,
                ),
                details=[{"field": "parent_id", "message": "unknown parent", "type": "value"}],
            )
    goal = CampaignGoal(campaign_id=campaign.id, **data.model_dump())
    db.session.add(goal)
    db.session.flush()
    audit.record(actor_id, "campaign.goal.create", "campaign_goal", goal.id, metric=goal.metric)
    db.session.commit()
    return goal


def update_goal(
    campaign_id: int, goal_id: int, data: GoalUpdate, actor_id: int | None
) -> CampaignGoal:
    goal = get_goal(campaign_id, goal_id)
    changes = data.model_dump(exclude_unset=True)
    if goal.metric == "participation" and (changes.get("target") or 0) > 100:
        raise ValidationFailed(
            lazy_translate("error.campaigns.participation_target_range"),
            details=[{"field": "target", "message": "at most 100", "type": "range"}],
        )
    start = changes.get("period_start", goal.period_start)
    end = changes.get("period_end", goal.period_end)
    if start is not None and end is not None and start >= end:
        raise ValidationFailed(
            lazy_translate("error.campaigns.goal_start_must_before_end"),
            details=[
                {"field": "period_start", "message": "must be before period_end", "type": "range"}
            ],
        )
    for key, value in changes.items():
        if key == "target" and value is None:
            continue
        setattr(goal, key, value)  # team/period may be cleared with null
    audit.record(actor_id, "campaign.goal.update", "campaign_goal", goal.id, fields=sorted(changes))
    db.session.commit()
    return goal


def delete_goal(campaign_id: int, goal_id: int, actor_id: int | None) -> None:
    """Delete a goal with its sub-goals."""
    goal = get_goal(campaign_id, goal_id)
    doomed: list[CampaignGoal] = []
    frontier = [goal]
    while frontier:
        node = frontier.pop()
        doomed.append(node)
        frontier.extend(
            db.session.scalars(select(CampaignGoal).where(CampaignGoal.parent_id == node.id))
        )
    for node in reversed(doomed):
        db.session.delete(node)
        db.session.flush()
    audit.record(actor_id, "campaign.goal.delete", "campaign_goal", goal_id)
    db.session.commit()


# --- progress ----------------------------------------------------------------------------------


def goal_period(goal: CampaignGoal, campaign: Campaign, now: dt.datetime) -> an.Period:
    """The goal's own period, else the campaign's, else from the campaign's creation until now."""
    start = goal.period_start or campaign.starts_at or campaign.created_at
    end = goal.period_end or campaign.ends_at or now
    if end <= start:
        end = start + dt.timedelta(seconds=1)
    return an.Period(start, end)


def metric_value(
    metric: str, period: an.Period, filters: an.Filters, employee_id: int | None = None
) -> float:
    """A goal metric over the period (campaign scope and team come with ``filters``).

    shares, reach (potential), reactions and clicks (human) count campaign articles' shares and
    links; leads and sales count conversions attributed to the campaign; participation is the % of
    employees active in the period who shared the campaign's content. Leads count 'lead'
    and 'signup' conversions; signups count 'signup' conversions only (e.g. job applications);
    sales count 'sale' conversions (values live in analytics).
    """
    match metric:
        case "shares" | "reach" | "reactions":
            key = {"shares": "shares", "reach": "potential_reach", "reactions": "reactions"}[metric]
            return float(an.totals_shares(period, filters, employee_id)[key])
        case "clicks":
            return float(an.totals_clicks(period, filters, employee_id)["clicks"])
        case "leads":
            conv = an.totals_conversions(period, filters, employee_id)
            return float(conv["leads"] + conv["signups"])
        case "signups":
            return float(an.totals_conversions(period, filters, employee_id)["signups"])
        case "sales":
            return float(an.totals_conversions(period, filters, employee_id)["sales"])
        case "participation":
            active, sharers = an.participation_headline(period, filters)
            return round(100.0 * sharers / active, 1) if active else 0.0
    raise ValueError(f"unknown goal metric {metric!r}")


def _goal_progress(
    goal: CampaignGoal, campaign: Campaign, now: dt.datetime, employee_id: int | None
) -> GoalProgress:
    period = goal_period(goal, campaign, now)
    filters = an.Filters(team=goal.team, campaign_id=campaign.id)
    actual = metric_value(goal.metric, period, filters)
    mine: float | None = None
    if employee_id is not None and goal.metric != "participation":
        mine = metric_value(goal.metric, period, filters, employee_id)
    return GoalProgress(
        id=goal.id,
        parent_id=goal.parent_id,
        label=goal.label,
        metric=goal.metric,
        target=goal.target,
        team=goal.team,
        period_start=period.start,
        period_end=period.end,
        actual=actual,
        percent=round(100.0 * actual / goal.target, 1) if goal.target else 0.0,
        achieved=actual >= goal.target,
        mine=mine,
    )


def goals_progress(
    campaign: Campaign, now: dt.datetime | None = None, employee_id: int | None = None
) -> list[GoalProgress]:
    """Progress of every goal, nested: top-level goals hold their sub-goals."""
    now = now or utcnow()
    goals = sorted(campaign.goals, key=lambda g: g.id)
    nodes = {g.id: _goal_progress(g, campaign, now, employee_id) for g in goals}
    roots: list[GoalProgress] = []
    for g in goals:
        node = nodes[g.id]
        if g.parent_id is not None and g.parent_id in nodes:
            nodes[g.parent_id].sub_goals.append(node)
        else:
            roots.append(node)
    return roots


def progress(campaign_id: int, now: dt.datetime | None = None) -> CampaignProgress:
    campaign = get_campaign(campaign_id)
    now = now or utcnow()
    return CampaignProgress(
        campaign_id=campaign.id,
        slug=campaign.slug,
        name=campaign.name,
        status=campaign.status,
        computed_at=now,
        goals=goals_progress(campaign, now),
    )


def active_campaigns(now: dt.datetime | None = None) -> list[Campaign]:
    """Campaigns with status active whose period holds ``now``."""
    now = now or utcnow()
    stmt = (
        select(Campaign)
        .where(Campaign.status == "active")
        .where((Campaign.starts_at.is_(None)) | (Campaign.starts_at <= now))
        .where((Campaign.ends_at.is_(None)) | (Campaign.ends_at > now))
        .order_by(Campaign.priority.desc(), Campaign.id)
    )
    return list(db.session.scalars(stmt))
