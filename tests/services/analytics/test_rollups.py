"""Daily click rollups: every report equals the raw computation; incremental, idempotent, safe
under concurrency, and retention keeps old days' totals."""

from __future__ import annotations

import datetime as dt
import random
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from backend.extensions import db
from backend.models import (
    Campaign,
    Click,
    ClickDailyAggregate,
    ClickWeeklyAggregate,
    Share,
    utcnow,
)
from backend.services import analytics as an
from backend.services import privacy
from backend.services.analytics import rollups

from .conftest import Factory

DIMENSIONS = [
    "day",
    "week",
    "article",
    "campaign",
    "landing_page",
    "employee",
    "team",
    "department",
    "network",
]


def _world(f: Factory, rng: random.Random) -> tuple[list[Share], list[int]]:
    camp = f.campaign()
    emps = [
        f.employee(team=f"T{i % 3}", department=f"D{i % 2}", network_size=100 + i) for i in range(6)
    ]
    arts = [f.article(campaign_id=camp.id if i % 2 else None) for i in range(4)]
    shares = []
    for e in emps:
        for a in rng.sample(arts, 2):
            for net in rng.sample(["linkedin", "x", "facebook"], rng.randint(1, 2)):
                shares.append(f.share(e, a, at=utcnow() - dt.timedelta(days=20), network=net))
    return shares, [e.id for e in emps]


def _add_clicks(
    links: list[int], rng: random.Random, n: int, oldest_days: float, newest_days: float = 0.0
) -> None:
    now = utcnow()
    rows = []
    for _ in range(n):
        ago = rng.uniform(newest_days, oldest_days)
        rows.append(
            {
                "link_id": rng.choice(links),
                "created_at": now - dt.timedelta(days=ago),
                "is_bot": rng.random() < 0.15,
                # a few visitors who come back, and some clicks without a hash
                "visitor_hash": "" if rng.random() < 0.1 else f"v{rng.randint(0, 6)}",
                "referrer_host": "",
                "ua_class": "desktop",
            }
        )
    db.session.execute(sa.insert(Click), rows)
    db.session.commit()


def _periods() -> list[an.Period]:
    now = utcnow()
    midnight = rollups.day_start(now.date())
    monday = rollups.day_start(rollups.monday(now.date()))
    plus_5_30 = dt.timezone(dt.timedelta(hours=5, minutes=30))
    return [
        # whole ISO weeks only (read from the weekly rollup), and whole weeks with day edges
        an.Period(monday - dt.timedelta(days=28), monday),
        an.Period(monday - dt.timedelta(days=24, hours=7), monday - dt.timedelta(days=2)),
        an.resolve_period(None, None, default_days=90),
        # local-time bounds (+05:30 and -08:00): days and weeks stay UTC
        an.resolve_period(
            (now - dt.timedelta(days=20)).astimezone(plus_5_30),
            (now - dt.timedelta(days=2)).astimezone(dt.timezone(dt.timedelta(hours=-8))),
        ),
        an.resolve_period(None, None),  # the default: 30 days up to now, mid-day edges
        an.Period(midnight - dt.timedelta(days=14), midnight),  # closed whole days only
        an.Period(midnight - dt.timedelta(days=45), now + dt.timedelta(hours=1)),  # with today
        an.Period(now - dt.timedelta(days=3, hours=5), now - dt.timedelta(days=1, hours=2)),
        an.Period(now - dt.timedelta(hours=3), now + dt.timedelta(minutes=1)),  # today only
    ]


def _reports(periods: list[an.Period], employee_ids: list[int], campaign_id: int) -> list[Any]:
    out: list[Any] = []
    for p in periods:
        for by in DIMENSIONS:
            out.append(an.traffic(p, an.Filters(), by, 10_000).model_dump())
        out.append(an.reach(p, an.Filters(), "article", 10_000).model_dump())
        out.append(an.traffic(p, an.Filters(team="T1"), "employee", 10_000).model_dump())
        out.append(an.traffic(p, an.Filters(department="D0"), "day", 10_000).model_dump())
        out.append(an.traffic(p, an.Filters(campaign_id=campaign_id), "day", 10_000).model_dump())
        out.append(an.overview(p, an.Filters()).model_dump())
        out.append(an.overview(p, an.Filters(campaign_id=campaign_id)).model_dump())
        for e in employee_ids:
            out.append(an.totals_clicks(p, an.Filters(), employee_id=e))
    return out


