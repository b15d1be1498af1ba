from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import AuditLog
from tests.services.analytics.conftest import NOW, Factory, days_ago

START = days_ago(30).isoformat()
END = NOW.isoformat()


def _create(client: Any, headers: dict[str, str], **kw: Any) -> Any:
    body = {"slug": "spring-launch", "name": "Spring launch", **kw}
    return client.post("/api/v1/campaigns", json=body, headers=headers)


def test_campaign_crud(client: Any, content_headers: dict[str, str], employee_headers: Any) -> None:
    resp = _create(client, content_headers, starts_at=START, ends_at=END, priority=5)
    assert resp.status_code == 201, resp.json
    cid = resp.json["id"]
    assert resp.json["goals"] == []
    assert client.get("/api/v1/campaigns", headers=employee_headers).json[0]["id"] == cid
    assert client.get(f"/api/v1/campaigns/{cid}", headers=employee_headers).status_code == 200
    resp = client.patch(
        f"/api/v1/campaigns/{cid}", json={"status": "paused"}, headers=content_headers
    )
    assert resp.json["status"] == "paused"
    assert client.get("/api/v1/campaigns?status=active", headers=content_headers).json == []
    assert client.delete(f"/api/v1/campaigns/{cid}", headers=content_headers).status_code == 204
    assert client.get(f"/api/v1/campaigns/{cid}", headers=content_headers).status_code == 404
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"campaign.create", "campaign.update", "campaign.delete"} <= actions


def test_campaign_errors(
    client: Any, content_headers: dict[str, str], employee_headers: dict[str, str], f: Factory
) -> None:
    assert _create(client, employee_headers).status_code == 403
    assert _create(client, content_headers).status_code == 201
    dup = _create(client, content_headers)
    assert dup.status_code == 409 and dup.json["error"]["code"] == "conflict"
    bad = _create(client, content_headers, slug="Not A Slug")
    assert bad.status_code == 422
    backwards = _create(client, content_headers, slug="x", starts_at=END, ends_at=START)
    assert backwards.status_code == 422
    assert (
        client.patch(
            "/api/v1/campaigns/999", json={"name": "x"}, headers=content_headers
        ).status_code
        == 404
    )
    camp = f.campaign()
    f.article(campaign_id=camp.id)
    in_use = client.delete(f"/api/v1/campaigns/{camp.id}", headers=content_headers)
    assert in_use.status_code == 409
    assert "ended" in in_use.json["error"]["message"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"metric": "likes", "target": 1}, "metric"),
        ({"metric": "shares", "target": 0}, "target"),
        ({"metric": "participation", "target": 130}, ""),
        ({"metric": "shares", "target": 5, "extra": 1}, "extra"),
        ({"metric": "shares", "target": 5, "parent_id": 99999}, "parent_id"),
        ({"metric": "shares", "target": 5, "period_start": "2025-01-01T00:00:00"}, ""),
    ],
)
def test_goal_validation(
    client: Any, content_headers: dict[str, str], f: Factory, payload: dict[str, Any], field: str
) -> None:
    camp = f.campaign()
    resp = client.post(f"/api/v1/campaigns/{camp.id}/goals", json=payload, headers=content_headers)
    assert resp.status_code == 422, resp.json
    if field:
        assert field in [d["field"] for d in resp.json["error"]["details"]]


