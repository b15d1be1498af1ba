"""Two API nodes and one worker sharing PostgreSQL, Redis and the model store.

Node A and node B are two gunicorn servers (``backend/gunicorn_conf.py``, two workers each) on
different ports with *different* local artifact directories; what they share is what a real
deployment shares: the PostgreSQL database, Redis (task queue and rate limits) and the model store
(``MODEL_STORE_URL``, here a ``file://`` directory standing in for S3). One ``flask worker`` runs
the task queue. The tests go through the nodes over HTTP, as the content team and employees would.

Needs PostgreSQL (``DATABASE_URL``) and Redis (``HERALD_TEST_REDIS_URL``, default
``redis://127.0.0.1:6379/7``); skipped with a message otherwise (the SQLite run of the suite).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.production.conftest import flask_cli, free_port, start_server, stop_server
from training.benchmarks.http_client import HttpClient

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres
PASSWORD = "multi-node-" + secrets.token_hex(8)
ADMIN = "mn-admin@example.com"


def _redis_url() -> str:
    return os.environ.get("HERALD_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture(scope="module")
def cluster_db() -> Iterator[str]:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("multi-node test needs PostgreSQL: set DATABASE_URL=postgresql+psycopg://...")
    import redis

    try:
        client = redis.Redis.from_url(_redis_url(), socket_connect_timeout=2)
        client.flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"multi-node test needs Redis at {_redis_url()}: {exc}")
    url = sa.engine.make_url(base)
    name = f"{url.database}_mn"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield url.set(database=name).render_as_string(hide_password=False)


@dataclass
class Cluster:
    a: str
    b: str
    token: str
    engine: sa.Engine
    worker_env: dict[str, str]
    tmp: Path
    worker: subprocess.Popen[bytes] | None = None

    def start_worker(self) -> None:
        with (self.tmp / "worker.log").open("ab") as log:  # the child keeps its own descriptor
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                cwd=ROOT,
                env=self.worker_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill_worker(self) -> None:
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(timeout=10)

    def stop_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.worker.pid, signal.SIGKILL)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()


def _env(db_url: str, tmp: Path, name: str, port: int = 0) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "PROMETHEUS_"))}
    env.update(
        {
            "DATABASE_URL": db_url,
            "REDIS_URL": _redis_url(),
            # Not HERALD_ENV=production: that requires Secure console cookies, which a client
            # sends over https only, and these nodes speak plain http on loopback.
            "HERALD_SECRET_KEY": "multi-node-secret-" + "k" * 40,
            "HERALD_ARTIFACTS_DIR": str(tmp / name / "artifacts"),
            "HERALD_MODEL_STORE_URL": (tmp / "shared-store").as_uri(),
            "HERALD_TASK_QUEUE_URL": _redis_url(),
            "HERALD_JOB_STALE_AFTER_S": "3",
            "HERALD_ENCODER": "hashing",
            "HERALD_CONSOLE_COOKIE_SECURE": "false",
            "HERALD_RATELIMIT_DEFAULT": "100000 per minute",
            "HERALD_RATELIMIT_AUTH": "1000 per minute",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / name / "metrics"),
        }
    )
    if port:
        env["HERALD_BIND"] = f"127.0.0.1:{port}"
        env["HERALD_WORKERS"] = "2"
        env["HERALD_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    return env


@pytest.fixture(scope="module")
def cluster(cluster_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("cluster")
    worker_env = _env(cluster_db, tmp, "worker")
    flask_cli(worker_env, "db-upgrade")
    flask_cli(worker_env, "seed-demo")
    out = flask_cli(worker_env, "create-admin", ADMIN).stdout
    token = out.strip().splitlines()[-1]
    # The first model: fitted and published by the worker's node; A and B have empty local
    # artifact directories and must fetch it from the shared store.
    subprocess.run(
        [sys.executable, "-m", "training", "bootstrap"],
        cwd=ROOT,
        env=worker_env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    engine = sa.create_engine(cluster_db)
    from backend.console.auth import hash_password

    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE employees SET password_hash = :h WHERE email = :e"),
            {"h": hash_password(PASSWORD), "e": ADMIN},
        )
    procs = []
    bases = []
    try:
        for name in ("a", "b"):
            port = free_port()
            env = _env(cluster_db, tmp, name, port)
            procs.append(start_server(env, tmp / f"node-{name}.log"))
            bases.append(f"http://127.0.0.1:{port}")
        cluster = Cluster(bases[0], bases[1], token, engine, worker_env, tmp)
        cluster.start_worker()
        yield cluster
    finally:
        for proc in procs:
            stop_server(proc)
        if "cluster" in locals():
            cluster.stop_worker()
        engine.dispose()


def _wait_for(check: Callable[[], Any], timeout: float, what: str, pause: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(pause)
    raise AssertionError(f"{what}: not within {timeout:.0f} s (last: {last!r})")


class Console:
    """A signed-in console session on one node (cookies and the CSRF token, as a browser)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.csrf = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as resp:
            html: str = resp.read().decode()
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        if found:
            self.csrf = found.group(1)
        return html

    def post(self, path: str, **fields: str) -> str:
        data = urllib.parse.urlencode({"csrf_token": self.csrf, **fields}).encode()
        with self.opener.open(self.base + path, data=data, timeout=60) as resp:
            html: str = resp.read().decode()
        return html

    def login(self) -> None:
        self.get("/console/login")
        html = self.post("/console/login", email=ADMIN, password=PASSWORD)
        assert "logout" in html.lower(), html[:500]
        self.get("/console/recommender")


