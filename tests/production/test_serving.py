"""Herald under gunicorn on PostgreSQL: JSON logs with request ids, /metrics over all workers, and
raw LinkedIn text never reaching the database or the logs after an end-to-end run."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.production.conftest import Server, json_lines


def _pair(server: Server, email: str) -> str:
    with server.admin() as admin:
        made = admin.post("/api/v1/employees", {"email": email, "name": "Ops Person"})
        assert made.status == 201, made.text
        code = admin.post(f"/api/v1/employees/{made.json()['id']}/pairing-code").json()["code"]
    paired = server.client().post("/api/v1/auth/pair", {"code": code})
    assert paired.status == 200, paired.text
    return str(paired.json()["token"])


def _approved_article(server: Server) -> int:
    with server.admin() as admin:
        resp = admin.post(
            "/api/v1/articles",
            {
                "canonical_url": f"https://example.com/e2e/{uuid.uuid4().hex}",
                "title": "Grid flexibility in 2030",
                "summary": "How utilities plan for flexible demand.",
                "status": "approved",
            },
        )
    assert resp.status == 201, resp.text
    return int(resp.json()["id"])


def _database_text(server: Server) -> str:
    """The whole database as text: pg_dump where installed, else every row of every table."""
    url = sa.engine.make_url(server.database_url)
    if shutil.which("pg_dump"):
        done = subprocess.run(
            [
                "pg_dump",
                "--data-only",
                "-h",
                url.host or "127.0.0.1",
                "-p",
                str(url.port or 5432),
                "-U",
                url.username or "postgres",
                url.database or "",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode == 0:
            return done.stdout
    engine = server.engine()
    meta = sa.MetaData()
    meta.reflect(engine)
    parts = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            parts.extend(repr(tuple(row)) for row in conn.execute(sa.select(table)))
    engine.dispose()
    return "\n".join(parts)


def test_linkedin_text_never_reaches_database_or_logs(server: Server) -> None:
    marker = f"LinkedInMarker{uuid.uuid4().hex}"
    token = _pair(server, f"marker-{uuid.uuid4().hex[:8]}@example.com")
    _approved_article(server)
    with server.client(token) as api:
        # A new article is embedded in the background within seconds; ask until it is suggested.
        context = {
            "page_type": "post",
            "url": "https://www.linkedin.com/feed/update/urn:li:activity:1/",
            "text": f"Great post about grid flexibility {marker} and demand response",
        }
        deadline = time.monotonic() + 30
        while True:
            suggested = api.post("/api/v1/suggestions", {"context": context})
            assert suggested.status == 200, suggested.text
            if suggested.json()["items"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        request_id = suggested.json()["request_id"]
        items = suggested.json()["items"]
        assert items, suggested.text
        article_id = items[0]["article_id"]
        event = api.post(
            "/api/v1/events",
            {"article_id": article_id, "type": "opened", "request_id": request_id},
        )
        assert event.status == 201, event.text
        share = api.post(
            "/api/v1/shares",
            {"article_id": article_id, "network": "linkedin", "request_id": request_id},
        )
        assert share.status == 201, share.text
        code = share.json()["code"]
    clicked = server.client().get(f"/r/{code}", headers={"User-Agent": "Mozilla/5.0 (X11)"})
    assert clicked.status == 302
    time.sleep(0.5)  # let the workers flush their log lines

    assert marker not in _database_text(server)
    logs = server.logs()
    assert logs.strip(), "expected captured server logs"
    assert marker not in logs
    assert token not in logs


def test_logs_are_json_with_the_request_id(server: Server) -> None:
    rid = f"ops-{uuid.uuid4().hex[:12]}"
    with server.admin() as admin:
        resp = admin.get("/api/v1/me", headers={"X-Request-ID": rid})
    assert resp.status == 200
    assert resp.headers["x-request-id"] == rid
    time.sleep(0.3)
    entries = [e for e in json_lines(server.logs()) if e.get("request_id") == rid]
    assert entries, "no JSON log line carries the request id"
    line = entries[-1]
    assert line["message"] == "request" and line["path"] == "/api/v1/me" and line["status"] == 200
    assert {"ts", "level", "logger", "ms", "pid"} <= set(line)
    assert server.admin_token not in server.logs()


def test_metrics_aggregate_every_worker(server: Server) -> None:
    with server.admin() as admin:
        for _ in range(30):
            assert admin.get("/api/v1/me").status == 200
    text = server.client().get("/metrics").text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("herald_http_requests_total{") and 'route="/api/v1/me"' in line:
            if 'method="GET"' in line and 'status="200"' in line:
                total += float(line.rsplit(" ", 1)[1])
    assert total >= 30, text[:2000]
    assert "herald_http_request_duration_seconds_bucket" in text
    assert "herald_database_up 1.0" in text
    assert "herald_model_version_info{" in text
    assert "herald_webhook_deliveries_pending" in text


# --- in process: /metrics protection ---------------------------------------------------------


def test_metrics_only_for_allowed_addresses_or_the_token(app: Flask, client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    resp = client.get("/metrics", environ_base=outside)
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"
    app.config["METRICS_TOKEN"] = "m" * 40
    assert client.get("/metrics", environ_base=outside).status_code == 404
    wrong = {"Authorization": "Bearer " + "x" * 40}
    assert client.get("/metrics", headers=wrong, environ_base=outside).status_code == 404
    right = {"Authorization": "Bearer " + "m" * 40}
    resp = client.get("/metrics", headers=right, environ_base=outside)
    assert resp.status_code == 200
    assert resp.mimetype == "text/plain"
    assert "herald_http_requests_total" in resp.get_data(as_text=True)


@pytest.mark.parametrize("route", ["/healthz", "/api/v1/openapi.json"])
def test_requests_are_counted_per_route_template(client: FlaskClient, route: str) -> None:
    client.get(route)
    text = client.get("/metrics").get_data(as_text=True)
    assert f'route="{route}"' in text


def test_behind_a_proxy_the_client_address_counts(make_app: Callable[..., Flask]) -> None:
    app = make_app(PROXY_COUNT=1)
    seen: list[str | None] = []

    @app.get("/_addr")
    def _addr() -> str:
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    app.test_client().get(
        "/_addr",
        headers={"X-Forwarded-For": "198.51.100.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert seen == ["198.51.100.7"]
