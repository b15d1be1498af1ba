"""Placeholder while the page is written."""

from __future__ import annotations

from backend.console.auth import login_required
from backend.console.blueprint import bp


@bp.route("/campaigns")
@login_required()
def campaigns() -> str:
    return "todo"


@bp.route("/mentions")
@login_required()
def mentions() -> str:
    return "todo"


@bp.route("/guidelines")
@login_required()
def guidelines() -> str:
    return "todo"
