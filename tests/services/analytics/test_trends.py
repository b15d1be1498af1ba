"""Trends and unique visitors (issue #15): deltas against the previous period, and distinct
visitors over a period (not the sum of each link's daily unique visitors)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

import pytest

from backend.extensions import db
from backend.models import Article, Employee, Share, TrackedLink
from backend.services import analytics as an
from backend.services import clicks

NOW = dt.datetime(2025, 3, 12, 12, 0, tzinfo=dt.UTC)
PERIOD = an.Period(NOW - dt.timedelta(days=7), NOW)  # the previous one: the 7 days before
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36"


@pytest.fixture
def links(app: Any, make_employee: Callable[..., Employee]) -> list[TrackedLink]:
    """Three links: two employees, two articles."""
    ana, bo = make_employee(), make_employee()
    out = []
    for person, n in ((ana, 0), (ana, 1), (bo, 0)):
        article = db.session.query(Article).filter_by(title=f"Article {n}").one_or_none()
        if article is None:
            article = Article(
                canonical_url=f"https://www.example.com/a/{n}",
                title=f"Article {n}",
                status="approved",
                approved_at=NOW - dt.timedelta(days=60),
            )
            db.session.add(article)
            db.session.flush()
        link = TrackedLink(
            code=secrets.token_hex(4), employee_id=person.id, article_id=article.id,
            network="linkedin",
        )  # fmt: skip
        db.session.add(link)
        db.session.flush()
        out.append(link)
    db.session.commit()
    return out


def _click(link: TrackedLink, at: dt.datetime, ip: str, ua: str = CHROME) -> None:
    """Through the click service, as the redirect stores it."""
    clicks.record_click(
        link.id,
        method="GET",
        headers={"User-Agent": ua},
        remote_addr=ip,
        salt="test-salt",
        now=at,
    )


def _share(link: TrackedLink, at: dt.datetime, confirmed: bool = True) -> None:
    db.session.add(
        Share(
            employee_id=link.employee_id, article_id=link.article_id, link_id=link.id,
            network="linkedin", created_at=at, state="confirmed" if confirmed else "started",
        )
    )  # fmt: skip
    db.session.commit()


def test_one_reader_on_three_links_over_three_days_is_one_unique_visitor(
    links: list[TrackedLink],
) -> None:
    for day in (1, 2, 3):
        for link in links:
            _click(link, NOW - dt.timedelta(days=day), "203.0.113.5")
    _click(links[0], NOW - dt.timedelta(days=1), "203.0.113.6")  # a second reader
    _click(links[0], NOW - dt.timedelta(days=1), "203.0.113.7", ua="curl/8.5")  # a bot
    totals = an.totals_clicks(PERIOD, an.Filters())
    assert totals["unique_clicks"] == 3 * 3 + 1  # per link and day, summed
    assert an.unique_visitors(PERIOD, an.Filters()) == 2
    assert an.overview(PERIOD, an.Filters()).unique_visitors == 2


def test_unique_visitors_follow_the_filters(
    links: list[TrackedLink], make_employee: Callable[..., Employee]
) -> None:
    db.session.get(Employee, links[2].employee_id).team = "Platform"  # type: ignore[union-attr]
    db.session.commit()
    _click(links[0], NOW - dt.timedelta(days=1), "203.0.113.5")
    _click(links[2], NOW - dt.timedelta(days=1), "203.0.113.9")
    _click(links[2], NOW - dt.timedelta(days=2), "203.0.113.9")
    assert an.unique_visitors(PERIOD, an.Filters(team="Platform")) == 1
    assert an.unique_visitors(PERIOD, an.Filters()) == 2
    outside = an.Period(NOW - dt.timedelta(days=30), NOW - dt.timedelta(days=7))
    assert an.unique_visitors(outside, an.Filters()) == 0


def test_old_clicks_without_a_visitor_id_count_by_their_daily_hash(
    links: list[TrackedLink],
) -> None:
    _click(links[0], NOW - dt.timedelta(days=1), "203.0.113.5")
    _click(links[0], NOW - dt.timedelta(days=2), "203.0.113.5")
    db.session.execute(db.text("UPDATE clicks SET visitor_id = ''"))
    db.session.commit()
    assert an.unique_visitors(PERIOD, an.Filters()) == 2  # one per day, as before


def test_previous_period_is_the_same_length_just_before() -> None:
    prev = an.previous_period(PERIOD)
    assert (prev.start, prev.end) == (NOW - dt.timedelta(days=14), NOW - dt.timedelta(days=7))


def test_trends_compare_with_the_previous_period(links: list[TrackedLink]) -> None:
    # This week: 3 confirmed shares (and one started, which does not count), 4 clicks.
    for link in links:
        _share(link, NOW - dt.timedelta(days=2))
    _share(links[2], NOW - dt.timedelta(days=1), confirmed=False)  # no click comes through
    for ip in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"):
        _click(links[0], NOW - dt.timedelta(days=1), ip)
    # The week before: 1 share, 2 clicks by the same reader.
    _share(links[1], NOW - dt.timedelta(days=9))
    _click(links[1], NOW - dt.timedelta(days=9), "203.0.113.1")
    _click(links[1], NOW - dt.timedelta(days=8), "203.0.113.1")

    tr = an.trends(PERIOD, an.Filters())
    d = {x.metric: x for x in tr.deltas}
    assert (d["shares"].current, d["shares"].previous, d["shares"].change) == (3, 1, 2)
    assert d["shares"].change_pct == 200.0
    assert (d["clicks"].current, d["clicks"].previous, d["clicks"].change_pct) == (4, 2, 100.0)
    assert (d["unique_visitors"].current, d["unique_visitors"].previous) == (4, 1)
    assert d["leads"].change_pct is None  # 0 before: no percentage
    assert len(tr.series) == 8  # noon to noon: 8 UTC days, partly
    assert sum(p.clicks for p in tr.series) == 4
    assert sum(p.previous_clicks for p in tr.series) == 2
    assert sum(p.shares for p in tr.series) == 3
    assert sum(p.previous_shares for p in tr.series) == 1
    day = next(p for p in tr.series if p.clicks)
    assert day.day == (NOW - dt.timedelta(days=1)).date().isoformat()
    assert day.previous_day == (NOW - dt.timedelta(days=8)).date().isoformat()


def test_trends_api_and_csv(
    client: Any, content_headers: dict[str, str], links: list[TrackedLink]
) -> None:
    _click(links[0], NOW - dt.timedelta(days=1), "203.0.113.1")
    q = "start=2025-03-05T12:00:00Z&end=2025-03-12T12:00:00Z"
    resp = client.get(f"/api/v1/analytics/trends?{q}", headers=content_headers)
    assert resp.status_code == 200, resp.json
    clicks_delta = next(d for d in resp.json["deltas"] if d["metric"] == "clicks")
    assert clicks_delta == {
        "metric": "clicks", "current": 1, "previous": 0, "change": 1, "change_pct": None,
    }  # fmt: skip
    assert resp.json["previous_period"]["end"].startswith("2025-03-05T12:00")
    csv_resp = client.get(f"/api/v1/analytics/trends?{q}&format=csv", headers=content_headers)
    assert csv_resp.status_code == 200
    assert csv_resp.get_data(as_text=True).splitlines()[0] == (
        "metric,current,previous,change,change_pct"
    )
    bad = client.get("/api/v1/analytics/trends?start=2025-03-12&end=2025-03-01",
                     headers=content_headers)  # fmt: skip
    assert bad.status_code == 422 and set(bad.json) == {"error"}
