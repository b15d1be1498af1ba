"""PostgreSQL restarted in the middle of a load run against gunicorn.

Affected requests must get 503 with Retry-After (never a 500, never a hang: every client request
has a timeout), the service must recover without being restarted, and every write acknowledged
with 2xx must be in the database afterwards.

The fault is a real ``pg_ctlcluster ... restart`` of the local cluster (CI owns its server). Where
that is not possible (no local cluster, not root), or with ``HERALD_FAULTS_NO_RESTART=1`` on a
shared development server, the outage is simulated for this test's database only: it stops
accepting connections and every open connection is terminated, then it is reopened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from tests.production.conftest import Server, json_lines
from training.benchmarks.http_client import Reply

pytestmark = pytest.mark.faults

CLIENTS = 6
BEFORE_S = 2.0
AFTER_S = 6.0


@dataclass
class Outcome:
    statuses: Counter[int] = field(default_factory=Counter)
    acked_emails: list[str] = field(default_factory=list)
    acked_shares: list[int] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, resp: Reply, what: str) -> None:
        with self.lock:
            self.statuses[resp.status] += 1
            if resp.status >= 500 and resp.status != 503:
                self.bad.append(f"{resp.status} {what}: {resp.text[:300]}")
            if resp.status == 503:
                body = resp.json()
                if "retry-after" not in resp.headers or body["error"]["code"] != (
                    "service_unavailable"
                ):
                    self.bad.append(f"503 without Retry-After or error shape: {resp.text[:300]}")


def _local_cluster() -> tuple[str, str] | None:
    """(version, name) of the local cluster serving port 5432, if we may restart it."""
    if os.environ.get("HERALD_FAULTS_NO_RESTART") or shutil.which("pg_lsclusters") is None:
        return None
    if os.geteuid() != 0:
        return None
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[2] == "5432" and parts[3] == "online":
            return parts[0], parts[1]
    return None


def _restart_postgres(database_url: str) -> str:
    cluster = _local_cluster()
    if cluster is not None:
        subprocess.run(
            [
                "pg_ctlcluster",
                "--skip-systemctl-redirect",
                "-m",
                "fast",
                cluster[0],
                cluster[1],
                "restart",
            ],
            check=True,
            timeout=60,
        )
        return "restart"
    # Simulated outage for this database only.
    url = sa.engine.make_url(database_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS false'))
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": url.database},
        )
        time.sleep(1.5)
        conn.execute(sa.text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS true'))
    admin.dispose()
    return "simulated"


def _worker(
    server: Server, token: str, article_id: int | None, out: Outcome, stop: threading.Event
) -> None:
    with server.client(token, timeout=10.0) as client, server.admin() as admin:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                if article_id is not None and i % 2 == 0:
                    resp = client.post(
                        "/api/v1/shares",
                        {"article_id": article_id, "network": "linkedin", "caption": f"n{i}"},
                    )
                    out.record(resp, "POST /shares")
                    if resp.status == 201:
                        with out.lock:
                            out.acked_shares.append(resp.json()["share_id"])
                elif i % 3 == 0:
                    resp = client.patch("/api/v1/me", {"role_text": f"role {i}"})
                    out.record(resp, "PATCH /me")
                else:
                    email = f"load-{uuid.uuid4().hex}@example.com"
                    resp = admin.post(
                        "/api/v1/employees",
                        {"email": email, "name": "Load Test", "department": "Sales"},
                    )
                    out.record(resp, "POST /employees")
                    if resp.status == 201:
                        with out.lock:
                            out.acked_emails.append(email)
            except TimeoutError as exc:
                with out.lock:
                    out.bad.append(f"client timeout (a hang): {exc!r}")
            except OSError as exc:
                with out.lock:
                    out.bad.append(f"transport error: {exc!r}")


def _employee_token(server: Server) -> str:
    with server.admin() as admin:
        resp = admin.post(
            "/api/v1/employees",
            {"email": f"restart-{uuid.uuid4().hex[:8]}@example.com", "name": "Restart"},
        )
        assert resp.status == 201, resp.text
        code = admin.post(f"/api/v1/employees/{resp.json()['id']}/pairing-code").json()["code"]
    resp = server.client().post("/api/v1/auth/pair", {"code": code})
    assert resp.status == 200, resp.text
    return str(resp.json()["token"])


def _approved_article(server: Server) -> int | None:
    with server.admin() as admin:
        resp = admin.post(
            "/api/v1/articles",
            {
                "canonical_url": f"https://example.com/news/{uuid.uuid4().hex}",
                "title": "Restart test article",
                "status": "approved",
            },
        )
    return int(resp.json()["id"]) if resp.status == 201 else None


def _wait_until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_postgres_restart_under_load(server: Server) -> None:
    token = _employee_token(server)
    article_id = _approved_article(server)
    out = Outcome()
    stop = threading.Event()
    threads = [
        threading.Thread(target=_worker, args=(server, token, article_id, out, stop), daemon=True)
        for _ in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    time.sleep(BEFORE_S)
    how = _restart_postgres(server.database_url)
    time.sleep(AFTER_S)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a client thread hung"

    problems = [e for e in json_lines(server.logs()) if e.get("level") in {"ERROR", "CRITICAL"}]
    assert out.bad == [], (
        "\n".join(out.bad[:5])
        + "\nserver errors:\n"
        + "\n".join(str(p)[:3000] for p in problems[:3])
    )
    assert out.statuses[201] + out.statuses[200] > 0, out.statuses

    # Recovered without restarting gunicorn: a fresh write and readiness succeed.
    def healthy() -> bool:
        try:
            with server.admin() as admin:
                return admin.get("/api/v1/employees?limit=1").status == 200
        except OSError:
            return False

    assert _wait_until(healthy, 15), "service did not recover after the database came back"
    assert server.proc.poll() is None

    # Every acknowledged write is in the database.
    engine = server.engine()
    with engine.connect() as conn:
        stored = set(
            conn.execute(
                sa.text("SELECT email FROM employees WHERE email LIKE 'load-%@example.com'")
            ).scalars()
        )
        missing = [e for e in out.acked_emails if e not in stored]
        share_ids = set(conn.execute(sa.text("SELECT id FROM shares")).scalars())
        missing_shares = [s for s in out.acked_shares if s not in share_ids]
    engine.dispose()
    assert missing == [], f"{len(missing)} acknowledged employees lost"
    assert missing_shares == [], f"{len(missing_shares)} acknowledged shares lost"
    print(
        f"\nfault={how} statuses={dict(out.statuses)} acked={len(out.acked_emails)}"
        f"+{len(out.acked_shares)} shares"
    )
    # No unhandled error was logged by any worker.
    assert "unhandled error" not in server.logs()
