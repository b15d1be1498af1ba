"""Recommender: the active model version and its metrics, retraining in the background with
visible progress, each candidate's evaluation report (tables and PNG plots), publish (refused
when worse unless confirmed), rollback, and the articles that are never suggested and why.

The pipeline steps are ``training.commands`` — the same functions ``python -m training`` runs.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from backend.console import jobs, queries
from backend.console.auth import current_user, login_required
from backend.console.blueprint import bp
from backend.console.i18n import t
from backend.extensions import db
from backend.models import ModelVersion
from backend.services import audit

_PLOT = re.compile(r"^[A-Za-z0-9_.-]+\.png$")


def _uid() -> int:
    user = current_user()
    assert user is not None
    return user.id


def _store() -> Any:
    from recommender.artifacts import store_for

    return store_for(current_app.config)


def _active() -> str | None:
    """The version every node serves (the database's pointer; ACTIVE on older stores)."""
    from backend.services.recommender_runtime import active_version

    return active_version()


def _serving() -> dict[str, Any]:
    """What the API is serving right now (version, encoder, degraded and why)."""
    try:
        from backend.services.recommender_runtime import runtime

        model = runtime().serving()
    except Exception as exc:  # noqa: BLE001 - the page must render whatever the runtime says
        return {"version": None, "encoder": None, "degraded": True, "reasons": [str(exc)]}
    encoder = getattr(model, "encoder", None)
    return {
        "version": model.version,
        "encoder": getattr(encoder, "name", None) if encoder is not None else None,
        "degraded": bool(model.degraded),
        "reasons": list(model.reasons),
    }


def _versions() -> list[ModelVersion]:
    return list(
        db.session.scalars(
            select(ModelVersion).order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
        )
    )


def _primary() -> str:
    from training.evaluation import PRIMARY

    return PRIMARY


def _job_view(job: dict[str, Any]) -> dict[str, Any]:
    out = dict(job)
    out["status_label"] = t("job." + str(job.get("status")))
    out["step_label"] = t("job.step." + job["step"]) if job.get("step") else ""
    return out


@bp.route("/recommender")
@login_required()
def recommender() -> str:
    serving = _serving()
    active = _active()
    versions = _versions()
    active_row = next((v for v in versions if v.version == active), None)
    running = jobs.running_job()
    recent = [_job_view(j) for j in jobs.list_jobs(5)]
    encoder = serving["encoder"] or (active_row.encoder if active_row else None)
    report = queries.never_suggested(encoder)
    return render_template(
        "console/recommender.html",
        serving=serving,
        active=active,
        active_row=active_row,
        versions=versions,
        running=_job_view(running) if running else None,
        recent=recent,
        never=report,
        primary=_primary(),
        evaluations={v.version: jobs.read_evaluation(v.version) is not None for v in versions},
        can_rollback=sum(1 for v in versions if v.activated_at is not None) >= 2,
    )


@bp.route("/recommender/retrain", methods=["POST"])
@login_required()
def recommender_retrain() -> WerkzeugResponse:
    try:
        job_id = jobs.start_retrain(_uid())
    except jobs.JobBusy:
        flash(t("rec.busy"), "warn")
        return redirect(url_for("console.recommender"))
    audit.record(_uid(), "console.retrain", "job", job_id)
    db.session.commit()
    flash(t("rec.started"), "ok")
    return redirect(url_for("console.recommender") + "#job")


@bp.route("/recommender/jobs/<job_id>")
@login_required()
def recommender_job(job_id: str) -> WerkzeugResponse:
    job = jobs.read_job(job_id)
    if job is None:
        abort(404)
    return jsonify(_job_view(job))


@bp.route("/recommender/jobs/<job_id>/retry", methods=["POST"])
@login_required()
def recommender_job_retry(job_id: str) -> WerkzeugResponse:
    try:
        jobs.retry(job_id)
    except jobs.JobBusy:
        flash(t("rec.busy"), "warn")
    except jobs.JobError:
        abort(404)
    else:
        audit.record(_uid(), "console.job_retry", "job", job_id)
        db.session.commit()
        flash(t("rec.retried"), "ok")
    return redirect(url_for("console.recommender") + "#job")


def _version_or_404(version: str) -> ModelVersion:
    row: ModelVersion | None = db.session.scalar(
        select(ModelVersion).where(ModelVersion.version == version)
    )
    if row is None:
        abort(404)
    return row


@bp.route("/recommender/versions/<version>")
@login_required()
def recommender_version(version: str) -> str:
    row = _version_or_404(version)
    evaluation = jobs.read_evaluation(version)
    plots: list[str] = []
    if evaluation is not None:
        folder = _store().path_for(version)
        plots = [p for p in evaluation.get("plots", []) if (folder / p).is_file()]
    active = _active()
    worse = False
    if evaluation is not None and active and active != version:
        results = evaluation["results"]
        primary = evaluation["primary"]
        mine = results[0]["metrics"].get(primary)
        theirs = next(
            (r["metrics"].get(primary) for r in results if r["name"] == f"active {active}"), None
        )
        worse = mine is not None and theirs is not None and mine < theirs
    running = jobs.running_job()
    depts = sorted(
        {d for r in (evaluation or {}).get("results", []) for d in r.get("per_department", {})}
    )
    return render_template(
        "console/recommender_version.html",
        depts=depts,
        row=row,
        evaluation=evaluation,
        plots=plots,
        active=active,
        worse=worse,
        running=_job_view(running) if running else None,
        primary=_primary(),
    )


@bp.route("/recommender/versions/<version>/plots/<name>")
@login_required()
def recommender_plot(version: str, name: str) -> Any:
    _version_or_404(version)
    if not _PLOT.match(name):
        abort(404)
    path = _store().path_for(version) / name
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="image/png", max_age=0)


@bp.route("/recommender/versions/<version>/evaluate", methods=["POST"])
@login_required()
def recommender_evaluate(version: str) -> WerkzeugResponse:
    _version_or_404(version)
    try:
        jobs.start_evaluation(version, _uid())
    except jobs.JobBusy:
        flash(t("rec.busy"), "warn")
    else:
        flash(t("rec.evaluating", version=version), "ok")
    return redirect(url_for("console.recommender") + "#job")


@bp.route("/recommender/versions/<version>/publish", methods=["POST"])
@login_required()
def recommender_publish(version: str) -> WerkzeugResponse:
    from recommender.errors import RecommenderError
    from training import commands

    _version_or_404(version)
    force = request.form.get("confirm_worse") == "yes"
    try:
        message = commands.publish(version, force=force)
    except RecommenderError as exc:
        db.session.rollback()
        flash(t("rec.publish_refused", reason=str(exc)), "error")
        return redirect(url_for("console.recommender_version", version=version) + "#publish")
    audit.record(_uid(), "model.publish", "model_version", version, forced=force)
    db.session.commit()
    flash(t("rec.published", version=version) + f" ({message})", "ok")
    return redirect(url_for("console.recommender"))


@bp.route("/recommender/rollback", methods=["POST"])
@login_required()
def recommender_rollback() -> WerkzeugResponse:
    from recommender.errors import RecommenderError
    from training import commands

    try:
        message = commands.rollback()
    except RecommenderError as exc:
        db.session.rollback()
        flash(t("rec.rollback_failed", reason=str(exc)), "error")
        return redirect(url_for("console.recommender"))
    audit.record(_uid(), "model.rollback", "model_version", "", message=message)
    db.session.commit()
    flash(t("rec.rolled_back") + f" ({message})", "ok")
    return redirect(url_for("console.recommender"))
