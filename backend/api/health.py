"""Liveness and readiness probes (outside /api/v1, no auth)."""

from __future__ import annotations

import importlib

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from backend.extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    """The process is alive."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@limiter.exempt
def readyz() -> Response:
    """Ready when the database answers and the recommender model is loaded."""
    reasons: list[str] = []
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        checks["database"] = "unavailable"
        reasons.append(f"database unavailable: {type(exc).__name__}")
    try:
        suggestions = importlib.import_module("backend.services.suggestions")
        ok, model_reasons = suggestions.readiness()
        checks["model"] = "ok" if ok else "degraded"
        reasons.extend(model_reasons)
    except (ImportError, AttributeError):
        checks["model"] = "unknown"
        reasons.append("recommender is not installed")
    ready = not reasons
    resp = jsonify(
        {"status": "ready" if ready else "not_ready", "checks": checks, "reasons": reasons}
    )
    resp.status_code = 200 if ready else 503
    if not ready:
        resp.headers["Retry-After"] = "5"
    return resp
