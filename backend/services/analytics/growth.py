"""Rising popularity: connection and follower growth from profile snapshots."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select

from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import Employee, ProfileSnapshot
from backend.schemas.analytics import Report
from backend.services import works_council as policy
from backend.services.analytics.participation import employee_filter
from backend.services.analytics.query import Filters, Period
from backend.services.analytics.reports import guard, make_report, sort_rows

GROWTH_COLUMNS = [
    "key",
    "label",
    "employees",
    "connections_first",
    "connections_last",
    "connections_growth",
    "connections_growth_pct",
    "followers_first",
    "followers_last",
    "followers_growth",
    "followers_growth_pct",
]


def _first_last(metric: Any, period: Period, filters: Filters) -> dict[int, tuple[int, int]]:
    """Per employee: the metric's first and last non-null value in the period."""
    order_asc = (ProfileSnapshot.taken_at.asc(), ProfileSnapshot.id.asc())
    order_desc = (ProfileSnapshot.taken_at.desc(), ProfileSnapshot.id.desc())
    inner = (
        select(
            ProfileSnapshot.employee_id.label("employee_id"),
            metric.label("value"),
            func.row_number()
            .over(partition_by=ProfileSnapshot.employee_id, order_by=order_asc)
            .label("rn_first"),
            func.row_number()
            .over(partition_by=ProfileSnapshot.employee_id, order_by=order_desc)
            .label("rn_last"),
        )
        .join(Employee, Employee.id == ProfileSnapshot.employee_id)
        .where(
            ProfileSnapshot.taken_at >= period.start,
            ProfileSnapshot.taken_at < period.end,
            metric.is_not(None),
            *employee_filter(filters),
        )
        .subquery()
    )
    stmt = (
        select(
            inner.c.employee_id,
            func.max(sa.case((inner.c.rn_first == 1, inner.c.value), else_=None)),
            func.max(sa.case((inner.c.rn_last == 1, inner.c.value), else_=None)),
        )
        .where(sa.or_(inner.c.rn_first == 1, inner.c.rn_last == 1))
        .group_by(inner.c.employee_id)
    )
    return {int(e): (int(a), int(b)) for e, a, b in db.session.execute(stmt)}


def _pct(first: int, last: int) -> float | None:
    return round(100.0 * (last - first) / first, 1) if first else None


def growth(period: Period, filters: Filters, by: str, limit: int) -> Report:
    """Connection and follower growth: first vs last snapshot in the period, per employee/team.

    Works-council mode: per-employee rows are refused; a team or department row needs the
    minimum group size of people *with snapshots* behind it (``employees``), not of members."""
    council = guard(by, filters)
    conns = _first_last(ProfileSnapshot.connections, period, filters)
    fols = _first_last(ProfileSnapshot.followers, period, filters)
    ids = set(conns) | set(fols)
    people = (
        {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(ids)))}
        if ids
        else {}
    )
    groups: dict[Any, dict[str, Any]] = {}
    for emp_id in ids:
        emp = people[emp_id]
        key: Any = emp_id if by == "employee" else getattr(emp, by)
        label = emp.name if by == "employee" else key
        g = groups.setdefault(
            key,
            {
                "key": key,
                "label": label,
                "employees": 0,
                "connections_first": 0,
                "connections_last": 0,
                "followers_first": 0,
                "followers_last": 0,
            },
        )
        g["employees"] += 1
        if emp_id in conns:
            g["connections_first"] += conns[emp_id][0]
            g["connections_last"] += conns[emp_id][1]
        if emp_id in fols:
            g["followers_first"] += fols[emp_id][0]
            g["followers_last"] += fols[emp_id][1]
    rows = []
    for g in groups.values():
        for m in ("connections", "followers"):
            g[f"{m}_growth"] = g[f"{m}_last"] - g[f"{m}_first"]
            g[f"{m}_growth_pct"] = _pct(g[f"{m}_first"], g[f"{m}_last"])
        rows.append(g)
    if (
        council.enabled
        and (filters.team or filters.department)
        and len(ids) < council.min_group_size
    ):
        raise policy.WorksCouncilRefused(
            lazy_translate(
                "error.analytics.works_council_too_few_snapshots",
                min_group_size=council.min_group_size,
            )
        )
    tot = {
        "employees": len(ids),
        "connections_growth": sum(g["connections_growth"] for g in rows),
        "followers_growth": sum(g["followers_growth"] for g in rows),
    }
    return make_report(
        "growth",
        by,
        period,
        filters,
        GROWTH_COLUMNS,
        sort_rows(rows, "", "followers_growth"),
        dict(tot),
        limit,
        notes=["growth = last minus first snapshot in the period, per employee, then summed"],
        council=council,
        people=lambda: {str(g["key"]): g["employees"] for g in rows},
    )
