"""Suggestion latency as production serves it: ``python -m training.benchmarks.speed_http``.

Called by ``make bench-speed`` after the in-process part (training/benchmarks/speed.py). Printed,
never asserted. For each catalog size:

1. a fresh database (SQLite file, or ``--database-url`` PostgreSQL whose name contains "bench"),
   migrated; ``size`` approved articles whose embeddings are random unit vectors for the served
   encoder (labelled so: embedding 10k real articles would take minutes; the ranking cost does not
   depend on what the vectors say), stored with the content hash the server expects, so it embeds
   nothing during the run;
2. populated engagement tables: ``--employees`` colleagues and the measured employee with 90 days
   of history each (suggestion impressions, shown/opened/shared/dismissed events, shares with
   tracked links, clicks), so the peer-engagement, popularity and already-seen signals read real
   rows, and the co-engagement model fitted and stored as the worker's task does (served from
   ``co_engagement_fits``, as in production);
3. gunicorn started as production starts it (``--config backend/gunicorn_conf.py``, 2 workers), with
   the rate limiter on and the JSON request log on (written to a file), the served encoder
   (``HERALD_ENCODER``, default the production default); waited for until ``/readyz``, then both
   workers warmed (parallel requests until each worker has answered);
4. ``--samples`` (>= 1,000) ``POST /api/v1/suggestions`` over real TCP sockets per cell (no
   context; a fresh 100-word context each time), sequential on one connection, or split over
   ``--clients`` connections sending at once (both workers busy): p50/p90/p99 wall-clock latency
   and requests per second, with the load average (the machine may be shared) and the time of a
   fixed reference workload before and after the cell (``training/benchmarks/machine.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from backend.config import Settings
from training.benchmarks.http_client import HttpClient
from training.benchmarks.load_servers import free_port
from training.benchmarks.machine import reference_ms, reference_span

ROOT = Path(__file__).resolve().parents[2]
WORDS = (
    "cloud security zero trust hybrid work customers data platform analytics sales pipeline "
    "engineering kubernetes cost compliance audit growth launch partner ecosystem sustainability "
    "energy talent hiring culture leadership quarterly results product roadmap ai models"
).split()
EVENT_MIX = ("shown", "shown", "shown", "opened", "shared", "dismissed", "saved")


class BenchError(RuntimeError):
    """The benchmark could not run."""


def fresh_text(rng: np.random.Generator, n: int = 100) -> str:
    return " ".join(rng.choice(WORDS, size=n).tolist()) + f" {rng.integers(1_000_000)}"


def load1() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def prepare_database(url: str) -> None:
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        name = engine.url.database or ""
        if "bench" not in name:
            raise BenchError(f"refusing to recreate {name!r}: its name must contain 'bench'")
        admin = sa.create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    engine.dispose()


def populate(
    url: str, encoder_name: str, size: int, colleagues: int, seed: int, cache_dir: str
) -> tuple[str, dict[str, int]]:
    """Migrate, add the catalog and 90 days of history; returns the measured employee's token."""
    from backend import create_app
    from backend.cli import upgrade_database
    from backend.extensions import db
    from backend.models import (
        Article,
        ArticleEmbedding,
        Click,
        Employee,
        EngagementEvent,
        Share,
        SuggestionImpression,
        TrackedLink,
    )
    from backend.services import co_engagement
    from backend.services.employees import issue_token
    from recommender.encoders import get_encoder
    from recommender.text import article_text, content_hash

    rng = np.random.default_rng(seed)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "ENCODER": encoder_name,
            "MODEL_CACHE_DIR": cache_dir,
            "RECOMMENDER_WARMUP": False,
            "TASK_QUEUE_URL": "memory://",  # nothing here is for a worker
            "SECRET_KEY": "speed-http-" + "x" * 32,
        }
    )
    encoder = get_encoder(encoder_name, cache_dir=cache_dir)
    now = dt.datetime.now(dt.UTC)
    counts: dict[str, int] = {}
    with app.app_context():
        upgrade_database()
        articles = []
        for i in range(size):
            published = now - dt.timedelta(days=float(rng.uniform(0, 120)))
            title = f"Article {i} about {' '.join(rng.choice(WORDS, 4))}"
            articles.append(
                {
                    "id": i + 1,
                    "canonical_url": f"https://example.com/a/{i}",
                    "title": title,
                    "summary": "",
                    "body": "",
                    "language": "en",
                    "tags": [],
                    "status": "approved",
                    "approved_at": published,
                    "published_at": published,
                    "created_at": published,
                    "updated_at": published,
                }
            )
        db.session.execute(sa.insert(Article), articles)
        vectors = rng.standard_normal((size, encoder.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        db.session.execute(
            sa.insert(ArticleEmbedding),
            [
                {
                    "article_id": a["id"],
                    "encoder": encoder.name,
                    "content_hash": content_hash(
                        article_text(str(a["title"]), "", ""), encoder.name
                    ),
                    "dim": encoder.dim,
                    "vector": vectors[k].astype("<f4").tobytes(),
                    "created_at": now,
                }
                for k, a in enumerate(articles)
            ],
        )
        people = [
            {
                "email": f"p{i}@example.com",
                "name": f"Person {i}",
                "department": ("Sales", "Engineering", "Marketing", "Support")[i % 4],
                "job_title": "Account Executive" if i % 4 == 0 else "Engineer",
                "public_ref": f"ref{i:06d}",
                "languages": ["en"],
            }
            for i in range(colleagues + 1)
        ]
        db.session.execute(sa.insert(Employee), people)
        db.session.commit()
        ids = list(db.session.scalars(sa.select(Employee.id).order_by(Employee.id)))
        me = ids[0]
        events: list[dict[str, Any]] = []
        impressions: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        shares: list[dict[str, Any]] = []
        for emp in ids:
            per_day = 6 if emp == me else 2
            for day in range(90):
                for _ in range(per_day):
                    at = now - dt.timedelta(days=day, seconds=float(rng.uniform(0, 86_400)))
                    aid = int(rng.integers(1, size + 1))
                    rid = secrets.token_hex(8)
                    impressions.append(
                        {
                            "request_id": rid,
                            "employee_id": emp,
                            "article_id": aid,
                            "rank": int(rng.integers(1, 6)),
                            "score": float(rng.uniform()),
                            "model_version": "default",
                            "page_type": "feed",
                            "features": {},
                            "created_at": at,
                        }
                    )
                    kind = str(rng.choice(EVENT_MIX))
                    events.append(
                        {
                            "employee_id": emp,
                            "article_id": aid,
                            "type": kind,
                            "request_id": rid,
                            "created_at": at,
                        }
                    )
                    if kind == "shared":
                        links.append(
                            {
                                "code": secrets.token_urlsafe(6)[:8],
                                "employee_id": emp,
                                "article_id": aid,
                                "network": "linkedin",
                                "created_at": at,
                            }
                        )
        # One link per (employee, article, network).
        unique = {(x["employee_id"], x["article_id"]): x for x in links}
        links = list(unique.values())
        db.session.execute(sa.insert(SuggestionImpression), impressions)
        db.session.execute(sa.insert(EngagementEvent), events)
        db.session.execute(sa.insert(TrackedLink), links)
        db.session.commit()
        link_rows = db.session.execute(
            sa.select(
                TrackedLink.id,
                TrackedLink.employee_id,
                TrackedLink.article_id,
                TrackedLink.created_at,
            )
        ).all()
        clicks: list[dict[str, Any]] = []
        for lid, emp, aid, at in link_rows:
            shares.append(
                {
                    "employee_id": emp,
                    "article_id": aid,
                    "link_id": lid,
                    "network": "linkedin",
                    "caption": "",
                    "network_size_at_share": 500,
                    "created_at": at,
                }
            )
            for _ in range(int(rng.integers(0, 12))):
                clicks.append(
                    {
                        "link_id": lid,
                        "created_at": at + dt.timedelta(hours=float(rng.uniform(0, 72))),
                        "referrer_host": "www.linkedin.com",
                        "ua_class": "desktop",
                        "is_bot": False,
                        "visitor_hash": secrets.token_hex(8),
                    }
                )
        db.session.execute(sa.insert(Share), shares)
        if clicks:
            db.session.execute(sa.insert(Click), clicks)
        person = db.session.get_one(Employee, me)
        token, _ = issue_token(person, "employee", 1)
        db.session.commit()
        # What the worker's fit_co_engagement task does: the served co-engagement model is the
        # stored fit (a web request never fits it), so the measured path scores with it.
        fit = co_engagement.fit_and_store()
        counts = {
            "impressions": len(impressions),
            "events": len(events),
            "my events": sum(1 for e in events if e["employee_id"] == me),
            "shares": len(shares),
            "clicks": len(clicks),
            "co-engagement articles": fit.n_items,
        }
        db.session.remove()
        db.engine.dispose()
    return token, counts


def limiter_storage(choice: str) -> str:
    """The rate limiter's storage for the run: production keeps its counters in Redis
    (``REDIS_URL``), so "auto" takes the local Redis when one answers and memory otherwise."""
    if choice == "memory":
        return "memory://"
    if choice != "auto":
        return choice
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return "memory://"
    return "redis://127.0.0.1:6379/0"


class Server:
    def __init__(
        self,
        url: str,
        encoder: str,
        cache_dir: str,
        tmp: Path,
        workers: int,
        limiter: str = "memory://",
        context_threads: int = 1,
    ) -> None:
        self.port = free_port()
        self.log_path = tmp / f"gunicorn-{self.port}.log"
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith("PROMETHEUS_") and k != "REDIS_URL"
            },
            "HERALD_RATELIMIT_STORAGE_URI": limiter,
            "DATABASE_URL": url,
            # Production settings where they may apply (production refuses SQLite).
            "HERALD_ENV": "production" if url.startswith("postgresql") else "development",
            "HERALD_SECRET_KEY": "speed-http-" + secrets.token_hex(24),
            "HERALD_ENCODER": encoder,
            "HERALD_MODEL_CACHE_DIR": cache_dir,
            "HERALD_ARTIFACTS_DIR": str(tmp / "artifacts"),
            "HERALD_BIND": f"127.0.0.1:{self.port}",
            "HERALD_WORKERS": str(workers),
            # The run's own queue (no worker consumes it; the co-engagement fit is stored above).
            "HERALD_TASK_QUEUE_URL": f"sqlite:///{tmp / 'tasks.db'}",
            "HERALD_LOG_LEVEL": "INFO",  # one JSON line per request, as in production
            # The limiter runs on every request; the limit is high enough not to refuse the run.
            "HERALD_RATELIMIT_DEFAULT": "1000000 per hour",
            "HERALD_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / f"metrics-{self.port}"),
            "HERALD_CONTEXT_ENCODE_THREADS": str(context_threads),
        }
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    "backend/gunicorn_conf.py",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.base = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"gunicorn exited; see {self.log_path}")
            try:
                if HttpClient(self.base, timeout=2).get("/readyz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise BenchError(f"/readyz not ready in {timeout:.0f} s; see {self.log_path}")

    def worker_pids(self) -> set[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True
        )
        return {int(p) for p in out.stdout.split()}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def warm_both(server: Server, token: str, rng: np.random.Generator) -> set[int]:
    """Parallel requests until every worker has answered a suggestion (read from the JSON log)."""
    pids = server.worker_pids()

    def answered() -> set[int]:
        seen = set()
        for line in server.log_path.read_text(errors="replace").splitlines():
            if '"path": "/api/v1/suggestions"' in line or "/api/v1/suggestions" in line:
                try:
                    seen.add(int(json.loads(line)["pid"]))
                except (ValueError, KeyError):
                    continue
        return seen

    def hit() -> None:
        with HttpClient(server.base, token, timeout=60) as client:
            for _ in range(10):
                body = {"limit": 5, "context": {"page_type": "post", "text": fresh_text(rng)}}
                client.post("/api/v1/suggestions", body)

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pool = [threading.Thread(target=hit) for _ in range(len(pids) * 2)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        if pids <= answered():
            return pids
    raise BenchError(f"not every worker answered during warm-up; see {server.log_path}")


def measure(
    base: str, token: str, samples: int, context: bool, rng: np.random.Generator
) -> list[float]:
    out = []
    with HttpClient(base, token, timeout=60) as client:
        for _ in range(samples):
            body: dict[str, Any] = {"limit": 5}
            if context:
                body["context"] = {"page_type": "post", "text": fresh_text(rng)}
            started = time.perf_counter()
            reply = client.post("/api/v1/suggestions", body)
            out.append((time.perf_counter() - started) * 1000)
            if reply.status != 200:
                raise BenchError(f"suggestions answered {reply.status}: {reply.body[:200]!r}")
    return out


def measure_clients(
    base: str, token: str, samples: int, context: bool, rng: np.random.Generator, clients: int
) -> tuple[list[float], float]:
    """``samples`` requests split over ``clients`` connections sending at once (each one
    request at a time): every latency and the requests per second over the whole cell."""
    seeds = rng.integers(0, 2**32, size=clients)
    results: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            results[i] = measure(
                base, token, samples // clients, context, np.random.default_rng(seeds[i])
            )
        except BaseException as exc:  # noqa: BLE001 - re-raised below, in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    out = [x for r in results for x in r]
    return out, len(out) / elapsed


def run(args: argparse.Namespace) -> list[str]:
    from recommender.encoders import DEFAULT_ENCODER
    from recommender.onnx_export import default_cache_dir

    encoder = args.encoder or DEFAULT_ENCODER
    cache_dir = str(args.cache_dir or default_cache_dir())
    limiter = limiter_storage(args.limiter)
    rng = np.random.default_rng(args.seed)
    lines = [
        "| Path | Articles | Context | clients | p50 ms | p90 ms | p99 ms | req/s | samples "
        "| load avg | reference ms |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    print(
        f"HTTP suggestions over a socket: gunicorn --config backend/gunicorn_conf.py, "
        f"{args.workers} workers, limiter ({limiter}) and request log on, encoder {encoder} "
        f"(a context on up to {args.context_threads} threads while cores are idle); "
        "catalog embeddings are random unit vectors (benchmark-only catalog)",
        flush=True,
    )
    print("\n".join(lines), flush=True)
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="herald-speed-http-") as tmpdir:
            tmp = Path(tmpdir)
            url = args.database_url or f"sqlite:///{tmp / 'speed.db'}"
            prepare_database(url)
            token, counts = populate(url, encoder, size, args.employees, args.seed, cache_dir)
            print(
                f"  ({size:,} articles; history: "
                + ", ".join(f"{k} {v:,}" for k, v in counts.items())
                + ")",
                file=sys.stderr,
                flush=True,
            )
            server = Server(
                url, encoder, cache_dir, tmp, args.workers, limiter, args.context_threads
            )
            try:
                server.wait_ready(args.ready_timeout)
                warm_both(server, token, rng)
                for clients in args.clients:
                    for label, ctx in (("none", False), ("fresh 100-word", True)):
                        before, reference = load1(), reference_ms()
                        samples, rate = measure_clients(
                            server.base, token, args.samples, ctx, rng, clients
                        )
                        q = statistics.quantiles(samples, n=100)
                        line = (
                            f"| HTTP (gunicorn) | {size:,} | {label} | {clients} | {q[49]:.1f} | "
                            f"{q[89]:.1f} | {q[98]:.1f} | {rate:.0f} | {len(samples):,} | "
                            f"{before:.1f}-{load1():.1f} | "
                            f"{reference_span(reference, reference_ms())} |"
                        )
                        lines.append(line)
                        print(line, flush=True)
            finally:
                server.stop()
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m training.benchmarks.speed_http", description=__doc__.split("\n")[0]
    )
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 10000])
    p.add_argument("--samples", type=int, default=1000, help="requests per cell (>= 1000)")
    p.add_argument("--employees", type=int, default=200, help="colleagues with 90 days of history")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--encoder", default=None, help="HERALD_ENCODER (default: the production one)")
    p.add_argument("--cache-dir", default=None, help="encoder export cache")
    p.add_argument(
        "--database-url",
        default=os.environ.get("HERALD_BENCH_SPEED_DB_URL"),
        help="PostgreSQL URL (name must contain 'bench'); default a temporary SQLite file",
    )
    p.add_argument(
        "--limiter",
        default=os.environ.get("REDIS_URL") or "auto",
        help="rate-limit storage: a redis:// URL, 'memory', or 'auto' (default: REDIS_URL, else "
        "the local Redis when it answers, as production keeps the counters in Redis)",
    )
    p.add_argument(
        "--clients",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1, 2],
        help="connections sending at once, one cell each (default 1,2: one request at a time, "
        "then both workers busy)",
    )
    p.add_argument(
        "--context-threads",
        type=int,
        default=Settings.model_fields["CONTEXT_ENCODE_THREADS"].default,
        help="HERALD_CONTEXT_ENCODE_THREADS for the server (default: the served default)",
    )
    p.add_argument("--ready-timeout", type=float, default=300.0)
    p.add_argument("--seed", type=int, default=3)
    args = p.parse_args(argv)
    if args.samples < 1000:
        print(f"note: --samples {args.samples} < 1000: a smoke run, not a result", file=sys.stderr)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    try:
        run(parse_args(argv))
    except BenchError as exc:
        print(f"speed_http: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
