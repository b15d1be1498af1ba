"""The load benchmark's analytics part: 1M clicks bulk-loaded, raw queries and reports timed.

Used by ``python -m training.benchmarks.load`` (see there).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass
class QueryTiming:
    name: str
    rows: int
    p50_ms: float
    p95_ms: float
    runs: int
    load1: float = 0.0  # the machine's 1-minute load average when the runs ended


# --- analytics over 1M clicks -------------------------------------------------------------------


COLUMNS = "link_id, created_at, referrer_host, ua_class, is_bot, visitor_hash"

# Synthetic clicks generated inside the database (C speed): uniform over the tracked links and
# the last 90 days, 10% bots, ~300k distinct daily visitors, a few referrer hosts. Stored in time
# order, as the redirect stores them (ids and table pages follow time), unless shuffled.
_PG_FILL = f"""
INSERT INTO clicks ({COLUMNS})
SELECT * FROM (
SELECT :first + floor(random() * :links)::int AS link_id,
       now() - random() * interval '90 days' AS created_at,
       (ARRAY['www.linkedin.com', 'lnkd.in', '', 't.co', 'www.facebook.com'])
           [1 + floor(random() * 5)::int],
       (ARRAY['desktop', 'mobile', 'mobile', 'other'])[1 + floor(random() * 4)::int],
       random() < 0.1,
       lpad(floor(random() * 300000)::text, 64, '0')
FROM generate_series(1, :n)
) AS generated
"""
_SQLITE_FILL = f"""
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n)
INSERT INTO clicks ({COLUMNS})
SELECT * FROM (
SELECT :first + abs(random()) % :links AS link_id,
       strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (abs(random()) % 7776000) || ' seconds')
           AS created_at,
       CASE abs(random()) % 5 WHEN 0 THEN 'www.linkedin.com' WHEN 1 THEN 'lnkd.in'
            WHEN 2 THEN '' WHEN 3 THEN 't.co' ELSE 'www.facebook.com' END,
       CASE abs(random()) % 4 WHEN 0 THEN 'desktop' WHEN 3 THEN 'other' ELSE 'mobile' END,
       abs(random()) % 10 = 0,
       printf('%064d', abs(random()) % 300000)
