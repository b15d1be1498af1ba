"""Herald's Flask application factory."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request
from flask_cors import CORS

from backend.config import build_config
from backend.errors import register_error_handlers
from backend.extensions import db, limiter

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then HERALD_* environment, then ``config``."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(build_config(app.instance_path, config))
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from backend.auth import rate_limit_key

    db.init_app(app)
    limiter._key_func = rate_limit_key  # per token where one is presented, else per address
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
    if app.config["CORS_ORIGINS"]:
        CORS(
            app,
            resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            max_age=600,
        )
    register_error_handlers(app)
    _register_request_hooks(app)

    from backend import observability

    observability.init_app(app)

    from backend.api import register_blueprints

    register_blueprints(app)

    from backend.cli import register_cli

    register_cli(app)

    from backend.console import register_console

    register_console(app)
    _install_sqlite_pragmas(app)
    return app


def _install_sqlite_pragmas(app: Flask) -> None:
    """WAL + busy timeout so concurrent gunicorn workers on SQLite wait instead of failing."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            if ":memory:" not in str(engine.url):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _register_request_hooks(app: Flask) -> None:
    log = logging.getLogger("herald.request")

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = (
            incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        )
        g.started = time.perf_counter()

    @app.after_request
    def _finish(resp: Response) -> Response:
        for key, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(key, value)
        resp.headers.setdefault(
            "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"
        )
        if request.path.startswith("/api/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        resp.headers["X-Request-ID"] = g.get("request_id", "")
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        log.info(
            "request",
            extra={
                "request_id": g.get("request_id"),
                "method": request.method,
                "path": request.url_rule.rule if request.url_rule else "<unmatched>",
                "status": resp.status_code,
                "ms": round(elapsed_ms, 2),
            },
        )
        return resp
