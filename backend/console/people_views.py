"""People: employees and teams, who is taking part, ambassador discovery (content and admin);
invite with a one-time pairing code shown once and printable, deactivate/reactivate (admin);
the works-council switch (admin) and the banner every console page shows while it is on.

Writes go through ``backend.services.employees`` (the API's admin functions) and
``backend.services.works_council``, which also decides what is per person: each person's activity
and ambassador discovery are refused in works-council mode, and the page says so."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from backend.console import queries
from backend.console.auth import current_user, login_required
from backend.console.blueprint import bp
from backend.console.dashboards import parse_scope
from backend.console.i18n import t
from backend.errors import APIError, validation_details
from backend.extensions import db
from backend.models import Employee, utcnow
from backend.schemas.employees import EmployeeCreate
from backend.services import analytics as an
from backend.services import employees as svc
from backend.services import works_council as policy
from backend.services.works_council import WorksCouncilRefused

ADMIN = ("admin",)
PARTICIPATION_DAYS = 30


def _uid() -> int:
    user = current_user()
    assert user is not None
    return user.id


@bp.context_processor
def _works_council() -> dict[str, Any]:
    """Every console page shows a banner while works-council mode is on (base.html)."""
    return {"works_council": policy.works_council() if current_user() else None}


@dataclass(frozen=True)
class PersonLine:
    employee: Employee
    paired: bool
    activity: an.PersonActivity | None  # None: hidden in works-council mode


@bp.route("/people")
@login_required()
def people() -> str | tuple[str, int]:
    args = request.args
    active_arg = args.get("active", "yes")
    active = {"yes": True, "no": False}.get(active_arg)
    team = args.get("team") or None
    now = utcnow()
    since = now - dt.timedelta(days=PARTICIPATION_DAYS)
    directory = queries.people_rows(team, args.get("q") or None, active)
    try:
        activity: dict[int, an.PersonActivity] | None = an.person_activity(
            [r.employee.id for r in directory], since
        )
    except WorksCouncilRefused:
        activity = None
    rows = [
        PersonLine(r.employee, r.paired, activity.get(r.employee.id) if activity else None)
        for r in directory
    ]
    active_rows = [r for r in rows if r.employee.is_active]
    team_summary: dict[str, dict[str, int]] = {}
    for row in active_rows:
        entry = team_summary.setdefault(
            row.employee.team or "—", {"people": 0, "sharing": 0, "paired": 0}
        )
        entry["people"] += 1
        entry["sharing"] += 1 if row.activity and row.activity.shares else 0
        entry["paired"] += 1 if row.paired else 0
    sharing: int | None = sum(1 for r in active_rows if r.activity and r.activity.shares)
    refused = None
    if activity is None:
        # Works-council mode: who shared comes from the participation report, which keeps
        # only teams of at least the minimum group size (and refuses a smaller team filter).
        try:
            part = an.participation(an.Period(since, now), an.Filters(team=team))
        except WorksCouncilRefused as exc:
            refused, sharing, team_summary = exc.message, None, {}
        else:
            sharing = part.sharers
            kept = {tp.team or "—": tp for tp in part.teams}
            team_summary = {
                name: {**entry, "sharing": kept[name].sharers}
                for name, entry in team_summary.items()
                if name in kept
            }
    return render_template(
        "console/people.html",
        rows=rows,
        per_person=activity is not None,
        refused=refused,
        teams=queries.teams(),
        team_summary=sorted(team_summary.items()),
        args=args,
        active_arg=active_arg,
        sharing=sharing,
        paired=sum(1 for r in active_rows if r.paired),
        total_active=len(active_rows),
        days=PARTICIPATION_DAYS,
    )


@bp.route("/people/ambassadors")
@login_required()
def people_ambassadors() -> str | tuple[str, int]:
    scope = parse_scope(request.args)
    try:
        report = an.ambassadors(scope.period, scope.filters, 25)
    except WorksCouncilRefused as exc:
        return render_template(
            "console/ambassadors.html",
            report=None,
            refused=exc.message,
            scope=scope,
            teams=queries.teams(),
        ), 403
    return render_template(
        "console/ambassadors.html", report=report, refused=None, scope=scope, teams=queries.teams()
    )


@bp.route("/people/works-council", methods=["GET", "POST"])
@login_required(ADMIN)
def works_council() -> str | WerkzeugResponse | tuple[str, int]:
    """Admins switch works-council (aggregate-only) mode; the page states the rule."""
    current = policy.works_council()
    if request.method == "GET":
        return render_template("console/works_council.html", council=current, errors=[])
    values = {
        "enabled": request.form.get("enabled") == "yes",
        "min_group_size": request.form.get("min_group_size", "").strip() or current.min_group_size,
    }
    try:
        value = policy.WorksCouncil.model_validate(values)
    except ValidationError as exc:
        return render_template(
            "console/works_council.html", council=current, errors=validation_details(exc)
        ), 422
    policy.set_works_council(value, _uid())
    flash(t("wc.saved_on" if value.enabled else "wc.saved_off", n=value.min_group_size), "ok")
    return redirect(url_for("console.works_council"))


def _invite_values(form: Any) -> dict[str, Any]:
    langs = [lang for lang in form.getlist("languages") if lang] or ["en"]
    return {
        "email": form.get("email", "").strip(),
        "name": form.get("name", ""),
        "job_title": form.get("job_title", ""),
        "department": form.get("department", ""),
        "team": form.get("team", ""),
        "location": form.get("location", ""),
        "languages": langs,
        "access_role": form.get("access_role", "employee"),
    }


def _render_invite(values: dict[str, Any], errors: list[dict[str, Any]]) -> tuple[str, int]:
    return render_template(
        "console/invite.html",
        values=values,
        errors={e.get("field", ""): e.get("message", "") for e in errors},
        error_list=errors,
        teams=queries.teams(),
        departments=queries.departments(),
    ), (422 if errors else 200)


def _code_page(employee: Employee, code: str, expires_at: dt.datetime) -> str:
    return render_template(
        "console/pairing_code.html",
        employee=employee,
        code=code,
        expires_at=expires_at,
        api_url=current_app.config.get("PUBLIC_BASE_URL", ""),
    )


@bp.route("/people/invite", methods=["GET", "POST"])
@login_required(ADMIN)
def people_invite() -> Any:
    if request.method == "GET":
        return _render_invite({"languages": ["en"], "access_role": "employee"}, [])
    values = _invite_values(request.form)
    try:
        data = EmployeeCreate.model_validate(values)
        employee = svc.create_employee(data, _uid())
        code, row = svc.create_pairing_code(
            employee.id, _uid(), int(current_app.config["PAIRING_CODE_TTL_HOURS"])
        )
    except ValidationError as exc:
        return _render_invite(values, validation_details(exc))
    except APIError as exc:
        db.session.rollback()
        return _render_invite(values, exc.details or [{"field": "", "message": exc.message}])
    return _code_page(employee, code, row.expires_at)


@bp.route("/people/<int:employee_id>/pairing-code", methods=["POST"])
@login_required(ADMIN)
def people_pairing_code(employee_id: int) -> Any:
    try:
        code, row = svc.create_pairing_code(
            employee_id, _uid(), int(current_app.config["PAIRING_CODE_TTL_HOURS"])
        )
    except APIError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("console.people"))
    return _code_page(svc.get_employee(employee_id), code, row.expires_at)


@bp.route("/people/<int:employee_id>/active", methods=["POST"])
@login_required(ADMIN)
def people_set_active(employee_id: int) -> WerkzeugResponse:
    active = request.form.get("active") == "yes"
    if not active and employee_id == _uid():
        flash(t("people.not_yourself"), "error")
        return redirect(url_for("console.people"))
    employee = svc.set_active(employee_id, active, _uid())
    key = "people.reactivated" if active else "people.deactivated"
    flash(t(key, name=employee.name), "ok")
    return redirect(url_for("console.people", active="all"))
