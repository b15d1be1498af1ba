"""Placeholder while the page is written."""

from __future__ import annotations

from backend.console.auth import login_required
from backend.console.blueprint import bp


@bp.route("/people")
@login_required(("admin",))
def people() -> str:
    return "todo"


@bp.route("/people/list")
@login_required(("admin",))
def people_list() -> str:
    return "todo"
