"""Recommender: the active model version and its metrics, retraining in the background with
visible progress, each candidate's evaluation report (tables and PNG plots), publish (refused
when worse unless confirmed), rollback, and the articles that are never suggested and why.

Every step is ``backend.services.model_lifecycle`` — the service ``python -m training`` calls.
The page speaks plainly: out of 100 suggestions people acted on, how many each model would have
put in the top 3, on how much data, and the guard's verdict in a sentence.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    abort,
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
from backend.services import audit, model_lifecycle
from backend.services import model_evaluation as me
from recommender.errors import RecommenderError

_PLOT = re.compile(r"^[A-Za-z0-9_.-]+\.png$")


def _uid() -> int:
    user = current_user()
    assert user is not None
    return user.id


def _store() -> Any:
    return model_lifecycle.store()


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
    return me.PRIMARY


def _per100(value: Any) -> str:
    if value is None or value != value:
        return "—"
    return str(int(round(100 * float(value))))


def _signed(value: Any) -> str:
    if value is None or value != value:
        return "—"
    return f"{int(round(100 * float(value))):+d}"


def plain_words(evaluation: dict[str, Any]) -> dict[str, Any]:
    """The evaluation as sentences: headline, floors, size, too-few warning, verdict."""
    models = {m["role"]: m for m in evaluation.get("models", [])}
    new = models.get("candidate", {})
    current = models.get("active")
    out: dict[str, Any] = {}
    if current is not None:
        out["headline"] = t(
            "rec.headline", new=_per100(new.get("top3")), current=_per100(current.get("top3"))
        )
    else:
        out["headline"] = t("rec.headline_alone", new=_per100(new.get("top3")))
    out["floors"] = t(
        "rec.floors",
        random=_per100(models.get("random", {}).get("top3")),
        context=_per100(models.get("context", {}).get("top3")),
    )
    start = (evaluation.get("window_start") or "")[:16].replace("T", " ")
    out["size"] = t(
        "rec.size",
        acted=evaluation.get("acted_on", 0),
        requests=evaluation.get("requests", 0),
        start=start or "—",
    )
    if not evaluation.get("enough"):
        out["too_few"] = t(
            "rec.too_few", acted=evaluation.get("acted_on", 0), min=evaluation.get("min_acted_on")
        )
    diff = evaluation.get("difference") or {}
    ci = diff.get("ci") or [None, None]
    out["verdict"] = evaluation.get("verdict", me.NO_ACTIVE)
    out["verdict_text"] = t(
        "rec.verdict." + out["verdict"],
        diff=_signed(diff.get("rate")),
        lo=_signed(ci[0]),
        hi=_signed(ci[1]),
    )
    rows = []
    for m in evaluation.get("models", []):
        version = (m["name"].split(" ", 1) + [""])[1]
        rows.append(
            {
                "label": t("rec.role." + m["role"], version=version, name=m["name"]),
                "role": m["role"],
                "top3": _per100(m.get("top3")),
                "range": f"{_per100(m['top3_ci'][0])}–{_per100(m['top3_ci'][1])}",
                "ndcg5": m.get("ndcg5"),
                "mrr": m.get("mrr"),
            }
        )
    out["rows"] = rows
    return out


def _job_view(job: dict[str, Any]) -> dict[str, Any]:
    out = dict(job)
    out["status_label"] = t("job." + str(job.get("status")))
    out["step_label"] = t("job.step." + job["step"]) if job.get("step") else ""
    return out


@bp.route("/recommender")
@login_required()
def recommender() -> str:
    serving = _serving()
    active = _store().active()
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
        per100=_per100,
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
    active = _store().active()
    words = plain_words(evaluation) if evaluation is not None else None
    worse = (
        words is not None
        and words["verdict"] == me.WORSE
        and evaluation is not None
        and evaluation.get("active") == active
    )
    running = jobs.running_job()
    user = current_user()
    return render_template(
        "console/recommender_version.html",
        row=row,
        evaluation=evaluation,
        words=words,
        plots=plots,
        active=active,
        worse=worse,
        is_admin=user is not None and user.access_role == model_lifecycle.ADMIN,
        window=(row.metrics or {}).get(model_lifecycle.WINDOW_KEY) or {},
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
    _version_or_404(version)
    force = request.form.get("confirm_worse") == "yes"
    back = url_for("console.recommender_version", version=version) + "#publish"
    try:
        message = model_lifecycle.publish(version, force=force, actor_id=_uid())
    except model_lifecycle.GuardRefused as exc:
        db.session.rollback()
        words = plain_words(exc.evaluation.to_dict())
        if force:
            flash(t("rec.admin_only"), "error")
        else:
            flash(
                t("rec.publish_refused", reason=words["headline"] + " " + words["verdict_text"]),
                "error",
            )
        return redirect(back)
    except RecommenderError as exc:
        db.session.rollback()
        flash(t("rec.publish_refused", reason=str(exc)), "error")
        return redirect(back)
    flash(t("rec.published", version=version) + f" ({message})", "ok")
    return redirect(url_for("console.recommender"))


@bp.route("/recommender/rollback", methods=["POST"])
@login_required()
def recommender_rollback() -> WerkzeugResponse:
    try:
        message = model_lifecycle.rollback(actor_id=_uid())
    except RecommenderError as exc:
        db.session.rollback()
        flash(t("rec.rollback_failed", reason=str(exc)), "error")
        return redirect(url_for("console.recommender"))
    flash(t("rec.rolled_back") + f" ({message})", "ok")
    return redirect(url_for("console.recommender"))
