"""Participation: the share of active employees who shared at least once, per week and team."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, distinct, func, select

from backend.extensions import db
from backend.models import SHARE_CONFIRMED, Article, Employee, Share
from backend.schemas.analytics import ParticipationReport, TeamParticipation, WeekParticipation
from backend.services import works_council as policy
from backend.services.analytics.query import Filters, Period
from backend.services.analytics.sql import utc_week, week_start


def active_during(start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    """Employees who existed and were not deactivated at some point in [start, end)."""
    return sa.and_(
        Employee.created_at < end,
        sa.or_(Employee.deactivated_at.is_(None), Employee.deactivated_at >= start),
    )


def employee_filter(filters: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if filters.department is not None:
        conds.append(Employee.department == filters.department)
    if filters.team is not None:
        conds.append(Employee.team == filters.team)
    return conds


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def sharers_stmt(period: Period, filters: Filters, *group: Any) -> Select[Any]:
    """Distinct active sharers in the period (campaign filter = shares of its articles)."""
    stmt = (
        select(*group, func.count(distinct(Share.employee_id)))
        .select_from(Share)
        .join(Employee, Employee.id == Share.employee_id)
        .where(
            Share.created_at >= period.start,
            Share.created_at < period.end,
            Share.state == SHARE_CONFIRMED,  # a started share is not taking part yet (#15)
            active_during(period.start, period.end),
            *employee_filter(filters),
        )
    )
    if filters.campaign_id is not None:
        stmt = stmt.join(Article, Article.id == Share.article_id).where(
            Article.campaign_id == filters.campaign_id
        )
    if group:
        stmt = stmt.group_by(*group)
    return stmt


def active_count(period: Period, filters: Filters) -> int:
    return int(
        db.session.scalar(
            select(func.count(Employee.id)).where(
                active_during(period.start, period.end), *employee_filter(filters)
            )
        )
        or 0
    )


def participation(period: Period, filters: Filters) -> ParticipationReport:
    """% of employees active in the period who shared at least once, per week and per team.
    Works-council mode: teams of fewer active employees than the minimum group size are left out."""
    council = policy.check_scope(None, filters.team, filters.department)
    active = active_count(period, filters)
    sharers = int(db.session.scalar(sharers_stmt(period, filters)) or 0)

    weeks: list[tuple[dt.datetime, dt.datetime]] = []
    ws = week_start(period.start)
    while ws < period.end:
        weeks.append((max(ws, period.start), min(ws + dt.timedelta(days=7), period.end)))
        ws += dt.timedelta(days=7)
    # One query: one active-count column per week.
    active_cols = [
        func.sum(sa.case((active_during(a, b), 1), else_=0)).label(f"w{i}")
        for i, (a, b) in enumerate(weeks)
    ]
    active_row = db.session.execute(
        select(*active_cols).select_from(Employee).where(*employee_filter(filters))
    ).one()
    wk = utc_week(Share.created_at)
    week_sharers = {key: int(n) for key, n in db.session.execute(sharers_stmt(period, filters, wk))}
    week_rows = []
    for i, (a, _b) in enumerate(weeks):
        monday = week_start(a).date()
        n_active = int(active_row[i] or 0)
        n_share = week_sharers.get(monday.isoformat(), 0)
        week_rows.append(
            WeekParticipation(
                week_start=monday,
                active_employees=n_active,
                sharers=n_share,
                rate=rate(n_share, n_active),
            )
        )

    team_active = {
        team: int(n)
        for team, n in db.session.execute(
            select(Employee.team, func.count(Employee.id))
            .where(active_during(period.start, period.end), *employee_filter(filters))
            .group_by(Employee.team)
        )
    }
    team_sharers = {
        team: int(n) for team, n in db.session.execute(sharers_stmt(period, filters, Employee.team))
    }
    teams = [
        TeamParticipation(
            team=team,
            active_employees=n,
            sharers=team_sharers.get(team, 0),
            rate=rate(team_sharers.get(team, 0), n),
        )
        for team, n in sorted(team_active.items())
        if not council.enabled or n >= council.min_group_size
    ]
    return ParticipationReport(
        period=period.out(),
        filters=filters.out(),
        active_employees=active,
        sharers=sharers,
        rate=rate(sharers, active),
        weeks=week_rows,
        teams=teams,
        notes=[
            "active = created before the end and not deactivated before the start of the "
            "period (or week)",
            "weeks are ISO weeks (Monday, UTC), clipped to the period",
        ],
    )


def participation_headline(period: Period, filters: Filters) -> tuple[int, int]:
    """(active employees, of whom shared) in the period."""
    return active_count(period, filters), int(db.session.scalar(sharers_stmt(period, filters)) or 0)