def _raw_and_rolled(app: Flask, employee_ids: list[int], campaign_id: int) -> tuple[Any, Any]:
    periods = _periods()
    app.config["ANALYTICS_ROLLUPS"] = False
    try:
        raw = _reports(periods, employee_ids, campaign_id)
    finally:
        app.config["ANALYTICS_ROLLUPS"] = True
    return raw, _reports(periods, employee_ids, campaign_id)


@pytest.mark.parametrize("seed", [1, 2])
def test_reports_from_rollups_equal_the_raw_computation(app: Flask, f: Factory, seed: int) -> None:
    rng = random.Random(seed)
    shares, emp_ids = _world(f, rng)
    links = sorted({s.link_id for s in shares})
    campaign_id = int(db.session.scalar(sa.select(sa.func.min(Campaign.id))) or 0)
    _add_clicks(links, rng, 700, oldest_days=50)

    raw, rolled = _raw_and_rolled(app, emp_ids, campaign_id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClickDailyAggregate)) > 0
    assert rolled == raw
    assert any(r.get("totals", {}).get("clicks") for r in raw if isinstance(r, dict))

    # Late clicks for days already rolled up (imports, demo data) and today's.
    _add_clicks(links, rng, 150, oldest_days=40, newest_days=1)
    _add_clicks(links, rng, 50, oldest_days=0.2)
    raw, rolled = _raw_and_rolled(app, emp_ids, campaign_id)
    assert rolled == raw


def _weekly() -> list[tuple[Any, ...]]:
    w = ClickWeeklyAggregate
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(w.week, w.link_id, w.clicks, w.bot_clicks, w.unique_visitors).order_by(
                w.week, w.link_id
            )
        )
    ]


def _weeks_of_daily() -> list[tuple[Any, ...]]:
    """The weekly rows the daily rows imply: per (Monday, link) sums."""
    sums: dict[tuple[dt.date, int], list[int]] = {}
    for day, link, clicks, bots, uniq in _aggregates():
        row = sums.setdefault((rollups.monday(day), link), [0, 0, 0])
        row[0] += clicks
        row[1] += bots
        row[2] += uniq
    return [(*k, *v) for k, v in sorted(sums.items())]


def test_unique_clicks_are_daily_per_link(app: Flask, f: Factory) -> None:
    a = f.article()
    s1 = f.share(f.employee(), a, at=utcnow() - dt.timedelta(days=5))
    s2 = f.share(f.employee(), a, at=utcnow() - dt.timedelta(days=5))
    day = rollups.day_start(utcnow().date()) - dt.timedelta(days=3)
    for s in (s1, s2):  # one visitor, two links, twice a day, on two days
        for t in (1, 2, 25, 26):
            f.clicks(s, day + dt.timedelta(hours=t), visitor="same")
    p = an.Period(day - dt.timedelta(days=1), day + dt.timedelta(days=3))
    for use in (False, True):
        app.config["ANALYTICS_ROLLUPS"] = use
        t = an.totals_clicks(p, an.Filters())
        assert (t["clicks"], t["unique_clicks"]) == (8, 4)
        rows = an.traffic(p, an.Filters(), "article", 10).rows
        assert [(r["clicks"], r["unique_clicks"]) for r in rows] == [(8, 4)]


def _aggregates() -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(
                ClickDailyAggregate.day,
                ClickDailyAggregate.link_id,
                ClickDailyAggregate.clicks,
                ClickDailyAggregate.bot_clicks,
                ClickDailyAggregate.unique_visitors,
            ).order_by(ClickDailyAggregate.day, ClickDailyAggregate.link_id)
        )
    ]


def test_rollup_is_incremental_and_idempotent(app: Flask, f: Factory) -> None:
    rng = random.Random(3)
    shares, _ = _world(f, rng)
    links = sorted({s.link_id for s in shares})
    _add_clicks(links, rng, 300, oldest_days=10)
    first = rollups.rollup_clicks()
    assert first.groups > 0 and first.state.through == utcnow().date()
    assert first.state.high_water == db.session.scalar(sa.select(sa.func.max(Click.id)))
    snapshot = _aggregates()
    # Nothing new: nothing recomputed, nothing changed.
    again = rollups.rollup_clicks()
    assert (again.days, again.groups, again.state) == (0, 0, first.state)
    assert _aggregates() == snapshot
    # Today's clicks are not rolled up (the day is not closed) but move the high-water mark.
    _add_clicks(links, rng, 20, oldest_days=0.01)
    today = rollups.rollup_clicks()
    assert (today.days, today.groups) == (0, 0) and _aggregates() == snapshot
    # One late click on one old day recomputes that one (day, link) group only.
    old = utcnow() - dt.timedelta(days=4)
    _add_clicks([links[0]], rng, 1, oldest_days=4, newest_days=4)
    late = rollups.rollup_clicks()
    assert (late.days, late.groups) == (1, 1)
    changed = set(_aggregates()) - set(snapshot)
    assert {(d, link) for d, link, *_ in changed} == {(old.date(), links[0])}
    # The next day, the closed day is rolled up: today's clicks are then in the aggregates.
    tomorrow = rollups.rollup_clicks(now=utcnow() + dt.timedelta(days=1))
    assert tomorrow.days == 1 and tomorrow.groups > 0
    assert sum(r[2] for r in _aggregates()) == db.session.scalar(
        sa.select(sa.func.count()).select_from(Click)
    )
    # The weekly rows follow the daily ones through every step.
    assert _weekly() == _weeks_of_daily() and len(_weekly()) > 0


