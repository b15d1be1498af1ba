"""Works-council (aggregate-only) mode: the privacy policy of every per-person surface.

The ``works_council`` setting ``{"enabled": bool, "min_group_size": int}``. When enabled:

- nothing is shown per person to anyone but that person: per-person analytics breakdowns,
  ambassador discovery, someone else's stats and digest, the person leaderboard, the company
  digest's top advocates, the console's People activity columns are refused
  (``WorksCouncilRefused``, a 403) or left out;
- a team or department filter must select at least ``min_group_size`` active employees;
- a team or department row is shown only when at least ``min_group_size`` people are behind its
  figure (those who shared, whose links were clicked, who had snapshots...), and totals are
  recomputed from the rows kept, so a small group cannot be recovered as total minus the rest.

The services call these functions where they read the data (analytics reports, program,
digest), so no view, console page or export can forget them. This module depends only on the
models and the audit log: every service may import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from backend.errors import Forbidden
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import Employee
from backend.services import settings_store

WORKS_COUNCIL_KEY = "works_council"
# Group keys that name one person: refused in works-council mode.
PERSONAL_GROUPINGS = frozenset({"employee", "employee_id", "person", "ambassador"})
GROUPINGS = ("team", "department")


class WorksCouncilRefused(Forbidden):
    """A per-person view, or a too-small group, asked for in works-council mode."""


class WorksCouncil(BaseModel):
    """Works-council mode: analytics show only team aggregates over ``min_group_size`` people."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    min_group_size: int = Field(default=5, ge=2, le=1000)


def works_council() -> WorksCouncil:
    """The current works-council setting (off unless an admin turned it on)."""
    return settings_store.load_model(WorksCouncil, WORKS_COUNCIL_KEY)


def set_works_council(value: WorksCouncil, actor_id: int | None) -> WorksCouncil:
    settings_store.store(
        WORKS_COUNCIL_KEY,
        value.model_dump(),
        actor_id,
        action="privacy.works_council",
        details=value.model_dump(),
    )
    return value


def grouping_allowed(by: str, council: WorksCouncil | None = None) -> bool:
    """Whether analytics may group by ``by`` (never per person in works-council mode)."""
    council = council or works_council()
    return not council.enabled or by not in PERSONAL_GROUPINGS


def per_person_allowed(council: WorksCouncil | None = None) -> bool:
    """Whether a view of other people's individual numbers may be shown at all."""
    return not (council or works_council()).enabled


def require_per_person(what: str, council: WorksCouncil | None = None) -> None:
    """Refuse (403) a per-person ``what`` in works-council mode."""
    if not per_person_allowed(council):
        raise WorksCouncilRefused(
            lazy_translate("error.works_council.per_person_not_available", what=what)
        )


def enforce_group_size(
    rows: Sequence[Mapping[str, Any]],
    size: str | Callable[[Mapping[str, Any]], int],
    council: WorksCouncil | None = None,
) -> list[dict[str, Any]]:
    """Drop rows whose group has fewer than ``min_group_size`` employees (works-council mode).

    ``size`` names the row's member-count field, or is a function returning it. The dropped rows
    are summed into nothing: they must not be recoverable by subtracting from a total, so callers
    compute totals from the rows this returns. Without works-council mode rows pass unchanged.
    """
    council = council or works_council()
    if not council.enabled:
        return [dict(r) for r in rows]
    count: Callable[[Mapping[str, Any]], int] = (
        (lambda r: int(r.get(size) or 0)) if isinstance(size, str) else size
    )
    return [dict(r) for r in rows if count(r) >= council.min_group_size]


def team_sizes(teams: Iterable[str] | None = None) -> dict[str, int]:
    """Active employees per team."""
    stmt = (
        select(Employee.team, func.count())
        .where(Employee.is_active.is_(True))
        .group_by(Employee.team)
    )
    if teams is not None:
        stmt = stmt.where(Employee.team.in_(list(teams)))
    return {team: int(n) for team, n in db.session.execute(stmt)}


def group_size(team: str | None = None, department: str | None = None) -> int:
    """Active employees matching the given team and/or department filter."""
    stmt = select(func.count()).select_from(Employee).where(Employee.is_active.is_(True))
    if team:
        stmt = stmt.where(Employee.team == team)
    if department:
        stmt = stmt.where(Employee.department == department)
    return int(db.session.scalar(stmt) or 0)


def check_scope(
    by: str | None, team: str | None, department: str | None, council: WorksCouncil | None = None
) -> WorksCouncil:
    """Refuse (403) what works-council mode forbids: per-person views and too-small filters.
    Returns the setting it checked against."""
    council = council or works_council()
    if not council.enabled:
        return council
    if by is not None and not grouping_allowed(by, council):
        raise WorksCouncilRefused(lazy_translate("error.works_council.aggregates_only"))
    if (team or department) and group_size(team, department) < council.min_group_size:
        raise WorksCouncilRefused(
            lazy_translate(
                "error.works_council.group_too_small", min_group_size=council.min_group_size
            )
        )
    return council


def enforce_report(
    by: str,
    rows: list[dict[str, Any]],
    totals: dict[str, Any],
    people: Mapping[str, int],
    council: WorksCouncil | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Drop team/department rows behind fewer than the minimum group size of people and
    recompute the totals from the rows kept.

    ``people`` maps ``str(row["key"])`` to the number of distinct people behind that row's
    figures (not the team's size: a team of 20 where two people shared shows two people's
    numbers). Totals that cannot be recomputed from the rows (non-additive) become None.
    """
    council = council or works_council()
    if not council.enabled or by not in GROUPINGS:
        return rows, totals
    kept = enforce_group_size(rows, lambda r: people.get(str(r.get("key")), 0), council)
    if len(kept) == len(rows):
        return rows, totals
    new_totals: dict[str, Any] = {}
    for key, value in totals.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            if all(isinstance(r.get(key), int | float) for r in kept):
                new_totals[key] = sum(r[key] for r in kept)
                continue
            new_totals[key] = None
            continue
        new_totals[key] = value
    return kept, new_totals
