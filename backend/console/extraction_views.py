"""Extraction health: how the extension reads LinkedIn, per page kind over time (counts only)."""

from __future__ import annotations

from flask import render_template

from backend.console.auth import login_required
from backend.console.blueprint import bp
from backend.services import extraction_health as health_svc


@bp.route("/extraction-health")
@login_required()
def extraction_health() -> str:
    return render_template("console/extraction_health.html", kinds=health_svc.summary(days=14))
