"""Benchmark: analytics report latency with N clicks stored (printed, not asserted).

    python -m training.benchmarks.analytics [--clicks 1000000] [--url sqlite:///bench.db] [--raw]

Builds a fresh database (drops the public schema on PostgreSQL: never point it at real data),
inserts employees, articles, shares and clicks spread over 90 days, times the first (full) daily
rollup, then times each report over the default 30-day window (closed days from the rollups, today
from raw clicks, with the lazy rollup check before each), then an incremental rollup after a few
thousand new clicks. ``--raw`` also times the reports computed from raw clicks only (the
pre-rollup path) for comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from backend import create_app
from backend.extensions import db
from backend.models import Article, Click, Employee, Share, TrackedLink
from backend.services import analytics as an
from backend.services.analytics import rollups


def seed(n_clicks: int, rng: random.Random) -> None:
    now = dt.datetime.now(dt.UTC)
    emps = [
        {"email": f"e{i}@x.test", "name": f"E{i}", "team": f"T{i % 12}", "department": f"D{i % 4}",
         "public_ref": f"ref{i:08d}", "network_size": rng.randint(50, 5000), "languages": ["en"],
         "interests": [], "consents": {}, "created_at": now - dt.timedelta(days=400)}
        for i in range(2000)
    ]  # fmt: skip
    db.session.execute(sa.insert(Employee), emps)
    arts = [
        {"canonical_url": f"https://x.test/{i}", "title": f"A{i}", "status": "approved",
         "tags": ["t"], "language": "en"}
        for i in range(300)
    ]  # fmt: skip
    db.session.execute(sa.insert(Article), arts)
    links, shares = [], []
    for i in range(20_000):
        e, a = rng.randint(1, 2000), rng.randint(1, 300)
        links.append({"id": i + 1, "code": f"c{i:07d}", "employee_id": e, "article_id": a,
                      "network": f"n{i}"})  # fmt: skip
        shares.append({"employee_id": e, "article_id": a, "link_id": i + 1, "network": "linkedin",
                       "network_size_at_share": 500,
                       "created_at": now - dt.timedelta(days=rng.random() * 90)})  # fmt: skip
    db.session.execute(sa.insert(TrackedLink), links)
    db.session.execute(sa.insert(Share), shares)
    batch = []
    for i in range(n_clicks):
        batch.append({"link_id": rng.randint(1, 20_000),
                      # clicks arrive in time order, as in production
                      "created_at": now - dt.timedelta(days=90 * (1 - i / n_clicks)),
                      "is_bot": rng.random() < 0.1, "visitor_hash": f"{rng.getrandbits(40):x}",
                      "referrer_host": "", "ua_class": "desktop"})  # fmt: skip
        if len(batch) == 50_000:
            db.session.execute(sa.insert(Click), batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(Click), batch)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=1_000_000)
    parser.add_argument("--url", default="sqlite:////tmp/herald-bench-analytics.db")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--raw", action="store_true", help="also time the raw-only path")
    parser.add_argument("--raw-repeat", type=int, default=3)
    args = parser.parse_args()
    engine = sa.create_engine(args.url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public"))
    elif args.url.startswith("sqlite:///"):
        import pathlib

        pathlib.Path(args.url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "TESTING": True})
    with app.app_context():
        from backend.cli import upgrade_database

        upgrade_database()
        t0 = time.perf_counter()
        seed(args.clicks, random.Random(7))
        print(f"seeded {args.clicks} clicks in {time.perf_counter() - t0:.1f}s ({args.url})")
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
        t0 = time.perf_counter()
        result = rollups.rollup_clicks()
        print(
            f"first rollup: {result.days} days, {result.groups} link-day rows "
            f"in {time.perf_counter() - t0:.1f}s"
        )
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
        period = an.resolve_period(None, None)
        none = an.Filters()
        reports: dict[str, Callable[[], Any]] = {
            "overview": lambda: an.overview(period, none),
            "traffic by day": lambda: an.traffic(period, none, "day", 1000),
            "traffic by article": lambda: an.traffic(period, none, "article", 1000),
            "traffic by employee": lambda: an.traffic(period, none, "employee", 1000),
            "traffic by team (filter)": lambda: an.traffic(
                period, an.Filters(team="T3"), "team", 1000
            ),
            "reach by campaign": lambda: an.reach(period, none, "campaign", 1000),
            "participation": lambda: an.participation(period, none),
        }

        def timed(label: str, repeat: int) -> None:
            print(label)
            for name, run in reports.items():
                times = []
                for _ in range(repeat):
                    t = time.perf_counter()
                    run()
                    times.append((time.perf_counter() - t) * 1000)
                times.sort()
                p95 = times[min(len(times) - 1, max(0, round(len(times) * 0.95) - 1))]
                print(f"  {name:28s} p50 {statistics.median(times):8.1f} ms   p95 {p95:8.1f} ms")

        timed(f"reports with rollups ({args.repeat} runs each)", args.repeat)
        # A few thousand new clicks: today's, and late ones for past days (an import).
        rng = random.Random(8)
        now = dt.datetime.now(dt.UTC)
        fresh = [
            {"link_id": rng.randint(1, 20_000),
             "created_at": now - dt.timedelta(days=rng.random() * (0.01 if i % 10 else 60)),
             "is_bot": False, "visitor_hash": f"{rng.getrandbits(40):x}",
             "referrer_host": "", "ua_class": "desktop"}
            for i in range(5_000)
        ]  # fmt: skip
        db.session.execute(sa.insert(Click), fresh)
        db.session.commit()
        t0 = time.perf_counter()
        result = rollups.rollup_clicks()
        print(
            f"incremental rollup after 5,000 new clicks (500 for past days): {result.days} days, "
            f"{result.groups} link-day rows in {(time.perf_counter() - t0) * 1000:.0f} ms"
        )
        t0 = time.perf_counter()
        rollups.ensure_rolled_up()
        print(f"lazy check, nothing new: {(time.perf_counter() - t0) * 1000:.1f} ms")
        timed(f"reports with rollups, again ({args.repeat} runs each)", args.repeat)
        if args.raw:
            app.config["ANALYTICS_ROLLUPS"] = False
            timed(f"reports from raw clicks only ({args.raw_repeat} runs each)", args.raw_repeat)


if __name__ == "__main__":
    main()
