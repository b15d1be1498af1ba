"""Privacy (admin): the erasure requests employees made from the panel's Privacy tab, oldest
first, each with a data export and the erasure itself; the latest erasures carried out; and the
consent counts (read only: consent is the employee's own choice).

The rules live in ``backend.services.privacy`` (what is deleted, what stays as anonymous counts,
the audit entries), the same functions ``/api/v1/privacy/*`` calls; these views parse the form and
show the outcome."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from backend.console.auth import current_user, login_required
from backend.console.blueprint import bp
from backend.console.i18n import t
from backend.errors import APIError
from backend.extensions import db
from backend.models import Employee
from backend.services import employees as employees_svc
from backend.services import privacy as svc

ADMIN = ("admin",)


def _uid() -> int:
    user = current_user()
    assert user is not None
    return user.id


def _refused(exc: APIError) -> WerkzeugResponse:
    """The service said no (unknown or already erased): nothing written, the reason shown."""
    db.session.rollback()
    flash(exc.message, "error")
    return redirect(url_for("console.privacy"))


@bp.route("/privacy")
@login_required(ADMIN)
def privacy() -> str:
    pending = svc.pending_erasure_requests()
    done = svc.recent_erasures()
    ids = {eid for eid, _ in pending} | {eid for eid, _, _ in done}
    people = (
        {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(ids)))}
        if ids
        else {}
    )
    return render_template(
        "console/privacy.html",
        pending=[(people.get(eid), eid, when) for eid, when in pending],
        done=[(people.get(eid), eid, when, rows) for eid, when, rows in done],
        consents=employees_svc.consent_counts(),
    )


@bp.route("/privacy/<int:employee_id>/export")
@login_required(ADMIN)
def privacy_export(employee_id: int) -> Response | WerkzeugResponse:
    """Everything stored about the person, as the JSON file the API returns (audited)."""
    try:
        data = svc.export_employee(employee_id, _uid())
    except APIError as exc:
        return _refused(exc)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="herald-export-{employee_id}.json"'},
    )


@bp.route("/privacy/<int:employee_id>/erase", methods=["POST"])
@login_required(ADMIN)
def privacy_erase(employee_id: int) -> WerkzeugResponse:
    """Carry out an erasure; the admin ticks that they understand it cannot be undone."""
    if request.form.get("confirm") != "yes":
        flash(t("privacy.confirm_needed"), "error")
        return redirect(url_for("console.privacy"))
    try:
        rows = svc.erase_employee(employee_id, _uid())
    except APIError as exc:
        return _refused(exc)
    flash(t("privacy.erased", n=sum(rows.values())), "ok")
    return redirect(url_for("console.privacy"))
