"""Analytics pages: the dashboards of ``backend.console.dashboards`` rendered with their charts,
tables and a CSV download of the same rows the API returns for the same report and filters.

Every dashboard takes a date range (``start``/``end`` as dates; the end day is included) and a
team filter. Works-council mode refusals (a team below the minimum group size) render as a 403
page that keeps the filters, so a larger group can be picked.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from backend.console import queries
from backend.console.auth import current_user, login_required
from backend.console.blueprint import bp
from backend.console.dashboard_csv import board_csv
from backend.console.dashboards import DASHBOARDS, Scope, parse_scope
from backend.console.i18n import t
from backend.console.trend_views import trend_chart
from backend.errors import validation_details
from backend.exports import csv_response
from backend.schemas.analytics import EmvSettings
from backend.services import analytics as an
from backend.services.works_council import WorksCouncilRefused

__all__ = ["DASHBOARDS", "parse_scope"]


# --- views -----------------------------------------------------------------------------------


def _refused(scope: Scope, exc: WorksCouncilRefused, current: str) -> tuple[str, int]:
    """The page a works-council refusal gets: the filters to pick a larger group, no numbers."""
    return render_template(
        "console/analytics_refused.html",
        scope=scope,
        message=exc.message,
        teams=queries.teams(),
        names=list(DASHBOARDS),
        current=current,
    ), 403


@bp.route("/analytics")
@login_required()
def analytics() -> str | tuple[str, int]:
    scope = parse_scope(request.args)
    try:
        ov = an.overview(scope.period, scope.filters)
        trend = an.trends(scope.period, scope.filters, current=ov)
    except WorksCouncilRefused as exc:
        return _refused(scope, exc, "overview")
    return render_template(
        "console/analytics_overview.html",
        scope=scope,
        ov=ov,
        trend=trend,
        deltas={d.metric: d for d in trend.deltas},
        trend_chart=trend_chart(trend),
        teams=queries.teams(),
        names=list(DASHBOARDS),
        current="overview",
    )


@bp.route("/analytics/<name>")
@login_required()
def analytics_dashboard(name: str) -> str | tuple[str, int]:
    build = DASHBOARDS.get(name)
    if build is None:
        abort(404)
    scope = parse_scope(request.args)
    try:
        board = build(scope)
    except WorksCouncilRefused as exc:
        return _refused(scope, exc, name)
    return render_template(
        "console/analytics_dashboard.html",
        scope=scope,
        board=board,
        emv_settings=an.emv_settings() if name == "emv" else None,
        teams=queries.teams(),
        names=list(DASHBOARDS),
        current=name,
    )


@bp.route("/analytics/emv/settings", methods=["POST"])
@login_required(("admin",))
def analytics_emv_settings() -> WerkzeugResponse:
    """Admins change the earned-media value parameters (the API's PUT, same validation)."""
    form = request.form
    try:
        data = EmvSettings.model_validate(
            {
                "currency": form.get("currency", "").strip().upper(),
                "cpc": form.get("cpc", ""),
                "cpm": form.get("cpm", ""),
                "value_per_reaction": form.get("value_per_reaction", ""),
                "impressions_per_reach": form.get("impressions_per_reach", ""),
            }
        )
    except ValidationError as exc:
        details = "; ".join(f"{d['field']}: {d['message']}" for d in validation_details(exc))
        flash(t("an.emv.settings_invalid") + " " + details, "error")
    else:
        user = current_user()
        an.update_emv_settings(data, user.id if user else None)
        flash(t("an.emv.settings_saved"), "ok")
    back = request.form.get("next", "")
    return redirect(back if back.startswith("/console/") else url_for("console.analytics"))


@bp.route("/analytics/<name>.csv")
@login_required()
def analytics_csv(name: str) -> Response:
    build = DASHBOARDS.get(name)
    if build is None:
        abort(404)
    scope = parse_scope(request.args)
    try:
        board = build(scope)
    except WorksCouncilRefused as exc:
        return Response(exc.message, status=403, mimetype="text/plain")
    suffix = f"{scope.start_day.isoformat()}-{scope.end_day.isoformat()}"
    return csv_response(f"{board.csv_name}-{suffix}", *board_csv(board))