def test_goals_progress_from_data(
    client: Any, content_headers: dict[str, str], employee_headers: dict[str, str], f: Factory
) -> None:
    camp = f.campaign(starts_at=days_ago(30), ends_at=NOW)
    other = f.article(title="not in campaign")
    art = f.article(campaign_id=camp.id)
    ann = f.employee(team="Nordics", network_size=100)
    bob = f.employee(team="DACH", network_size=300)
    f.employee(team="DACH")
    s1 = f.share(ann, art, days_ago(3))
    s2 = f.share(bob, art, days_ago(2))
    f.share(bob, other, days_ago(2))
    f.share(ann, art, days_ago(60))  # before the campaign
    f.engagement(s1, days_ago(1), reactions=7)
    f.clicks(s2, days_ago(1), n=4)
    f.clicks(s2, days_ago(1), n=3, bot=True)
    f.conversion(s1, "lead")
    f.conversion(s2, "sale", 10.0)
    f.conversion(s2, "signup")
    url = f"/api/v1/campaigns/{camp.id}/goals"
    top = client.post(
        url, json={"metric": "shares", "target": 4, "label": "Shares"}, headers=content_headers
    ).json
    for metric, target in [
        ("participation", 50),
        ("leads", 1),
        ("signups", 1),
        ("sales", 2),
        ("clicks", 8),
        ("reach", 400),
        ("reactions", 7),
    ]:
        assert (
            client.post(
                url, json={"metric": metric, "target": target}, headers=content_headers
            ).status_code
            == 201
        )
    sub = client.post(
        url,
        json={"metric": "shares", "target": 1, "team": "DACH", "parent_id": top["id"]},
        headers=content_headers,
    )
    assert sub.status_code == 201, sub.json
    resp = client.get(f"/api/v1/campaigns/{camp.id}/progress", headers=employee_headers)
    assert resp.status_code == 200, resp.json
    goals = {g["metric"]: g for g in resp.json["goals"]}
    assert goals["shares"]["actual"] == 2 and goals["shares"]["percent"] == 50.0
    assert goals["shares"]["achieved"] is False
    assert goals["shares"]["sub_goals"][0]["team"] == "DACH"
    assert goals["shares"]["sub_goals"][0]["actual"] == 1
    assert goals["shares"]["sub_goals"][0]["achieved"] is True
    # 2 of the 3 employees active then shared (the token holder was created today)
    assert goals["participation"]["actual"] == 66.7
    assert goals["leads"]["actual"] == 2  # a lead and a signup
    assert goals["signups"]["actual"] == 1 and goals["signups"]["achieved"] is True
    assert goals["sales"]["actual"] == 1
    assert goals["clicks"]["actual"] == 4
    assert goals["reach"]["actual"] == 400
    assert goals["reactions"]["actual"] == 7 and goals["reactions"]["achieved"] is True


def test_goal_update_and_delete_with_sub_goals(
    client: Any, content_headers: dict[str, str], f: Factory
) -> None:
    camp = f.campaign()
    url = f"/api/v1/campaigns/{camp.id}/goals"
    top = client.post(url, json={"metric": "leads", "target": 5}, headers=content_headers).json
    sub = client.post(
        url, json={"metric": "leads", "target": 2, "parent_id": top["id"]}, headers=content_headers
    ).json
    client.post(
        url, json={"metric": "leads", "target": 1, "parent_id": sub["id"]}, headers=content_headers
    )
    resp = client.patch(
        f"{url}/{top['id']}", json={"target": 10, "team": "Nordics"}, headers=content_headers
    )
    assert resp.status_code == 200 and resp.json["target"] == 10
    assert (
        client.patch(f"{url}/999", json={"target": 1}, headers=content_headers).status_code == 404
    )
    assert client.delete(f"{url}/{top['id']}", headers=content_headers).status_code == 204
    assert client.get(f"/api/v1/campaigns/{camp.id}", headers=content_headers).json["goals"] == []
    # a campaign with goals (and sub-goals) deletes cleanly
    top = client.post(url, json={"metric": "leads", "target": 5}, headers=content_headers).json
    client.post(
        url, json={"metric": "leads", "target": 2, "parent_id": top["id"]}, headers=content_headers
    )
    assert client.delete(f"/api/v1/campaigns/{camp.id}", headers=content_headers).status_code == 204


def test_progress_unknown_campaign(client: Any, employee_headers: dict[str, str]) -> None:
    resp = client.get("/api/v1/campaigns/4242/progress", headers=employee_headers)
    assert resp.status_code == 404
    assert resp.json["error"]["message"] == "campaign 4242 not found"
