"""Production-like fixtures: gunicorn as a subprocess on a free port, on its own PostgreSQL DB.

The database is ``<DATABASE_URL's database>_prod`` (created fresh once per session, migrated with
``flask --app wsgi db-upgrade``, the demo company loaded with ``seed-demo`` when that command
exists). Without a PostgreSQL ``DATABASE_URL`` the tests that need the server are skipped; the
in-process ones (``app``/``client`` from tests/conftest.py) run on either database.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from training.benchmarks.http_client import HttpClient

ROOT = Path(__file__).resolve().parents[2]


def _pg_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flask_cli(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


@pytest.fixture(scope="session")
def prod_database_url() -> Iterator[str]:
    base = _pg_url()
    if base is None:
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgresql+psycopg://...)")
    url = sa.engine.make_url(base)
    name = f"{url.database}_prod"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield url.set(database=name).render_as_string(hide_password=False)


@dataclass
class Server:
    """A running gunicorn serving Herald, with an admin token and its captured logs."""

    base_url: str
    database_url: str
    env: dict[str, str]
    log_path: Path
    admin_token: str
    proc: subprocess.Popen[bytes]
    artifacts_dir: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def client(self, token: str | None = None, timeout: float = 10.0) -> HttpClient:
        return HttpClient(self.base_url, token, timeout=timeout)

    def admin(self) -> HttpClient:
        return self.client(self.admin_token)

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True
        )
        return [int(p) for p in out.stdout.split()]

    def engine(self) -> sa.Engine:
        return sa.create_engine(self.database_url)


def server_env(database_url: str, tmp: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "PROMETHEUS_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "HERALD_ENV": "production",
            "HERALD_SECRET_KEY": secrets.token_urlsafe(48),
            "HERALD_ARTIFACTS_DIR": str(tmp / "artifacts"),
            "HERALD_ENCODER": "hashing",
            "HERALD_BIND": f"127.0.0.1:{port}",
            "HERALD_WORKERS": "3",
            "HERALD_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "HERALD_RATELIMIT_DEFAULT": "100000 per minute",
            "HERALD_LOG_LEVEL": "INFO",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
            # The server's own queue file (tests that need a worker start one on it), never the
            # checkout's instance/tasks.db.
            "HERALD_TASK_QUEUE_URL": f"sqlite:///{tmp / 'tasks.db'}",
        }
    )
    env.update(extra)
    return env


def start_server(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "backend/gunicorn_conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = "http://" + env["HERALD_BIND"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if HttpClient(base, timeout=1).get("/healthz").status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError(f"gunicorn did not answer in 60 s:\n{log_path.read_text()}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def prod_setup(prod_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Migrate the database through the real CLI, load the demo company, create an admin."""
    tmp = tmp_path_factory.mktemp("prod")
    env = server_env(prod_database_url, tmp, 0)
    flask_cli(env, "db-upgrade")
    commands = flask_cli(env, "--help").stdout
    seeded = False
    if "seed-demo" in commands:
        seeded = flask_cli(env, "seed-demo", check=False).returncode == 0
    token = flask_cli(env, "create-admin", "ops-admin@example.com").stdout.strip().splitlines()[-1]
    return {"tmp": tmp, "admin_token": token, "seeded": seeded}


@pytest.fixture(scope="module")
def server(prod_database_url: str, prod_setup: dict[str, Any]) -> Iterator[Server]:
    tmp: Path = prod_setup["tmp"]
    port = free_port()
    env = server_env(prod_database_url, tmp, port)
    log_path = tmp / f"gunicorn-{port}.log"
    proc = start_server(env, log_path)
    srv = Server(
        base_url=f"http://127.0.0.1:{port}",
        database_url=prod_database_url,
        env=env,
        log_path=log_path,
        admin_token=prod_setup["admin_token"],
        proc=proc,
        artifacts_dir=tmp / "artifacts",
        extra={"seeded": prod_setup["seeded"]},
    )
    try:
        yield srv
    finally:
        stop_server(proc)


def json_lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: injects real faults (database restart, killed processes, full disk)"
    )
