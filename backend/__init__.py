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
from werkzeug.routing import IntegerConverter

from backend.config import build_config
from backend.errors import register_error_handlers
from backend.extensions import db, discard_session, limiter

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then HERALD_* environment, then ``config``."""
    app = Flask(__name__, instance_relative_config=False)
    app.url_map.converters["int"] = DatabaseInt
    app.config.from_mapping(build_config(app.instance_path, config))
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )

    from backend.auth import rate_limit_key

    db.init_app(app)
    # Teardowns run in reverse order, so this one ends the session before Flask-SQLAlchemy's
    # (which then finds nothing to close) and a dropped connection cannot turn into a 500.
    app.teardown_appcontext(lambda _exc: discard_session())
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
    from backend.services import cache_sync

    cache_sync.init_app(app)  # drop caches when another node changed what they hold
    _register_request_hooks(app)

    from backend import observability

    observability.init_app(app)

    from backend.api import register_blueprints

    register_blueprints(app)

    from backend.cli import register_cli

    register_cli(app)

    from backend import tasks

    tasks.init_app(app)  # the task queue: SQLite file by default, Redis with TASK_QUEUE_URL
    tasks.register_cli(app)

    from backend.console import register_console

    register_console(app)

    if _serves_requests():
        from backend.services.suggestions import warm_up

        warm_up(app)  # loads the active model in the background; /readyz waits for it
    _install_sqlite_pragmas(app)
    return app


def _serves_requests() -> bool:
    """False for ``flask <command>`` other than ``flask run``: a CLI command serves no requests,
    so it need not load the recommender model in the background."""
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return True  # gunicorn, a WSGI server or a test
    return ctx.info_name == "run"


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
                # WAL persists in the file: set it once. Switching needs a moment without other
                # writers, so a busy database simply keeps its mode until the next connection.
                mode = cur.execute("PRAGMA journal_mode").fetchone()
                if not mode or str(mode[0]).lower() != "wal":
                    try:
                        cur.execute("PRAGMA journal_mode=WAL")
                    except dbapi_conn.OperationalError:
                        pass
            cur.close()


class DatabaseInt(IntegerConverter):
    """``<int:...>`` ids that fit the database's INTEGER columns (0 to 2**31 - 1).

    Larger numbers do not match the URL at all, so they are a plain 404 (with Flask's default
    converter PostgreSQL refused them with an error that became a 500).
    """

    # Every decimal number up to 2147483647, digit by digit.
    regex = (
        r"(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
        r"|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
        r"|21474836[0-3][0-9]|214748364[0-7])"
    )


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
    def _start() -> Response | None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = (
            incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        )
        g.started = time.perf_counter()
        return _refuse_token_guessing(app)

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
        if resp.status_code == 401 and _presents_credentials():
            _count_failed_auth(app)
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


# Token guessing: the per-token rate limit cannot stop it (every guess is a new token), so failed
# authentications are counted per client address, in the limiter's storage (Redis when
# REDIS_URL is set, so shared by every worker and server), and once RATELIMIT_AUTH is used up
# further requests that present credentials are refused with 429 before any lookup.
_AUTH_FAILURES = "auth-failures"


def _presents_credentials() -> bool:
    return bool(request.headers.get("Authorization"))


def _auth_failure_limit(app: Flask) -> Any:
    from limits import parse

    return parse(str(app.config["RATELIMIT_AUTH"]))


def _refuse_token_guessing(app: Flask) -> Response | None:
    if not app.config.get("RATELIMIT_ENABLED", True) or not _presents_credentials():
        return None
    item = _auth_failure_limit(app)
    key = request.remote_addr or "unknown"
    if limiter.limiter.test(item, _AUTH_FAILURES, key):
        return None
    from backend.errors import error_response

    reset, _remaining = limiter.limiter.get_window_stats(item, _AUTH_FAILURES, key)
    retry = max(1, int(reset - time.time()))
    return error_response(
        429,
        "rate_limited",
        f"too many failed authentications from this address: limit {app.config['RATELIMIT_AUTH']}",
        headers={"Retry-After": str(retry)},
    )


def _count_failed_auth(app: Flask) -> None:
    """Count a 401 as a guess unless the token is one we issued (expired or revoked): a whole
    office behind one NAT address must not be locked out by its stale extension tokens."""
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    from sqlalchemy import select

    from backend.auth import bearer_from_request, hash_secret
    from backend.models import ApiToken

    raw = bearer_from_request()
    if raw:
        try:
            known = db.session.scalar(
                select(ApiToken.id).where(ApiToken.token_hash == hash_secret(raw))
            )
        except Exception:  # noqa: BLE001 - database down: count it, the 503 path is elsewhere
            known = None
        if known is not None:
            return
    limiter.limiter.hit(_auth_failure_limit(app), _AUTH_FAILURES, request.remote_addr or "unknown")
