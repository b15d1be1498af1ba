"""Placeholder while the page is written."""

from __future__ import annotations

from backend.console.auth import login_required
from backend.console.blueprint import bp


@bp.route("/analytics")
@login_required()
def analytics() -> str:
    return "todo"
