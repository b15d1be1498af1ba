"""Herald's Flask application factory: it only wires the pieces together."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_cors import CORS

from backend.config import build_config

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then HERALD_* environment, then ``config``."""
    # Imported here, not at the top: ``import backend.models`` (a migration, a script) runs this
    # package first and must not pull in every blueprint.
    from backend import hooks, i18n, observability
    from backend.api import register_blueprints
    from backend.cli import register_cli
    from backend.console import register_console
    from backend.errors import register_error_handlers
    from backend.extensions import init_db

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_mapping(build_config(app.instance_path, config))
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    app.json.sort_keys = False  # type: ignore[attr-defined]

    init_db(app)
    hooks.init_app(app)  # URL converter, proxies, request ids, security headers, access log, limits
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
    observability.init_app(app)
    i18n.init_app(app)  # Flask-Babel: gettext catalogues in backend/translations
    register_blueprints(app)
    register_console(app)
    register_cli(app)
    from backend import tasks

    tasks.init_app(app)  # the task queue: SQLite file by default, Redis with TASK_QUEUE_URL
    from backend.services import adoption_tasks  # noqa: F401 - registers feeds and mention tasks

    if _serves_requests():
        from backend.services.suggestions import warm_up

        warm_up(app)  # loads the active model in the background; /readyz waits for it
    return app


def _serves_requests() -> bool:
    """False for ``flask <command>`` other than ``flask run``: a CLI command serves no requests,
    so it need not load the recommender model in the background."""
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return True  # gunicorn, a WSGI server or a test
    return ctx.info_name == "run"
