"""The load benchmark's servers: the bench databases, gunicorn, and warming its workers.

Used by ``python -m training.benchmarks.load`` (see there). Everything listens on and connects to
127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)


class BenchError(RuntimeError):
    """The benchmark could not run (server did not start, database unreachable, ...)."""


# --- database preparation --------------------------------------------------------------------


def prepare_postgres(url: str) -> None:
    """Create the bench database if needed and give it an empty public schema."""
    parsed = sa.engine.make_url(url)
    if "bench" not in (parsed.database or ""):
        raise BenchError(
            f"refusing to wipe {parsed.database!r}: the bench database name must contain 'bench'"
        )
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
            )
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    except sa.exc.OperationalError as exc:
        raise BenchError(
            f"PostgreSQL at {parsed.host}:{parsed.port} is unreachable: {exc}"
        ) from None
    finally:
        admin.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def migrate_and_seed(url: str, *, employees: int, articles: int, seed: int) -> list[str]:
    """Apply migrations and create employees × networks tracked links; returns their codes."""
    from backend import create_app
    from backend.cli import upgrade_database
    from backend.extensions import db
    from backend.models import Article, Campaign, Employee, TrackedLink
    from backend.services.links import new_code

    rng = random.Random(seed)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "RECOMMENDER_WARMUP": False,  # nothing to serve here, and no tables yet
        }
    )
    with app.app_context():
        upgrade_database()
        campaigns = [Campaign(slug=f"bench-{i}", name=f"Bench {i}") for i in range(3)]
        db.session.add_all(campaigns)
        db.session.flush()
        arts = [
            Article(
                canonical_url=f"https://www.example.com/blog/post-{i}?lang=en",
                title=f"Post {i}",
                status="approved",
                campaign_id=rng.choice([None, *(c.id for c in campaigns)]),
            )
            for i in range(articles)
        ]
        people = [
            Employee(
                email=f"bench-{i}@example.com",
                name=f"Bench {i}",
                public_ref=secrets.token_hex(8),
                network_size=rng.randint(50, 5000),
            )
            for i in range(employees)
        ]
        db.session.add_all(arts + people)
        db.session.flush()
        links = [
            TrackedLink(code=new_code(), employee_id=p.id, article_id=a.id, network=net)
            for p in people
            for a in rng.sample(arts, k=min(len(arts), 4))
            for net in ("linkedin", "x")
        ]
        db.session.add_all(links)
        db.session.commit()
        codes = [link.code for link in links]
        db.engine.dispose()
    return codes


def count_clicks(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(sa.text("SELECT count(*) FROM clicks")) or 0
    engine.dispose()
    return int(n)


# --- gunicorn ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn serving wsgi:app on 127.0.0.1; stopped with SIGTERM (graceful)."""

    def __init__(
        self,
        url: str,
        workers: int,
        worker_class: str | None,
        threads: int,
        log_path: Path,
        app_log_level: str = "INFO",
        extra_env: dict[str, str] | None = None,
    ):
        self.port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")},
            "DATABASE_URL": url,
            # Production settings where they may apply (production refuses SQLite).
            "HERALD_ENV": "production" if url.startswith("postgresql") else "development",
            "HERALD_SECRET_KEY": "bench-" + secrets.token_hex(24),
            "HERALD_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "HERALD_LOG_LEVEL": app_log_level,
            "HERALD_BIND": f"127.0.0.1:{self.port}",
            "HERALD_WORKERS": str(workers),
            "HERALD_THREADS": str(threads),
            # The run's own queue file, not the checkout's instance/tasks.db (no worker here).
            "HERALD_TASK_QUEUE_URL": f"sqlite:///{log_path.parent / f'tasks-{self.port}.db'}",
            "PROMETHEUS_MULTIPROC_DIR": str(log_path.parent / f"metrics-{self.port}"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        for key in extra_env or {}:
            env[key] = (extra_env or {})[key]
        # The production config (logging, metrics, malloc tuning, timeouts); the worker class only
        # where asked for (gunicorn picks gthread itself when HERALD_THREADS > 1).
        cmd = [sys.executable, "-m", "gunicorn", "--config", "backend/gunicorn_conf.py"]
        if worker_class:
            cmd += ["--worker-class", worker_class]
        cmd.append("wsgi:app")
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30.0, path: str = "/healthz") -> bool:
        """True once ``path`` answers 200; False after ``timeout``; BenchError if gunicorn died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"gunicorn exited with {self.proc.returncode}; see {self.log.name}"
                )
            try:
                with urllib.request.urlopen(self.base + path, timeout=1) as resp:
                    if resp.status == 200:
                        return True
            except OSError:
                pass
            time.sleep(0.2)
        return False

    def worker_cpu_s(self) -> dict[int, float]:
        """User + system CPU seconds of each worker process so far, by pid (Linux /proc)."""
        ticks = os.sysconf("SC_CLK_TCK")
        out: dict[int, float] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # a process that just ended
            if int(fields[1]) == self.proc.pid:  # ppid: a worker of this gunicorn
                out[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / ticks
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


def cpu_between(before: dict[int, float], after: dict[int, float]) -> tuple[float, int]:
    """CPU seconds the workers used between two readings, and how many workers were replaced
    meanwhile (recycled or crashed: the CPU of a worker gone by the second reading is missing)."""
    used = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
    return used, len(set(before) - set(after))


# --- warming the workers --------------------------------------------------------------------


def warm_up_workers(base: str, codes: Sequence[str], connections: int) -> None:
    """Every code over ``connections`` parallel connections (so each worker is likely to see it)."""
    host, port = base.removeprefix("http://").split(":")

    def one(i: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        for code in codes:
            conn.request(
                "GET", "/r/" + code, headers={"User-Agent": BROWSER_UA, "Connection": "close"}
            )
            conn.getresponse().read()
            conn.close()

    pool = [threading.Thread(target=one, args=(i,)) for i in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(120)
