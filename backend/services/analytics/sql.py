"""Dialect-aware date buckets: SQL functions that render a timestamp's UTC day or ISO week as
'YYYY-MM-DD' (or a DATE) the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class utc_day(FunctionElement[str]):  # noqa: N801 - SQL function style
    """The UTC calendar day of a timestamp as 'YYYY-MM-DD'."""

    type = sa.String()
    inherit_cache = True


class utc_week(FunctionElement[str]):  # noqa: N801
    """The Monday starting the (ISO) UTC week of a timestamp as 'YYYY-MM-DD'."""

    type = sa.String()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_default(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores naive UTC 'YYYY-MM-DD HH:MM:SS.ffffff'.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(utc_week)
def _utc_week_default(element: utc_week, compiler: SQLCompiler, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"to_char(date_trunc('week', ({inner}) AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"


@compiles(utc_week, "sqlite")
def _utc_week_sqlite(element: utc_week, compiler: SQLCompiler, **kw: Any) -> str:
    # 'weekday 0' moves forward to Sunday (or stays), -6 days lands on that week's Monday.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


class date_day(FunctionElement[str]):  # noqa: N801
    """A DATE column as 'YYYY-MM-DD'."""

    type = sa.String()
    inherit_cache = True


class date_week(FunctionElement[str]):  # noqa: N801
    """The Monday starting the ISO week of a DATE column as 'YYYY-MM-DD'."""

    type = sa.String()
    inherit_cache = True


@compiles(date_day)
def _date_day_default(element: date_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


@compiles(date_day, "sqlite")
def _date_day_sqlite(element: date_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)})"  # stored as 'YYYY-MM-DD'


@compiles(date_week)
def _date_week_default(element: date_week, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(date_trunc('week', {compiler.process(element.clauses, **kw)}), 'YYYY-MM-DD')"


@compiles(date_week, "sqlite")
def _date_week_sqlite(element: date_week, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


class utc_date(FunctionElement[dt.date]):  # noqa: N801
    """The UTC calendar day of a timestamp as a DATE (on SQLite its 'YYYY-MM-DD' text), so that
    raw clicks and the rollup rows share one day column."""

    type = sa.Date()
    inherit_cache = True


@compiles(utc_date)
def _utc_date_default(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' AS DATE)"


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


def week_start(moment: dt.datetime) -> dt.datetime:
    """Monday 00:00 UTC of the week holding ``moment``."""
    day = moment.astimezone(dt.UTC).date()
    monday = day - dt.timedelta(days=day.weekday())
    return dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC)
