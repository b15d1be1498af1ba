"""GDPR: export, erasure (personal data gone, aggregates kept), retention, works-council mode."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from backend.extensions import db
from backend.models import (
    AuditLog,
    Click,
    ClickDailyAggregate,
    Employee,
    IdempotencyRecord,
    Share,
    TrackedLink,
    utcnow,
)
from backend.services import privacy, works_council


def _article(client: FlaskClient, headers: dict[str, str], n: int = 0) -> int:
    resp = client.post(
        "/api/v1/articles",
        json={
            "canonical_url": f"https://example.com/privacy/{n}",
            "title": f"Privacy article {n}",
            "status": "approved",
        },
        headers=headers,
    )
    assert resp.status_code == 201, resp.get_json()
    return int(resp.get_json()["id"])


@pytest.fixture
def sharer(
    client: FlaskClient,
    make_employee: Callable[..., Employee],
    headers_for: Callable[..., dict[str, str]],
    content_headers: dict[str, str],
) -> dict[str, Any]:
    """An employee with a share, a tracked link and two clicks on it."""
    person = make_employee(
        email="erase.me@example.com", name="Erase Me", role_text="Solution architect for utilities"
    )
    headers = headers_for(employee=person)
    article_id = _article(client, content_headers)
    resp = client.post(
        "/api/v1/shares",
        json={"article_id": article_id, "network": "linkedin", "caption": "My own words here"},
        headers=headers,
    )
    assert resp.status_code == 201, resp.get_json()
    code = resp.get_json()["code"]
    for ua in ("Mozilla/5.0 (Windows NT 10.0)", "Mozilla/5.0 (iPhone)"):
        assert client.get(f"/r/{code}", headers={"User-Agent": ua}).status_code == 302
    client.patch("/api/v1/me", json={"interests": ["energy", "grid"]}, headers=headers)
    return {"employee": person, "headers": headers, "article_id": article_id, "code": code}


def test_export_has_all_my_data_and_no_secret_hashes(
    client: FlaskClient, sharer: dict[str, Any]
) -> None:
    resp = client.get("/api/v1/me/export", headers=sharer["headers"])
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["format"] == "herald-export/1"
    assert data["employee"]["email"] == "erase.me@example.com"
    assert data["employee"]["interests"] == ["energy", "grid"]
    assert "password_hash" not in data["employee"]
    assert [s["caption"] for s in data["tables"]["shares"]] == ["My own words here"]
    assert len(data["tables"]["tracked_links"]) == 1
    assert len(data["tables"]["api_tokens"]) == 1
    assert "token_hash" not in data["tables"]["api_tokens"][0]
    assert sum(row["clicks"] for row in data["clicks_on_my_links_per_day"]) == 2
    text = json.dumps(data)
    assert "visitor_hash" not in text
    action = db.session.scalar(
        sa.select(AuditLog.action).where(AuditLog.action == "privacy.export")
    )
    assert action == "privacy.export"


def test_export_needs_a_token(client: FlaskClient) -> None:
    assert client.get("/api/v1/me/export").status_code == 401


def test_erasure_request_then_admin_erases(
    client: FlaskClient, sharer: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    person: Employee = sharer["employee"]
    none_yet = client.get("/api/v1/me/erasure", headers=sharer["headers"])
    assert none_yet.status_code == 200
    assert none_yet.get_json() == {"requested": False, "requested_at": None}
    first = client.post("/api/v1/me/erasure", headers=sharer["headers"])
    assert first.status_code == 202
    mine = client.get("/api/v1/me/erasure", headers=sharer["headers"]).get_json()
    assert mine == {"requested": True, "requested_at": first.get_json()["requested_at"]}
    again = client.post("/api/v1/me/erasure", headers=sharer["headers"])
    assert again.get_json()["requested_at"] == first.get_json()["requested_at"]
    pending = client.get("/api/v1/privacy/erasure-requests", headers=admin_headers).get_json()
    assert [r["employee_id"] for r in pending["items"]] == [person.id]

    done = client.post(f"/api/v1/employees/{person.id}/erase", headers=admin_headers)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "erased"

    db.session.expire_all()
    erased = db.session.get(Employee, person.id)
    assert erased is not None
    assert erased.name == privacy.ERASED_NAME
    assert erased.email == f"erased-{person.id}@erased.invalid"
    assert erased.role_text == "" and erased.interests == [] and not erased.is_active
    # Aggregates survive: the share, its link and clicks still count, without the caption.
    share = db.session.scalars(sa.select(Share)).one()
    assert share.employee_id == person.id and share.caption == ""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Click)) == 2
    # The person's token no longer works.
    assert client.get("/api/v1/me", headers=sharer["headers"]).status_code == 401
    # Nothing left that names the person, anywhere in the database.
    assert _db_contains("erase.me@example.com") == []
    assert _db_contains("Erase Me") == []
    assert _db_contains("Solution architect") == []
    assert _db_contains("My own words here") == []
    # The erasure is audited, the request no longer pending, and a second erasure is refused.
    assert db.session.scalar(
        sa.select(AuditLog.actor_id).where(AuditLog.action == privacy.ERASE_ACTION)
    )
    pending = client.get("/api/v1/privacy/erasure-requests", headers=admin_headers).get_json()
    assert pending["items"] == []
    again = client.post(f"/api/v1/employees/{person.id}/erase", headers=admin_headers)
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == f"employee {person.id} has already been erased"


def test_erase_roles_and_unknown(
    client: FlaskClient, employee_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    assert client.post("/api/v1/employees/1/erase").status_code == 401
    assert client.post("/api/v1/employees/1/erase", headers=employee_headers).status_code == 403
    resp = client.post("/api/v1/employees/999999/erase", headers=admin_headers)
    assert resp.status_code == 404
    assert resp.get_json()["error"]["message"] == "employee 999999 not found"


def _db_contains(needle: str) -> list[str]:
    """Tables (and columns) whose text contains ``needle``: a grep over the whole database."""
    hits = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).mappings():
            for key, value in row.items():
                if value is not None and needle.lower() in str(value).lower():
                    hits.append(f"{table.name}.{key}")
    return hits


# --- retention -------------------------------------------------------------------------------


def test_retention_aggregates_old_clicks_and_deletes_them(
    runner: FlaskCliRunner, sharer: dict[str, Any]
) -> None:
    link = db.session.scalars(sa.select(TrackedLink)).one()
    old = utcnow() - dt.timedelta(days=500)
    for i, (bot, visitor) in enumerate([(False, "a"), (False, "a"), (False, "b"), (True, "")]):
        db.session.add(
            Click(
                link_id=link.id,
                created_at=old + dt.timedelta(minutes=i),
                is_bot=bot,
                visitor_hash=visitor,
            )
        )
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Click)) == 6

    dry = runner.invoke(args=["retention", "--dry-run"])
    assert dry.exit_code == 0 and "would aggregate 4 clicks" in dry.output
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "aggregated and deleted 4 clicks" in result.output

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Click)) == 2  # recent kept
    agg = db.session.scalars(sa.select(ClickDailyAggregate)).one()
    assert (agg.day, agg.link_id) == (old.date(), link.id)
    assert (agg.clicks, agg.bot_clicks, agg.unique_visitors) == (4, 1, 2)
    # Running again changes nothing.
    assert "aggregated and deleted 0 clicks" in runner.invoke(args=["retention"]).output


def test_retention_drops_old_idempotency_keys_only(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    sharer: dict[str, Any],
    content_headers: dict[str, str],
) -> None:
    def share(key: str, article_id: int) -> dict[str, Any]:
        resp = client.post(
            "/api/v1/shares",
            json={"article_id": article_id, "network": "linkedin"},
            headers={**sharer["headers"], "Idempotency-Key": key},
        )
        assert resp.status_code in (200, 201), resp.get_json()
        return resp.get_json()  # type: ignore[no-any-return]

    old_share = share("retry-old", _article(client, content_headers, 1))
    recent_share = share("retry-recent", _article(client, content_headers, 2))
    old = db.session.scalars(
        sa.select(IdempotencyRecord).where(IdempotencyRecord.key == "retry-old")
    ).one()
    old.created_at = utcnow() - dt.timedelta(days=app.config["IDEMPOTENCY_KEY_DAYS"], hours=1)
    db.session.commit()

    dry = runner.invoke(args=["retention", "--dry-run"])
    assert "would delete 1 Idempotency-Key records" in dry.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 2
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 Idempotency-Key records" in result.output
    db.session.expire_all()
    keys = db.session.scalars(sa.select(IdempotencyRecord.key)).all()
    assert keys == ["retry-recent"]
    # The recent key still replays the same share; the shares themselves are untouched.
    assert (
        share("retry-recent", recent_share["article_id"])["share_id"] == (recent_share["share_id"])
    )
    assert db.session.get(Share, old_share["share_id"]) is not None


def test_retention_period_is_configurable(app: Flask) -> None:
    now = dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)
    assert privacy.months_before(now, 13) == dt.datetime(2025, 2, 28, 12, tzinfo=dt.UTC)
    assert privacy.months_before(now, 1) == dt.datetime(2026, 2, 28, 12, tzinfo=dt.UTC)
    assert app.config["CLICK_RETENTION_MONTHS"] == 13


# --- works council ---------------------------------------------------------------------------


def test_works_council_setting_and_group_size(
    client: FlaskClient, admin_headers: dict[str, str], employee_headers: dict[str, str]
) -> None:
    assert client.get("/api/v1/privacy/works-council", headers=admin_headers).get_json() == {
        "enabled": False,
        "min_group_size": 5,
    }
    rows = [{"team": "A", "members": 7, "clicks": 3}, {"team": "B", "members": 2, "clicks": 9}]
    assert works_council.enforce_group_size(rows, "members") == rows  # off: unchanged

    bad = client.put(
        "/api/v1/privacy/works-council",
        json={"enabled": True, "min_group_size": 1},
        headers=admin_headers,
    )
    assert bad.status_code == 422
    assert (
        client.put(
            "/api/v1/privacy/works-council", json={"enabled": True}, headers=employee_headers
        ).status_code
        == 403
    )
    resp = client.put(
        "/api/v1/privacy/works-council",
        json={"enabled": True, "min_group_size": 5},
        headers=admin_headers,
    )
    assert resp.status_code == 200
    assert works_council.works_council().enabled
    assert works_council.enforce_group_size(rows, "members") == [rows[0]]
    assert not works_council.grouping_allowed("employee")
    assert works_council.grouping_allowed("team")


def test_works_council_mode_in_analytics(
    client: FlaskClient,
    make_employee: Callable[..., Employee],
    admin_headers: dict[str, str],
    content_headers: dict[str, str],
) -> None:
    for i in range(5):
        make_employee(team="Big", department="Sales", email=f"big{i}@example.com")
    for i in range(2):
        make_employee(team="Tiny", department="Legal", email=f"tiny{i}@example.com")

    def get(path: str) -> Any:
        return client.get(path, headers=content_headers)

    assert get("/api/v1/analytics/shares?by=employee").status_code == 200  # mode off
    client.put(
        "/api/v1/privacy/works-council",
        json={"enabled": True, "min_group_size": 5},
        headers=admin_headers,
    )
    for path in (
        "/api/v1/analytics/shares?by=employee",
        "/api/v1/analytics/traffic?by=employee",
        "/api/v1/analytics/ambassadors",
        "/api/v1/analytics/shares?by=day&team=Tiny",
        "/api/v1/analytics/overview?department=Legal",
    ):
        resp = get(path)
        assert resp.status_code == 403, (path, resp.status_code)
        assert resp.get_json()["error"]["message"].startswith("works-council mode:"), path
    resp = get("/api/v1/analytics/shares?by=team")
    assert resp.status_code == 200, resp.get_json()
    assert "Tiny" not in [row["key"] for row in resp.get_json()["rows"]]
    assert get("/api/v1/analytics/shares?by=day&team=Big").status_code == 200
    teams = get("/api/v1/analytics/participation").get_json()["teams"]
    assert "Tiny" not in [t["team"] for t in teams]
