"""Load benchmark for the tracked-link redirect, and analytics query timing over 1M clicks.

``python -m training.benchmarks.load`` (``make bench-load``). For SQLite and PostgreSQL in turn:

1. a fresh database, migrated, seeded with employees, articles and tracked links;
2. gunicorn started as production starts it (``--config backend/gunicorn_conf.py``: its logging,
   metrics directory, malloc tuning; ``HERALD_WORKERS``/``HERALD_THREADS`` from ``--workers`` and
   ``--threads``) on 127.0.0.1, waited for until ``/readyz`` (the recommender model loads in the
   background and would otherwise compete with the load), then warmed: every code requested over
   several connections, then ``--warmup`` seconds of unmeasured load, so that every worker has
   resolved every code (the redirect cache's steady state: a warm code takes the fast path);
3. ``wrk`` (or, when it is not installed, a bounded Python load generator) hitting ``/r/<code>``
   over many codes for ``--duration`` seconds: throughput, latency percentiles, errors, the CPU the
   gunicorn workers used per redirect and the load average (the machine may be shared);
4. gunicorn stopped gracefully, then lost clicks counted exactly: every measured request carries a
   unique marker (its ``Referer`` host, which the click row stores, and its ``X-Request-ID``, which
   the 302 echoes); every 302 the load tool received is matched to a stored row by its marker.
   ``lost`` = 302s without a row; ``unanswered`` = rows whose 302 the tool never saw (requests in
   flight when it stopped: stored, so not lost); ``dup`` = markers stored twice;
5. 1M clicks over 90 days bulk-loaded by one INSERT ... SELECT, in time order as the redirect
   stores them (``--shuffled-clicks``: random order), and a few representative analytics
   aggregates over the raw clicks timed (p50/p95 over ``--query-runs`` runs; skip them with
   ``--no-raw-queries``);
6. the click rollup run (timed), then the analytics reports themselves timed through the
   service layer (closed weeks and days from the rollups, the edges and today from raw clicks),
   with the load average at the time.

``--duration 0`` skips the redirect load: only the analytics part runs.

Numbers are printed, never asserted. Everything listens on and connects to 127.0.0.1 only.
The PostgreSQL database named by ``--pg-url`` is dropped and recreated: its name must contain
"bench".
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from training.benchmarks.load_analytics import (
    SUGGESTED_INDEX,
    QueryTiming,
    add_suggested_index,
    bulk_insert_clicks,
    rollup_and_time_reports,
    time_queries,
)
from training.benchmarks.load_servers import (
    BenchError,
    Server,
    count_clicks,
    cpu_between,
    migrate_and_seed,
    prepare_postgres,
    warm_up_workers,
)
from training.benchmarks.load_traffic import (
    LoadResult,
    match_clicks,
    max_click_id,
    run_python_load,
    run_wrk,
    stored_markers,
)
from training.benchmarks.machine import reference_ms, reference_span

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/herald_bench"


@dataclass
class BackendReport:
    backend: str
    load: LoadResult | None = None
    bulk_insert_s: float = 0.0
    clicks_total: int = 0
    queries: list[QueryTiming] = field(default_factory=list)
    index_s: float = 0.0
    queries_indexed: list[QueryTiming] = field(default_factory=list)
    rollup_s: float = 0.0
    reports: list[QueryTiming] = field(default_factory=list)


# --- orchestration ------------------------------------------------------------------------------


def run_backend(
    name: str, url: str, args: argparse.Namespace, tmp: Path, say: Callable[[str], None]
) -> BackendReport:
    report = BackendReport(backend=name)
    if name == "postgresql":
        prepare_postgres(url)
    say(f"[{name}] migrating and seeding")
    codes = migrate_and_seed(url, employees=args.employees, articles=args.articles, seed=args.seed)
    if args.duration > 0:
        server = Server(
            url,
            args.workers,
            args.worker_class,
            args.threads,
            tmp / f"gunicorn-{name}.log",
            app_log_level=args.app_log_level,
        )
        try:
            if not server.wait_ready(args.ready_timeout):
                raise BenchError(
                    f"gunicorn did not answer within {args.ready_timeout:.0f}s; "
                    f"see {server.log.name}"
                )
            if not server.wait_ready(args.ready_timeout, "/readyz"):
                say(f"[{name}] /readyz not ready after {args.ready_timeout:.0f}s; loading anyway")
            warm_up_workers(server.base, codes, args.workers * 2)
            use_wrk = bool(shutil.which("wrk")) and not args.python_load
            if args.warmup > 0:  # unmeasured: every worker busy, every worker's cache filled
                say(f"[{name}] warm-up: {args.warmup}s of unmeasured load")
                if use_wrk:
                    run_wrk(server.base, codes, args.warmup, args.connections, 1, tmp, "w")
                else:
                    run_python_load(server.base, codes, args.warmup, args.connections, "w")
            since = max_click_id(url)
            say(f"[{name}] load: {args.duration}s against {len(codes)} tracked links")
            reference_before = reference_ms()
            cpu_before, load_before = server.worker_cpu_s(), os.getloadavg()[0]
            if use_wrk:
                load = run_wrk(
                    server.base, codes, args.duration, args.connections, args.wrk_threads, tmp
                )
            else:
                load = run_python_load(server.base, codes, args.duration, args.connections)
            cpu_used, load.worker_restarts = cpu_between(cpu_before, server.worker_cpu_s())
            load.load_after = os.getloadavg()[0]
            load.load_before = load_before
            load.reference_before, load.reference_after = reference_before, reference_ms()
            load.server_cpu_ms = cpu_used * 1000 / max(1, load.completed)
        finally:
            server.stop()
        stored = stored_markers(url, since, "m")
        load.clicks_stored = len(stored)
        if len(load.markers) != load.redirects:
            raise BenchError(
                f"{load.redirects} redirects but {len(load.markers)} markers read back: the "
                "loss count would not be exact"
            )
        load.lost, load.unanswered, load.duplicated = match_clicks(load.markers, stored)
        report.load = load
    if args.clicks > 0:
        say(f"[{name}] bulk-loading {args.clicks:,} clicks")
        report.bulk_insert_s = bulk_insert_clicks(url, args.clicks, args.shuffled_clicks)
        report.clicks_total = count_clicks(url)
        if args.raw_queries:
            say(f"[{name}] timing analytics queries on raw clicks ({args.query_runs} runs each)")
            report.queries = time_queries(url, args.query_runs)
            if args.suggested_index:
                say(f"[{name}] again with a covering index on clicks (created_at, link_id, ...)")
                report.index_s = add_suggested_index(url)
                report.queries_indexed = time_queries(url, args.query_runs)
        say(f"[{name}] daily rollup, then analytics reports ({args.query_runs} runs each)")
        report.rollup_s, report.reports = rollup_and_time_reports(url, args.query_runs)
    return report


def print_report(reports: Sequence[BackendReport], args: argparse.Namespace) -> None:
    print()
    print(
        f"Redirect load: gunicorn --config backend/gunicorn_conf.py, {args.workers} workers x "
        f"{args.threads} threads ({args.worker_class or 'gthread' if args.threads > 1 else 'sync'})"
        f", {os.cpu_count()} CPUs; target >= 1500 req/s (2000), p99 <= 50 ms, 0 clicks lost"
    )
    print(f"{'backend':<11} {'tool':<22} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
          f"{'done':>7} {'302s':>7} {'errors':>6} {'clicks':>7} {'lost':>5} {'unans':>5} "
          f"{'dup':>3} {'cpu ms':>6} {'load avg':>11} {'reference ms':>12}")  # fmt: skip
    for r in reports:
        if r.load is None:
            continue
        ld = r.load
        print(
            f"{r.backend:<11} {ld.tool:<22} {ld.rps:>8.0f} {ld.p50_ms:>7.2f} {ld.p90_ms:>7.2f} "
            f"{ld.p99_ms:>7.2f} {ld.completed:>7} {ld.redirects:>7} {ld.errors:>6} "
            f"{ld.clicks_stored:>7} {ld.lost:>5} {ld.unanswered:>5} {ld.duplicated:>3} "
            f"{ld.server_cpu_ms:>6.2f} "
            f"{ld.load_before:>5.1f}-{ld.load_after:<5.1f} "
            f"{reference_span(ld.reference_before, ld.reference_after):>12}"
        )
    print("(lost: 302s received whose marker has no stored click, matched one by one; unans:")
    print(" clicks stored whose 302 the tool never read, in flight when it stopped; dup: stored")
    print(" twice; cpu ms: CPU time of the gunicorn workers per request; load avg: 1-minute,")
    print(
        " before-after the load, on "
        f"{os.cpu_count()} CPUs shared with whatever else runs on this machine; reference ms:"
    )
    print(" a fixed one-core workload timed before and after the load, training/benchmarks/")
    print(" machine.py: higher means the machine itself was running slower)")
    for r in reports:
        if not r.queries and not r.reports:
            continue
        print()
        print(
            f"Analytics on {r.backend}: {r.clicks_total:,} clicks "
            f"(bulk load {r.bulk_insert_s:.1f}s); target p95 <= 200 ms"
        )
        if r.queries:
            print("  raw clicks, hand-written SQL:")
            _print_timings(r.queries)
        if r.queries_indexed:
            print(
                f"  with an index on {SUGGESTED_INDEX.split(' ON ')[1]}, built in {r.index_s:.1f}s:"
            )
            _print_timings(r.queries_indexed)
        if r.reports:
            print(f"  reports (services) after the first daily rollup ({r.rollup_s:.1f}s):")
            _print_timings(r.reports)


def _print_timings(timings: Sequence[QueryTiming]) -> None:
    for q in timings:
        print(
            f"  {q.name:<56} rows {q.rows:>5}  p50 {q.p50_ms:>8.1f} ms  "
            f"p95 {q.p95_ms:>8.1f} ms  ({q.runs} runs, load {q.load1:.1f})"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m training.benchmarks.load", description=__doc__.split("\n")[0]
    )
    p.add_argument(
        "--backends", default="sqlite,postgresql", help="comma-separated: sqlite,postgresql"
    )
    p.add_argument("--pg-url", default=os.environ.get("HERALD_BENCH_PG_URL", DEFAULT_PG_URL))
    p.add_argument("--duration", type=int, default=10, help="seconds of load per backend (0: skip)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--wrk-threads", type=int, default=1)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument(
        "--worker-class",
        default=None,
        choices=["sync", "gthread"],
        help="override the config's (gthread when --threads > 1, else sync)",
    )
    p.add_argument(
        "--warmup", type=int, default=3, help="seconds of unmeasured load before the measured run"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=8,
        help="threads per gthread worker (the clicks of concurrent requests share a commit)",
    )
    p.add_argument(
        "--ready-timeout",
        type=float,
        default=180.0,
        help="seconds to wait for /readyz (the recommender model loading) before the load",
    )
    p.add_argument(
        "--python-load",
        action="store_true",
        help="use the Python load generator even if wrk exists",
    )
    p.add_argument(
        "--app-log-level",
        default="INFO",
        help="HERALD_LOG_LEVEL for the server (INFO writes one JSON line per request)",
    )
    p.add_argument("--employees", type=int, default=200)
    p.add_argument("--articles", type=int, default=50)
    p.add_argument("--clicks", type=int, default=1_000_000, help="clicks to bulk-load (0: skip)")
    p.add_argument("--query-runs", type=int, default=10)
    p.add_argument(
        "--shuffled-clicks",
        action="store_true",
        help="store the bulk clicks in random rather than time order (each day's rows scattered)",
    )
    p.add_argument(
        "--raw-queries",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="time hand-written aggregates over the raw clicks (the pre-rollup cost)",
    )
    p.add_argument(
        "--suggested-index",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time the queries with a covering index on clicks",
    )
    p.add_argument("--seed", type=int, default=7)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    reports: list[BackendReport] = []
    with tempfile.TemporaryDirectory(prefix="herald-bench-") as tmpdir:
        tmp = Path(tmpdir)
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            if backend == "sqlite":
                url = f"sqlite:///{tmp / 'bench.db'}"
            elif backend == "postgresql":
                url = args.pg_url
            else:
                raise SystemExit(f"unknown backend {backend!r}; use sqlite and/or postgresql")
            try:
                reports.append(run_backend(backend, url, args, tmp, say))
            except BenchError as exc:
                say(f"[{backend}] skipped: {exc}")
    print_report(reports, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