FROM s
) AS generated
"""


def bulk_insert_clicks(url: str, n: int, shuffled: bool = False) -> float:
    """Load n synthetic clicks with one INSERT ... SELECT; returns seconds taken (with ANALYZE).

    Rows go in in time order, like clicks recorded live; ``shuffled`` keeps the random order
    (every day's clicks spread over the whole table: the worst case for reading a day raw).
    """
    engine = sa.create_engine(url)
    started = time.perf_counter()
    fill = _PG_FILL if engine.dialect.name == "postgresql" else _SQLITE_FILL
    if not shuffled:
        fill += "ORDER BY created_at\n"
    with engine.begin() as conn:
        first, last = conn.execute(sa.text("SELECT min(id), max(id) FROM tracked_links")).one()
        params = {"first": first, "links": last - first + 1, "n": n}
        conn.execute(sa.text(fill), params)
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


SUGGESTED_INDEX = (
    "CREATE INDEX IF NOT EXISTS ix_bench_clicks_created_link "
    "ON clicks (created_at, link_id, is_bot, visitor_hash)"
)


def add_suggested_index(url: str) -> float:
    """A covering index for time-ranged aggregates (not in the schema; shows what it would buy)."""
    engine = sa.create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text(SUGGESTED_INDEX))
        conn.execute(sa.text("ANALYZE clicks"))
    engine.dispose()
    return time.perf_counter() - started


def analytics_queries(dialect: str) -> dict[str, str]:
    day = "date_trunc('day', c.created_at)" if dialect == "postgresql" else "date(c.created_at)"
    human = "c.is_bot = false" if dialect == "postgresql" else "c.is_bot = 0"
    return {
        "traffic per article per day, 30 days (clicks + unique)": f"""
            SELECT tl.article_id, {day} AS day, count(*) AS clicks,
                   count(DISTINCT c.visitor_hash) AS uniques
            FROM clicks c JOIN tracked_links tl ON tl.id = c.link_id
            WHERE c.created_at >= :since30 AND {human}
            GROUP BY tl.article_id, {day}""",
        "unique clicks per employee, 90 days": f"""
            SELECT tl.employee_id, count(DISTINCT c.visitor_hash) AS uniques
            FROM clicks c JOIN tracked_links tl ON tl.id = c.link_id
            WHERE c.created_at >= :since90 AND {human}
            GROUP BY tl.employee_id""",
        "one article's daily series, 90 days": f"""
            SELECT {day} AS day, count(*) AS clicks, count(DISTINCT c.visitor_hash) AS uniques
            FROM clicks c JOIN tracked_links tl ON tl.id = c.link_id
            WHERE tl.article_id = :article AND c.created_at >= :since90 AND {human}
            GROUP BY {day} ORDER BY day""",
        "top 10 links, 7 days": f"""
            SELECT c.link_id, count(*) AS clicks FROM clicks c
            WHERE c.created_at >= :since7 AND {human}
            GROUP BY c.link_id ORDER BY clicks DESC LIMIT 10""",
        "campaign totals, 30 days": f"""
            SELECT a.campaign_id, count(*) AS clicks, count(DISTINCT c.visitor_hash) AS uniques
            FROM clicks c JOIN tracked_links tl ON tl.id = c.link_id
            JOIN articles a ON a.id = tl.article_id
            WHERE c.created_at >= :since30 AND {human} AND a.campaign_id IS NOT NULL
            GROUP BY a.campaign_id""",
    }


def time_queries(url: str, runs: int, budget_s: float = 10.0) -> list[QueryTiming]:
    from backend.models import UTCDateTime

    engine = sa.create_engine(url)
    now = dt.datetime.now(dt.UTC)
    stamp = sa.bindparam  # bind UTC datetimes the way the app does (naive UTC on SQLite)
    params = {
        "since7": now - dt.timedelta(days=7),
        "since30": now - dt.timedelta(days=30),
        "since90": now - dt.timedelta(days=90),
        "article": 1,
    }
    out: list[QueryTiming] = []
    with engine.connect() as conn:
        params["article"] = conn.scalar(sa.text("SELECT min(id) FROM articles")) or 1
        for name, sql in analytics_queries(engine.dialect.name).items():
            stmt = sa.text(sql).bindparams(
                *(
                    stamp(k, type_=UTCDateTime())
                    for k in ("since7", "since30", "since90")
                    if f":{k}" in sql
                )
            )
            used = {k: v for k, v in params.items() if f":{k}" in sql}
            samples: list[float] = []
            rows = 0
            for _ in range(runs):
                started = time.perf_counter()
                rows = len(conn.execute(stmt, used).all())
                samples.append((time.perf_counter() - started) * 1000)
                if len(samples) >= 2 and sum(samples) > budget_s * 1000:
                    break  # slow query: two runs are enough to tell, and the bench stays bounded
            samples.sort()
            p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
            out.append(
                QueryTiming(
                    name, rows, statistics.median(samples), p95, len(samples), os.getloadavg()[0]
                )
            )
    engine.dispose()
    return out


def rollup_and_time_reports(url: str, runs: int) -> tuple[float, list[QueryTiming]]:
    """Run the first daily rollup, then time the analytics reports as the API computes them."""
    from backend import create_app
    from backend.extensions import db
    from backend.models import TrackedLink
    from backend.services import analytics as an
    from backend.services.analytics import rollups

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "RECOMMENDER_WARMUP": False,  # a background model load would skew the timings
        }
    )
    out: list[QueryTiming] = []
    with app.app_context():
        started = time.perf_counter()
        rollups.rollup_clicks()
        rollup_s = time.perf_counter() - started
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        none = an.Filters()
        p30 = an.resolve_period(None, None)
        p90 = an.resolve_period(None, None, default_days=90)
        someone = db.session.scalar(sa.select(sa.func.min(TrackedLink.employee_id))) or 0
        reports: dict[str, Callable[[], Any]] = {
            "traffic per article, 30 days (clicks + unique)": lambda: an.traffic(
                p30, none, "article", 10_000
            ),
            "traffic per day, 30 days": lambda: an.traffic(p30, none, "day", 10_000),
            "unique clicks per employee, 90 days": lambda: an.traffic(
                p90, none, "employee", 10_000
            ),
            "traffic per campaign, 30 days": lambda: an.traffic(p30, none, "campaign", 10_000),
            "overview, 30 days": lambda: an.overview(p30, none),
            "traffic per week, 90 days": lambda: an.traffic(p90, none, "week", 10_000),
            "reach per campaign, 30 days (with EMV)": lambda: an.reach(
                p30, none, "campaign", 10_000
            ),
            "one employee's clicks, 30 days (My stats)": lambda: an.totals_clicks(
                p30, none, employee_id=someone
            ),
        }
        for name, report in reports.items():
            samples: list[float] = []
            rows = 0
            for _ in range(runs):
                started = time.perf_counter()
                result = report()
                samples.append((time.perf_counter() - started) * 1000)
                rows = len(getattr(result, "rows", []) or [])
            samples.sort()
            p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
            out.append(
                QueryTiming(
                    name, rows, statistics.median(samples), p95, len(samples), os.getloadavg()[0]
                )
            )
        db.session.remove()
        db.engine.dispose()
    return rollup_s, out