def test_weekly_rollup_follows_late_clicks_on_many_links(
    app: Flask, f: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More late links than the whole-day threshold: days and weeks are recomputed whole."""
    rng = random.Random(7)
    shares, _ = _world(f, rng)
    links = sorted({s.link_id for s in shares})
    _add_clicks(links, rng, 200, oldest_days=30, newest_days=1)
    rollups.rollup_clicks()
    assert _weekly() == _weeks_of_daily()
    before = _weekly()
    extra = [f.share(f.employee(), f.article(), at=utcnow()).link_id for _ in range(3)]
    monkeypatch.setattr(rollups, "WHOLE_DAY_LINKS", 2)  # the three new links count as "many"
    _add_clicks(extra, rng, 30, oldest_days=20, newest_days=8)
    rollups.rollup_clicks()
    assert _weekly() == _weeks_of_daily() and _weekly() != before
    assert {link for _, link, *_ in _weekly()} >= set(extra)


def test_reports_read_new_clicks_of_today_without_rolling_up(
    app: Flask, f: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report right after clicks arrive counts them; only clicks for closed days (or many
    clicks) make it roll up, so reads under live traffic stay reads."""
    rng = random.Random(9)
    shares, _ = _world(f, rng)
    links = sorted({s.link_id for s in shares})
    _add_clicks(links, rng, 200, oldest_days=20, newest_days=1)
    p = an.resolve_period(None, None, default_days=30)

    def both() -> tuple[dict[str, int], dict[str, int]]:
        app.config["ANALYTICS_ROLLUPS"] = False
        raw = an.totals_clicks(p, an.Filters())
        app.config["ANALYTICS_ROLLUPS"] = True
        return raw, an.totals_clicks(p, an.Filters())

    raw, rolled = both()
    assert rolled == raw
    state = rollups.load_state()
    since_midnight = (utcnow() - rollups.day_start(utcnow().date())).total_seconds() / 86400
    _add_clicks(links, rng, 5, oldest_days=min(since_midnight, 0.01) * 0.9)  # today's
    p = an.resolve_period(None, None, default_days=30)
    raw, rolled = both()
    assert rolled == raw and rolled["clicks"] + rolled["bot_clicks"] == 205
    assert rollups.load_state() == state  # nothing written
    # A click for a day already rolled up: the report rolls up first and counts it.
    _add_clicks(links[:1], rng, 1, oldest_days=3, newest_days=3)
    raw, rolled = both()
    assert rolled == raw and rolled["clicks"] + rolled["bot_clicks"] == 206
    moved = rollups.load_state()
    assert moved.high_water > state.high_water
    # Many clicks since the last rollup, even today's: it rolls up to move the mark on.
    monkeypatch.setattr(rollups, "TODAY_ONLY_READ", 3)
    _add_clicks(links, rng, 3, oldest_days=min(since_midnight, 0.01) * 0.9)
    raw, rolled = both()
    assert rolled == raw
    assert rollups.load_state().high_water == db.session.scalar(sa.select(sa.func.max(Click.id)))


def test_rollup_cli(runner: FlaskCliRunner, f: Factory) -> None:
    rng = random.Random(4)
    shares, _ = _world(f, rng)
    _add_clicks(sorted({s.link_id for s in shares}), rng, 50, oldest_days=5, newest_days=1)
    result = runner.invoke(args=["rollup-clicks"])
    assert result.exit_code == 0, result.output
    assert "rolled up" in result.output and "link-day rows written" in result.output
    assert (
        "rolled up 0 days (0 link-day rows written)" in runner.invoke(args=["rollup-clicks"]).output
    )


def test_concurrent_rollups_do_not_double_count(app: Flask, f: Factory) -> None:
    rng = random.Random(5)
    shares, _ = _world(f, rng)
    links = sorted({s.link_id for s in shares})
    _add_clicks(links, rng, 400, oldest_days=20, newest_days=1)
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def work() -> None:
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(3):
                    rollups.rollup_clicks()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    total, bots = db.session.execute(
        sa.select(
            sa.func.sum(ClickDailyAggregate.clicks), sa.func.sum(ClickDailyAggregate.bot_clicks)
        )
    ).one()
    assert total == 400
    assert bots == db.session.scalar(sa.select(sa.func.count()).where(Click.is_bot.is_(True)))
    assert _weekly() == _weeks_of_daily()


def test_retention_keeps_old_days_totals(app: Flask, f: Factory) -> None:
    rng = random.Random(6)
    shares, _ = _world(f, rng)
    links = sorted({s.link_id for s in shares})
    old_day = rollups.day_start(utcnow().date()) - dt.timedelta(days=500)
    rows = [
        {
            "link_id": rng.choice(links),
            "created_at": old_day + dt.timedelta(minutes=7 * i),
            "is_bot": i % 5 == 0,
            "visitor_hash": f"v{i % 4}",
        }
        for i in range(60)
    ]
    db.session.execute(sa.insert(Click), rows)
    db.session.commit()
    _add_clicks(links, rng, 30, oldest_days=3)
    p = an.Period(old_day - dt.timedelta(days=2), old_day + dt.timedelta(days=3))
    before = [an.traffic(p, an.Filters(), by, 100).model_dump() for by in ("day", "article")]
    assert before[0]["totals"]["clicks"] == 48

    result = privacy.apply_retention(13)
    assert result["clicks_aggregated"] == 60
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Click)) == 30
    after = [an.traffic(p, an.Filters(), by, 100).model_dump() for by in ("day", "article")]
    assert after == before
    assert an.bot_clicks(p, an.Filters()) == 12

    # A click arriving later for the deleted day is added to its aggregate, not replacing it.
    late = {"link_id": links[0], "created_at": old_day + dt.timedelta(hours=20)}
    db.session.execute(sa.insert(Click), [{**late, "is_bot": False, "visitor_hash": "new"}])
    db.session.commit()
    t = an.totals_clicks(p, an.Filters())
    assert (t["clicks"], t["unique_clicks"]) == (49, before[0]["totals"]["unique_clicks"] + 1)
    assert privacy.apply_retention(13)["clicks_aggregated"] == 1
    assert an.totals_clicks(p, an.Filters()) == t
    assert _weekly() == _weeks_of_daily()
    # Whole weeks of the deleted range are read from the weekly rows and still add up.
    monday = rollups.day_start(rollups.monday(old_day.date()))
    weeks = an.Period(monday - dt.timedelta(days=7), monday + dt.timedelta(days=14))
    assert an.totals_clicks(weeks, an.Filters()) == t


