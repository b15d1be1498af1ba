"""OIDC single sign-on for the console and for pairing the extension (Authlib's Flask client).

Enabled when ``OIDC_ISSUER`` (the provider's issuer URL; its
``/.well-known/openid-configuration`` is read) and ``OIDC_CLIENT_ID`` are set; the redirect URI
to register at the provider is ``<PUBLIC_BASE_URL>/console/sso/callback``.

* ``/console/sso/login``: content and admin users sign in to the console; employees get the
  "console is for the content team" page.
* ``/console/sso/pair``: anyone known to Herald gets a one-time pairing code for the extension,
  without waiting for an invitation e-mail.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for

from backend.console.auth import CONSOLE_ROLES, end_session, safe_next, start_session
from backend.console.blueprint import bp
from backend.console.i18n import t
from backend.console.invite_views import extension_ids, install_url
from backend.extensions import db
from backend.services import audit, sso
from backend.services import employees as employees_svc
from backend.services.invitations import PAIRING_CODE_TTL_HOURS

CLIENT = "company"
_EXTENSION_KEY = "herald.oidc"


def init_sso(app: Flask) -> None:
    """Register the OIDC client on this app when OIDC is configured (one OAuth per app)."""
    if not sso.enabled(app.config):
        return
    oauth = OAuth(app)
    issuer = str(app.config["OIDC_ISSUER"]).rstrip("/")
    oauth.register(
        CLIENT,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config.get("OIDC_CLIENT_SECRET") or None,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile"},
    )
    app.extensions[_EXTENSION_KEY] = oauth


@bp.context_processor
def _sso_flag() -> dict[str, Any]:
    return {"sso_enabled": _EXTENSION_KEY in current_app.extensions}


def _client() -> Any:
    oauth = current_app.extensions.get(_EXTENSION_KEY)
    if oauth is None:
        abort(404)
    return oauth.create_client(CLIENT)


def _callback_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/") + url_for("console.sso_callback")


@bp.route("/sso/login")
def sso_login() -> Any:
    client = _client()
    session["sso_purpose"] = "console"
    session["sso_next"] = safe_next(request.args.get("next"))
    return client.authorize_redirect(_callback_url())


@bp.route("/sso/pair")
def sso_pair() -> Any:
    client = _client()
    session["sso_purpose"] = "pair"
    return client.authorize_redirect(_callback_url())


@bp.route("/sso/callback")
def sso_callback() -> Any:
    client = _client()
    purpose = session.pop("sso_purpose", "console")
    next_url = session.pop("sso_next", None)
    try:
        token = client.authorize_access_token()
        claims = token.get("userinfo") or client.userinfo(token=token)
        employee = sso.resolve_employee(claims)
    except (OAuthError, sso.SsoError, ValueError) as exc:
        current_app.logger.warning("sso: sign-in failed: %s", exc)
        return _login_error("login.sso_failed")
    if employee is None:
        return _login_error("login.sso_unknown")
    if purpose == "pair":
        code, row = employees_svc.create_pairing_code(employee.id, None, PAIRING_CODE_TTL_HOURS)
        return render_template(
            "console/pair.html",
            code=code,
            expires_at=row.expires_at,
            employee=employee,
            install_url=install_url(),
            api_url=current_app.config["PUBLIC_BASE_URL"],
            extension_ids=extension_ids(),
        )
    if employee.access_role not in CONSOLE_ROLES:
        end_session()
        return render_template("console/error.html", status=403, reason="employee"), 403
    start_session(employee)
    audit.record(employee.id, "console.sign_in", "employee", employee.id, method="oidc")
    db.session.commit()
    return redirect(safe_next(next_url))


def _login_error(key: str) -> tuple[str, int]:
    return render_template("console/login.html", next="", email="", error=t(key)), 401
