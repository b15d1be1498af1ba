"""Sign-in, sign-out, the language switch, the home page and the console's HTML error pages."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from backend.console import queries
from backend.console.auth import (
    current_user,
    end_session,
    login_required,
    safe_next,
    sign_in,
    start_session,
)
from backend.console.blueprint import bp
from backend.console.i18n import LANGUAGES, t
from backend.errors import APIError
from backend.extensions import db, limiter

log = logging.getLogger("herald.console")
Page = str | WerkzeugResponse | tuple[str, int]


@bp.context_processor
def _user() -> dict[str, Any]:
    return {"user": current_user()}


def _auth_limit() -> str:
    return str(current_app.config["RATELIMIT_AUTH"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def login() -> Page:
    next_url = request.values.get("next", "")
    if request.method == "GET":
        if current_user() is not None:
            return redirect(safe_next(next_url))
        return render_template("console/login.html", next=next_url, email="")
    email = request.form.get("email", "").strip()[:254]
    password = request.form.get("password", "")[:1024]
    result = sign_in(email, password)
    if result.outcome == "ok" and result.employee is not None:
        start_session(result.employee)
        return redirect(safe_next(next_url))
    if result.outcome == "forbidden":
        end_session()
        return render_template("console/error.html", status=403, reason="employee"), 403
    if result.outcome == "locked":
        error = t("login.locked")
    else:
        error = t("login.invalid")
    return render_template("console/login.html", next=next_url, email=email, error=error), 401


@bp.route("/logout", methods=["POST"])
def logout() -> WerkzeugResponse:
    end_session()
    flash(t("login.signed_out"), "ok")
    return redirect(url_for("console.login"))


@bp.route("/language", methods=["POST"])
def set_language() -> WerkzeugResponse:
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
        user = current_user()
        if user is not None and user.ui_language != lang:
            user.ui_language = lang
            db.session.commit()
    target = request.form.get("next", "")
    return redirect(
        safe_next(target) if target.startswith("/console") else url_for("console.login")
    )


@bp.route("/")
@login_required()
def dashboard() -> Page:
    return render_template("console/dashboard.html", home=queries.home_summary())


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[str, int]:
    db.session.rollback()
    status = exc.code or 500
    reason = "csrf" if isinstance(exc, CSRFError) else ""
    return render_template("console/error.html", status=status, reason=reason), status


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> tuple[str, int]:
    """An HTML 500 page for console users; details go to the log, never to the page."""
    db.session.rollback()
    log.exception("console: unhandled error")
    return render_template("console/error.html", status=500), 500


@bp.errorhandler(APIError)
def _api_error(exc: APIError) -> tuple[str, int]:
    db.session.rollback()
    return render_template("console/error.html", status=exc.status, message=exc.message), exc.status
