"""Onboarding at scale: bulk invitations by e-mail, re-invite, pairing status per person, and
the public page behind an invitation's pairing link (``/console/pair/<token>``).

The business rules live in ``backend.services.invitations``; these views parse the form and
show the outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from backend import i18n
from backend.console.auth import current_user, login_required
from backend.console.blueprint import bp
from backend.console.i18n import t
from backend.errors import APIError
from backend.extensions import db, limiter
from backend.models import Invitation
from backend.services import employees as employees_svc
from backend.services import invitations as inv

ADMIN = ("admin",)
MAX_UPLOAD_BYTES = 512 * 1024


def _uid() -> int:
    user = current_user()
    assert user is not None
    return user.id


def install_url() -> str:
    """The store page when configured, else the built zip served by the console, else ""."""
    cfg = current_app.config
    if cfg.get("EXTENSION_INSTALL_URL"):
        return str(cfg["EXTENSION_INSTALL_URL"])
    if _zip_path() is not None:
        return str(cfg["PUBLIC_BASE_URL"]).rstrip("/") + url_for("console.extension_zip")
    return ""


def _zip_path() -> Path | None:
    raw = current_app.config.get("EXTENSION_ZIP")
    if not raw:
        return None
    path = Path(str(raw))
    return path if path.is_file() else None


def invite_settings() -> inv.InviteSettings:
    cfg = current_app.config
    return inv.InviteSettings(
        secret_key=str(cfg["SECRET_KEY"]),
        base_url=str(cfg["PUBLIC_BASE_URL"]),
        company=str(cfg["COMPANY_NAME"]),
        install_url=install_url(),
        smtp=inv.smtp_from_config(cfg),
    )


def _render(text: str = "", language: str = "", **extra: Any) -> str:
    people = inv.statuses(active_only=True)
    counts: dict[str, int] = {}
    for person in people:
        counts[person.status] = counts.get(person.status, 0) + 1
    return render_template(
        "console/invitations.html",
        people=people,
        counts=counts,
        text=text,
        language=language or "da",
        smtp_on=inv.smtp_from_config(current_app.config) is not None,
        install_url=install_url(),
        columns=inv.CSV_COLUMNS,
        consents=employees_svc.consent_counts(),
        **extra,
    )


@bp.route("/people/invitations", methods=["GET", "POST"])
@login_required(ADMIN)
def people_invitations() -> Any:
    if request.method == "GET":
        return _render()
    language = request.form.get("language", "en")
    text = request.form.get("emails", "")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            return _render(text, language, errors=[inv.RowError(0, "", t("invite.too_big"))]), 413
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    parsed = inv.parse_recipients(text, language)
    if parsed.errors:
        return _render(text, language, errors=parsed.errors), 422
    if not parsed.recipients:
        return _render(text, language, errors=[inv.RowError(0, "", t("invite.empty"))]), 422
    include_paired = request.form.get("include_paired") == "yes"
    report = inv.invite_all(
        parsed.recipients, invite_settings(), _uid(), include_paired=include_paired
    )
    return _render("", language, report=report)


@bp.route("/people/<int:employee_id>/reinvite", methods=["POST"])
@login_required(ADMIN)
def people_reinvite(employee_id: int) -> Any:
    try:
        row = inv.reinvite(employee_id, invite_settings(), _uid())
    except inv.InvitationError:
        db.session.rollback()
        flash(t("invite.reason.deactivated"), "error")
        return redirect(url_for("console.people_invitations"))
    except APIError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("console.people_invitations"))
    if row.outcome == "sent":
        flash(t("invite.resent", email=row.email), "ok")
        return redirect(url_for("console.people_invitations"))
    return _render(report=inv.InviteReport(rows=[row]))


# --- the pairing link (public: the signed token is the credential) --------------------------


def _pair_language(invitation: Invitation | None) -> None:
    if invitation is not None and session.get("lang") not in ("en", "da"):
        i18n.choose_language(invitation.language)


def extension_ids() -> list[str]:
    """The extension ids the pairing page may hand its code to: those in CORS_ORIGINS (the API
    already lists the extension's origin there)."""
    prefix = "chrome-extension://"
    origins = current_app.config.get("CORS_ORIGINS") or []
    return [o[len(prefix) :].strip("/") for o in origins if str(o).startswith(prefix)]


def _auth_limit() -> str:
    return str(current_app.config["RATELIMIT_AUTH"])


@bp.route("/pair/<token>", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def pair_link(token: str) -> Any:
    """GET explains and asks for one click (mail scanners that fetch links consume nothing);
    POST consumes the link and shows a one-time pairing code for the extension."""
    secret = str(current_app.config["SECRET_KEY"])
    try:
        invitation = inv.verify(token, secret)
    except inv.InvitationError as exc:
        _pair_language(exc.invitation)
        return render_template("console/pair.html", problem=exc.reason, token=token), 410
    _pair_language(invitation)
    if request.method == "GET":
        return render_template(
            "console/pair.html",
            token=token,
            invitation=invitation,
            install_url=install_url(),
            api_url=current_app.config["PUBLIC_BASE_URL"],
        )
    try:
        code, pairing, employee = inv.redeem(token, secret)
    except inv.InvitationError as exc:
        _pair_language(exc.invitation)
        return render_template("console/pair.html", problem=exc.reason, token=token), 410
    return render_template(
        "console/pair.html",
        token=token,
        code=code,
        expires_at=pairing.expires_at,
        employee=employee,
        install_url=install_url(),
        api_url=current_app.config["PUBLIC_BASE_URL"],
        extension_ids=extension_ids(),
    )


@bp.route("/extension.zip")
def extension_zip() -> WerkzeugResponse:
    """The built extension (``python extension/build.py``), when EXTENSION_ZIP names it."""
    path = _zip_path()
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/zip", as_attachment=True)
