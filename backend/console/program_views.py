"""Campaigns with goals and progress bars, the mentions inbox, guidelines and training cards."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, get_args

from flask import flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from backend.console import queries
from backend.console.auth import current_user, login_required
from backend.console.blueprint import bp
from backend.console.i18n import t
from backend.errors import APIError, validation_details
from backend.extensions import db
from backend.models import Employee, GuidelineAck
from backend.schemas.program import (
    CampaignCreate,
    CampaignUpdate,
    GoalCreate,
    GoalMetric,
    GuidelineCreate,
    TrainingCardCreate,
)
from backend.schemas.tracking import MentionQuery, MentionResolve
from backend.services import campaigns as campaign_svc
from backend.services import mentions as mention_svc
from backend.services import program as program_svc

log = logging.getLogger("herald.console")
GOAL_METRICS = get_args(GoalMetric)
CAMPAIGN_STATUSES = ("draft", "active", "paused", "ended")

bp.add_app_template_filter(campaign_svc.last_day, "last_day")


def _uid() -> int:
    user = current_user()
    assert user is not None
    return user.id


def _errors(exc: Exception) -> list[dict[str, Any]]:
    if isinstance(exc, ValidationError):
        return validation_details(exc)
    if isinstance(exc, APIError):
        return exc.details or [{"field": "", "message": exc.message}]
    raise exc


def _day(value: str, end: bool = False) -> dt.datetime | None:
    """A date field as UTC midnight (an end date includes its whole day)."""
    value = value.strip()
    if not value:
        return None
    day = dt.date.fromisoformat(value)
    moment = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return moment + dt.timedelta(days=1) if end else moment


# --- campaigns -------------------------------------------------------------------------------


@bp.route("/campaigns")
@login_required()
def campaigns() -> str:
    rows = []
    problems: dict[int, str] = {}
    for campaign in campaign_svc.list_campaigns():
        rows.append((campaign, _progress_or_problem(campaign, problems)))
    return render_template("console/campaigns.html", rows=rows, problems=problems)


def _progress_or_problem(campaign: Any, problems: dict[int, str]) -> list[Any]:
    """Goal progress; a goal the service cannot compute is reported on the page, not a 500."""
    try:
        return campaign_svc.goals_progress(campaign)
    except ValueError as exc:
        db.session.rollback()
        log.warning("campaign %s: goal progress failed: %s", campaign.id, exc)
        problems[campaign.id] = str(exc)
        return []


def _campaign_form_values(
    form: Any, campaign_id: int | None = None
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """The model's values and the form's values as entered (shown again after an error).

    Dates are entered as days with an inclusive end; the model stores the end as the
    midnight after the last day, so the form never shows or saves that shifted day."""
    errors: list[dict[str, Any]] = []
    name = form.get("name", "")
    slug = form.get("slug", "").strip().lower()
    shown: dict[str, Any] = {
        "slug": slug,
        "name": name,
        "description": form.get("description", ""),
        "status": form.get("status", "active"),
        "priority": form.get("priority", "0"),
        "starts_at": form.get("starts_at", "").strip(),
        "ends_at": form.get("ends_at", "").strip(),
    }
    values: dict[str, Any] = {
        "slug": slug or (campaign_svc.unique_slug(name, campaign_id) if name.strip() else ""),
        "name": name,
        "description": shown["description"],
        "status": shown["status"],
    }
    try:
        values["priority"] = int(form.get("priority") or 0)
    except ValueError:
        errors.append({"field": "priority", "message": t("form.bad_number")})
    for key, is_end in (("starts_at", False), ("ends_at", True)):
        try:
            values[key] = _day(shown[key], end=is_end)
        except ValueError:
            errors.append({"field": key, "message": t("form.bad_date")})
    return values, shown, errors


def _render_campaign(campaign: Any, values: dict[str, Any], errors: list[dict[str, Any]]) -> Any:
    problems: dict[int, str] = {}
    progress = _progress_or_problem(campaign, problems) if campaign is not None else []
    return render_template(
        "console/campaign_form.html",
        campaign=campaign,
        values=values,
        errors={e.get("field", ""): e.get("message", "") for e in errors},
        error_list=errors,
        progress=progress,
        problem=problems.get(campaign.id) if campaign is not None else None,
        metrics=GOAL_METRICS,
        statuses=CAMPAIGN_STATUSES,
        teams=queries.teams(),
    ), (422 if errors else 200)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required()
def campaign_new() -> Any:
    if request.method == "GET":
        return _render_campaign(None, {"status": "active", "priority": 0}, [])
    values, shown, errors = _campaign_form_values(request.form)
    if errors:
        return _render_campaign(None, shown, errors)
    try:
        campaign = campaign_svc.create_campaign(CampaignCreate.model_validate(values), _uid())
    except (ValidationError, APIError) as exc:
        db.session.rollback()
        return _render_campaign(None, shown, _errors(exc))
    flash(t("campaigns.created", name=campaign.name), "ok")
    return redirect(url_for("console.campaign_edit", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>", methods=["GET", "POST"])
@login_required()
def campaign_edit(campaign_id: int) -> Any:
    campaign = campaign_svc.get_campaign(campaign_id)
    if request.method == "GET":
        shown = {k: getattr(campaign, k) for k in ("slug", "name", "description", "priority")}
        shown["status"] = campaign.status
        starts = campaign.starts_at.astimezone(dt.UTC).date() if campaign.starts_at else None
        ends = campaign_svc.last_day(campaign.ends_at)
        shown["starts_at"] = starts.isoformat() if starts else ""
        shown["ends_at"] = ends.isoformat() if ends else ""
        return _render_campaign(campaign, shown, [])
    values, shown, errors = _campaign_form_values(request.form, campaign_id)
    if errors:
        return _render_campaign(campaign, shown, errors)
    try:
        campaign_svc.update_campaign(campaign_id, CampaignUpdate.model_validate(values), _uid())
    except (ValidationError, APIError) as exc:
        db.session.rollback()
        return _render_campaign(campaign_svc.get_campaign(campaign_id), shown, _errors(exc))
    flash(t("campaigns.saved", name=values["name"]), "ok")
    return redirect(url_for("console.campaign_edit", campaign_id=campaign_id))


@bp.route("/campaigns/<int:campaign_id>/goals", methods=["POST"])
@login_required()
def campaign_goal_add(campaign_id: int) -> WerkzeugResponse:
    form = request.form
    try:
        data = GoalCreate.model_validate(
            {
                "metric": form.get("metric", ""),
                "target": form.get("target", ""),
                "label": form.get("label", ""),
                "team": form.get("team") or None,
                "period_start": _day(form.get("period_start", "")),
                "period_end": _day(form.get("period_end", ""), end=True),
                "parent_id": form.get("parent_id") or None,
            }
        )
        campaign_svc.create_goal(campaign_id, data, _uid())
    except (ValidationError, APIError, ValueError) as exc:
        db.session.rollback()
        details = (
            [{"message": str(exc)}]
            if not isinstance(exc, ValidationError | APIError)
            else _errors(exc)
        )
        flash(
            t("campaigns.goal_invalid")
            + " "
            + "; ".join(str(d.get("message", "")) for d in details),
            "error",
        )
    else:
        flash(t("campaigns.goal_added"), "ok")
    return redirect(url_for("console.campaign_edit", campaign_id=campaign_id) + "#goals")


@bp.route("/campaigns/<int:campaign_id>/goals/<int:goal_id>/delete", methods=["POST"])
@login_required()
def campaign_goal_delete(campaign_id: int, goal_id: int) -> WerkzeugResponse:
    campaign_svc.delete_goal(campaign_id, goal_id, _uid())
    flash(t("campaigns.goal_deleted"), "ok")
    return redirect(url_for("console.campaign_edit", campaign_id=campaign_id) + "#goals")


# --- mentions --------------------------------------------------------------------------------


@bp.route("/mentions")
@login_required()
def mentions() -> str:
    status = request.args.get("status", "open")
    query = MentionQuery.model_validate(
        {"status": status if status in ("open", "resolved") else None, "limit": 200}
    )
    rows, total = mention_svc.list_mentions(query)
    ids = {m.employee_id for m in rows} | {m.resolved_by_id for m in rows if m.resolved_by_id}
    people = {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(ids)))}
    return render_template(
        "console/mentions.html", rows=rows, total=total, status=status, people=people
    )


@bp.route("/mentions/<int:mention_id>/resolve", methods=["POST"])
@login_required()
def mention_resolve(mention_id: int) -> WerkzeugResponse:
    try:
        data = MentionResolve.model_validate({"note": request.form.get("note", "")})
        mention_svc.resolve_mention(mention_id, data, _uid())
    except (ValidationError, APIError) as exc:
        db.session.rollback()
        flash("; ".join(str(d.get("message", "")) for d in _errors(exc)), "error")
    else:
        flash(t("mentions.resolved"), "ok")
    return redirect(url_for("console.mentions"))


# --- guidelines and training cards -----------------------------------------------------------


@bp.route("/guidelines")
@login_required()
def guidelines() -> str:
    rows = program_svc.list_guidelines()
    current = program_svc.current_version()
    versions: dict[int, list[Any]] = {}
    for g in rows:
        versions.setdefault(g.version, []).append(g)
    acks = 0
    active = 0
    if current is not None:
        current_ids = [g.id for g in versions[current]]
        acks = int(
            db.session.scalar(
                select(func.count(func.distinct(GuidelineAck.employee_id))).where(
                    GuidelineAck.guideline_id.in_(current_ids)
                )
            )
            or 0
        )
        active = int(
            db.session.scalar(
                select(func.count()).select_from(Employee).where(Employee.is_active.is_(True))
            )
            or 0
        )
    latest = {g.language: g for g in versions.get(current or -1, [])}
    return render_template(
        "console/guidelines.html",
        versions=versions,
        current=current,
        latest=latest,
        acks=acks,
        active=active,
        cards=program_svc.list_cards(),
    )


@bp.route("/guidelines", methods=["POST"])
@login_required()
def guideline_publish() -> WerkzeugResponse:
    translations = []
    for lang in ("en", "da"):
        title = request.form.get(f"title_{lang}", "").strip()
        body = request.form.get(f"body_{lang}", "").strip()
        if title or body:
            translations.append({"language": lang, "title": title, "body": body})
    try:
        rows = program_svc.create_guideline_version(
            GuidelineCreate.model_validate({"translations": translations}), _uid()
        )
    except (ValidationError, APIError) as exc:
        db.session.rollback()
        flash(t("guidelines.invalid") + " " + _messages(exc), "error")
    else:
        flash(t("guidelines.published", version=rows[0].version), "ok")
    return redirect(url_for("console.guidelines"))


def _messages(exc: Exception) -> str:
    return "; ".join(
        (f"{d['field']}: " if d.get("field") else "") + str(d.get("message", ""))
        for d in _errors(exc)
    )


@bp.route("/training-cards", methods=["POST"])
@login_required()
def training_card_add() -> WerkzeugResponse:
    try:
        data = TrainingCardCreate.model_validate(
            {
                "language": request.form.get("language", "en"),
                "title": request.form.get("title", ""),
                "body": request.form.get("body", ""),
                "position": request.form.get("position") or 0,
            }
        )
        program_svc.create_card(data, _uid())
    except (ValidationError, APIError) as exc:
        db.session.rollback()
        flash(t("cards.invalid") + " " + _messages(exc), "error")
    else:
        flash(t("cards.added"), "ok")
    return redirect(url_for("console.guidelines") + "#cards")


@bp.route("/training-cards/<int:card_id>/delete", methods=["POST"])
@login_required()
def training_card_delete(card_id: int) -> WerkzeugResponse:
    program_svc.delete_card(card_id, _uid())
    flash(t("cards.deleted"), "ok")
    return redirect(url_for("console.guidelines") + "#cards")