def _served_version(base: str, token: str) -> str:
    reply = HttpClient(base, token, timeout=30).post(
        "/api/v1/suggestions", {"context": {"page_type": "feed"}, "limit": 3}
    )
    assert reply.status == 200, reply.body[:300]
    return str(reply.json()["model_version"])


def test_job_enqueued_on_a_survives_worker_kill_and_publish_on_a_reaches_b(
    cluster: Cluster,
) -> None:
    first = _wait_for(
        lambda: cluster.scalar("SELECT version FROM model_versions WHERE status = 'active'"),
        10,
        "the bootstrap model is active",
    )
    # Both nodes serve the bootstrap model, fetched from the shared store.
    assert _wait_for(lambda: _served_version(cluster.a, cluster.token) == first, 60, "A serves")
    assert _wait_for(lambda: _served_version(cluster.b, cluster.token) == first, 60, "B serves")

    console = Console(cluster.a)
    console.login()
    before = cluster.scalar("SELECT coalesce(max(id), 0) FROM jobs")
    console.post("/console/recommender/retrain")
    job_id = _wait_for(
        lambda: cluster.scalar("SELECT id FROM jobs WHERE id > :b", b=before), 10, "job recorded"
    )
    _wait_for(
        lambda: cluster.scalar("SELECT status FROM jobs WHERE id = :i", i=job_id) == "running",
        120,
        "the worker starts the job",
        pause=0.05,
    )
    cluster.kill_worker()  # kill -9 in the middle of the job
    assert cluster.scalar("SELECT status FROM jobs WHERE id = :i", i=job_id) == "running"
    time.sleep(4)  # longer than JOB_STALE_AFTER_S: the job's heartbeat has stopped
    cluster.start_worker()
    status = _wait_for(
        lambda: (
            (s := cluster.scalar("SELECT status FROM jobs WHERE id = :i", i=job_id))
            in ("done", "failed")
            and s
        ),
        400,
        "the job completes after the worker restarts",
    )
    log = cluster.scalar("SELECT CAST(log AS TEXT) FROM jobs WHERE id = :i", i=job_id)
    assert status == "done", log
    assert "the worker stopped while running; running again" in log
    assert cluster.scalar("SELECT attempts FROM jobs WHERE id = :i", i=job_id) == 2
    version = cluster.scalar("SELECT result->>'version' FROM jobs WHERE id = :i", i=job_id)
    assert version and version != first
    # The job's progress and result show in node B's console too (the same rows).
    console_b = Console(cluster.b)
    console_b.login()
    assert version in console_b.get("/console/recommender")

    # Publish through node A's console: node B serves it within 60 s, without a restart.
    console.get(f"/console/recommender/versions/{version}")
    console.post(f"/console/recommender/versions/{version}/publish", confirm_worse="yes")
    assert cluster.scalar("SELECT version FROM model_versions WHERE status = 'active'") == version
    _wait_for(lambda: _served_version(cluster.b, cluster.token) == version, 60, "B serves new")
    # Node B's console names it active too (the pointer is the database's, not a local file).
    assert f'id="active-version">{version}<' in console_b.get("/console/recommender")
    # Roll back through node A: node B goes back within 60 s.
    console.post("/console/recommender/rollback")
    _wait_for(lambda: _served_version(cluster.b, cluster.token) == first, 60, "B rolls back")


def test_article_created_on_b_is_suggestible_on_a(cluster: Cluster) -> None:
    words = "quokka photosynthesis lighthouse"
    reply = HttpClient(cluster.b, cluster.token, timeout=30).post(
        "/api/v1/articles",
        {
            "canonical_url": f"https://example.com/{secrets.token_hex(4)}",
            "title": f"The {words} report",
            "summary": f"Everything about {words}.",
            "status": "approved",
        },
    )
    assert reply.status == 201, reply.body[:300]
    article_id = reply.json()["id"]

    def suggested_on_a() -> bool:
        got = HttpClient(cluster.a, cluster.token, timeout=30).post(
            "/api/v1/suggestions",
            {"context": {"page_type": "post", "text": f"{words} {words}"}, "limit": 5},
        )
        assert got.status == 200
        return article_id in [item["article_id"] for item in got.json()["items"]]

    _wait_for(suggested_on_a, 60, "the article from B is suggested on A")
    # Its vector comes from the worker's embedding task (queued on Redis by B's commit): nodes
    # never embed.
    _wait_for(
        lambda: (
            cluster.scalar(
                "SELECT count(*) FROM article_embeddings WHERE article_id = :a", a=article_id
            )
            == 1
        ),
        60,
        "the worker embeds the article from B",
    )


def test_clicks_through_both_nodes_are_all_stored(cluster: Cluster) -> None:
    article_id = cluster.scalar("SELECT min(id) FROM articles WHERE status = 'approved'")
    share = HttpClient(cluster.a, cluster.token, timeout=30).post(
        "/api/v1/shares", {"article_id": article_id, "network": "linkedin"}
    )
    assert share.status == 201, share.body[:300]
    code = share.json()["code"]
    link_id = cluster.scalar("SELECT id FROM tracked_links WHERE code = :c", c=code)
    before = cluster.scalar("SELECT count(*) FROM clicks WHERE link_id = :l", l=link_id)
    answered = 0
    for base in (cluster.a, cluster.b) * 60:
        with HttpClient(base, timeout=30) as client:
            reply = client.get(f"/r/{code}", headers={"User-Agent": "Mozilla/5.0 multinode"})
        assert reply.status == 302
        answered += 1
    stored = cluster.scalar("SELECT count(*) FROM clicks WHERE link_id = :l", l=link_id)
    assert stored - before == answered == 120
