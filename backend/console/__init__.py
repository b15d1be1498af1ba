"""The content team console: a server-rendered web app under ``/console``.

Marketers sign in with an e-mail and password (content and admin roles only), then manage
articles, campaigns, analytics, the recommender's model versions and people from a browser.
Every page calls the same service functions as the API; the console holds no business logic of
its own beyond presentation.

Security: a Flask session cookie (HttpOnly, SameSite=Lax, Secure unless
``CONSOLE_COOKIE_SECURE`` is false, which production refuses), a per-session CSRF token on every
POST, password lockout (``backend.console.auth``), and a strict Content-Security-Policy (scripts
and styles only from the app itself; the charting library is served from ``static/vendor``).
"""

from __future__ import annotations

import datetime as dt

from flask import Flask

from backend.console.blueprint import bp
from backend.errors import ConfigError


def _configure(app: Flask) -> None:
    production = app.config.get("ENV") == "production"
    secure = app.config.get("CONSOLE_COOKIE_SECURE")
    if secure is None:
        # Local http development would otherwise never keep a session; production always is.
        secure = production
    if production and not secure:
        raise ConfigError("refusing to start in production: CONSOLE_COOKIE_SECURE must be on")
    app.config["CONSOLE_COOKIE_SECURE"] = bool(secure)
    app.config["SESSION_COOKIE_SECURE"] = bool(secure)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_NAME"] = "herald_console"
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", dt.timedelta(hours=8))
    app.config.setdefault("CONSOLE_MAX_FAILED_LOGINS", 5)
    app.config.setdefault("CONSOLE_LOCKOUT_MINUTES", 15)


def register_console(app: Flask) -> None:
    """Register the console blueprint under /console."""
    _configure(app)
    from backend.console import (  # noqa: F401  (importing registers their views on ``bp``)
        analytics_views,
        article_views,
        auth,
        auth_views,
        extraction_views,
        i18n,
        people_views,
        program_views,
        recommender_views,
    )

    app.register_blueprint(bp)
