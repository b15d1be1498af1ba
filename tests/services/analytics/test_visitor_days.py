"""Unique visitors over a period from the rollup's daily visitor arrays (click_visitor_days):
always the same number as a COUNT(DISTINCT) over the period's raw clicks, for any period edges,
the open day, late clicks, old clicks without a visitor id; the arrays go with retention."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from backend.extensions import db
from backend.models import Article, ClickVisitorDay, Employee, TrackedLink, utcnow
from backend.services import analytics as an
from backend.services import clicks
from backend.services.analytics import rollups, visitors

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36"
TODAY = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture
def links(app: Any, make_employee: Callable[..., Employee]) -> list[TrackedLink]:
    article = Article(canonical_url="https://www.example.com/a", title="A", status="approved")
    db.session.add(article)
    db.session.flush()
    out = []
    for _ in range(3):
        link = TrackedLink(
            code=secrets.token_hex(4), employee_id=make_employee().id, article_id=article.id,
            network="linkedin",
        )  # fmt: skip
        db.session.add(link)
        out.append(link)
    db.session.commit()
    return out


def _click(link: TrackedLink, at: dt.datetime, reader: int, ua: str = CHROME) -> None:
    ip = f"10.0.{reader // 250}.{reader % 250}"
    clicks.record_click(
        link.id, method="GET", headers={"User-Agent": ua}, remote_addr=ip, salt="salt", now=at
    )


def _traffic(links: list[TrackedLink], rng: random.Random, days: int = 8) -> None:
    """Readers who come back on other days and other links, bots, and a few old-style clicks."""
    for day in range(days, -1, -1):  # today included: the open day is read raw
        for _ in range(25):
            at = TODAY - dt.timedelta(days=day) + dt.timedelta(minutes=rng.randrange(0, 24 * 60))
            if at > utcnow():
                at = utcnow() - dt.timedelta(seconds=1)
            ua = "curl/8.5" if rng.random() < 0.1 else CHROME
            _click(rng.choice(links), at, rng.randrange(40), ua)
    # Clicks stored before visitor_id existed count by their daily hash.
    db.session.execute(
        sa.text("UPDATE clicks SET visitor_id = '' WHERE id IN (SELECT id FROM clicks LIMIT 10)")
    )
    db.session.commit()


def _sql_count(period: an.Period) -> int:
    return visitors._filtered(period, an.Filters(), None)


PERIODS = [
    (dt.timedelta(days=7), dt.timedelta(0)),  # whole days, ending at midnight
    (dt.timedelta(days=6, hours=5), dt.timedelta(hours=-3)),  # partial edges, today included
    (dt.timedelta(hours=30), dt.timedelta(hours=-1)),
    (dt.timedelta(days=3, hours=2), dt.timedelta(days=1, hours=7)),  # ends inside a closed day
]


@pytest.mark.parametrize(("back", "end_shift"), PERIODS)
def test_the_daily_arrays_give_the_exact_distinct_count(
    links: list[TrackedLink], back: dt.timedelta, end_shift: dt.timedelta
) -> None:
    _traffic(links, random.Random(7))
    end = min(TODAY - end_shift, utcnow()) if end_shift else TODAY
    period = an.Period(end - back, end)
    got = an.unique_visitors(period, an.Filters())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClickVisitorDay)) >= 7
    assert got == _sql_count(period)
    # Not the per-link, per-day sum (what "unique clicks" counts): readers come back.
    assert got < an.totals_clicks(period, an.Filters())["unique_clicks"]


def test_a_late_click_for_a_rolled_up_day_is_counted(links: list[TrackedLink]) -> None:
    _traffic(links, random.Random(3), days=4)
    period = an.Period(TODAY - dt.timedelta(days=5), TODAY)
    before = an.unique_visitors(period, an.Filters())
    _click(links[0], TODAY - dt.timedelta(days=2, hours=-3), 999)  # a new reader, two days ago
    assert an.unique_visitors(period, an.Filters()) == before + 1 == _sql_count(period)


def test_filters_and_one_employee_count_in_sql(links: list[TrackedLink]) -> None:
    _traffic(links, random.Random(5), days=3)
    db.session.get(Employee, links[0].employee_id).team = "Platform"  # type: ignore[union-attr]
    db.session.commit()
    period = an.Period(TODAY - dt.timedelta(days=4), utcnow())
    team = an.unique_visitors(period, an.Filters(team="Platform"))
    assert 0 < team < an.unique_visitors(period, an.Filters())
    assert team == an.unique_visitors(period, an.Filters(), employee_id=links[0].employee_id)


def test_missing_arrays_are_backfilled_and_retention_removes_them(
    links: list[TrackedLink],
) -> None:
    _traffic(links, random.Random(11), days=6)
    period = an.Period(TODAY - dt.timedelta(days=7), TODAY)
    expected = an.unique_visitors(period, an.Filters())
    # A database rolled up before the table existed: the next rollup fills every closed day.
    db.session.execute(sa.delete(ClickVisitorDay))
    db.session.commit()
    assert an.unique_visitors(period, an.Filters()) == expected  # read raw meanwhile
    rollups.rollup_clicks()
    days = set(db.session.scalars(sa.select(ClickVisitorDay.day)))
    assert {(TODAY - dt.timedelta(days=d)).date() for d in range(1, 7)} <= days
    assert an.unique_visitors(period, an.Filters()) == expected

    cutoff = TODAY - dt.timedelta(days=3)
    rollups.delete_rolled_up_clicks(cutoff)
    kept = set(db.session.scalars(sa.select(ClickVisitorDay.day)))
    assert kept and min(kept) >= cutoff.date()
