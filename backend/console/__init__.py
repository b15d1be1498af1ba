"""The content team console: a server-rendered web app under ``/console``.

Marketers sign in with an e-mail and password (content and admin roles only), then manage
articles, campaigns, analytics, the recommender's model versions and people from a browser.
Every page calls the same service functions as the API; the console holds no business logic of
its own beyond presentation.

Security: a Flask session cookie (HttpOnly, SameSite=Lax, Secure unless
``CONSOLE_COOKIE_SECURE`` is false, which production refuses), a Flask-WTF CSRF token on every
POST, password lockout (``backend.console.auth``), and a strict Content-Security-Policy (scripts
and styles only from the app itself; the charting library is served from ``static/vendor``).
"""

from __future__ import annotations

import datetime as dt

from flask import Flask

from backend.console.blueprint import bp
from backend.extensions import csrf


def _configure(app: Flask) -> None:
    """The session cookie from the settings (backend/config.py; production refuses an insecure
    one there)."""
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["CONSOLE_COOKIE_SECURE"])
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_NAME"] = "herald_console"
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(
        hours=int(app.config["CONSOLE_SESSION_HOURS"])
    )
    # Flask-WTF's CSRF tokens: checked by the console's own before_request (the API takes bearer
    # tokens, not cookies), valid for as long as the session.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    csrf.init_app(app)


def register_console(app: Flask) -> None:
    """Register the console blueprint under /console."""
    _configure(app)
    from backend.console import (  # noqa: F401  (importing registers their views on ``bp``)
        analytics_views,
        article_views,
        auth,
        auth_views,
        extraction_views,
        feed_views,
        i18n,
        integrity_views,
        invite_views,
        people_views,
        privacy_views,
        program_views,
        recommender_views,
        sso_views,
    )

    sso_views.init_sso(app)

    app.register_blueprint(bp)
