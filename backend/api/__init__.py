"""Blueprint registration: one module per resource, all JSON APIs under /api/v1."""

from __future__ import annotations

from flask import Flask

API_PREFIX = "/api/v1"


def register_blueprints(app: Flask) -> None:
    from backend.api import (
        analytics,
        articles,
        auth,
        campaigns,
        conversions,
        docs,
        employees,
        extension,
        health,
        me,
        mentions,
        privacy,
        program,
        redirect,
        saved,
        scim,
        shares,
        suggestions,
        webhooks,
    )

    app.register_blueprint(health.bp)
    app.register_blueprint(redirect.bp)  # /r/<code>, outside the API prefix
    app.register_blueprint(scim.bp)  # /scim/v2, SCIM's own paths and error shape
    app.register_blueprint(docs.bp, url_prefix=API_PREFIX)
    for module in (
        auth,
        me,
        saved,
        employees,
        articles,
        suggestions,
        shares,
        conversions,
        mentions,
        webhooks,
        analytics,
        campaigns,
        program,
        privacy,
        extension,
    ):
        app.register_blueprint(module.bp, url_prefix=API_PREFIX)