def test_migration_fills_the_weekly_rollup_from_existing_daily_rows(tmp_path: Path) -> None:
    """An installation upgraded with daily rollups in place gets their weekly sums at once."""
    from alembic import command

    from backend import create_app
    from backend.cli import alembic_config, upgrade_database

    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ARTIFACTS_DIR": str(tmp_path / "a")})
    with app.app_context():
        upgrade_database("19dd25abe2d4")  # the schema before weekly rollups
        rows = [  # Wednesday, Sunday and the next Monday of two links
            ("2026-03-04", 1, 5, 1, 3),
            ("2026-03-08", 1, 2, 0, 2),
            ("2026-03-09", 1, 7, 2, 4),
            ("2026-03-08", 2, 1, 1, 0),
        ]
        plain = sa.create_engine(url)  # no foreign keys enforced: the links need not exist
        with plain.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO click_daily_aggregates (day, link_id, clicks, bot_clicks, "
                    "unique_visitors, created_at) VALUES (:d, :l, :c, :b, :u, '2026-03-10')"
                ),
                [dict(zip("dlcbu", r, strict=True)) for r in rows],
            )
        plain.dispose()
        upgrade_database()
        assert _weekly() == [
            (dt.date(2026, 3, 2), 1, 7, 1, 5),
            (dt.date(2026, 3, 2), 2, 1, 1, 0),
            (dt.date(2026, 3, 9), 1, 7, 2, 4),
        ]
        assert _weekly() == _weeks_of_daily()
        command.downgrade(alembic_config(), "19dd25abe2d4")
        assert "click_weekly_aggregates" not in sa.inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()
