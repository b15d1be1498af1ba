from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Employee, GuidelineAck, utcnow
from backend.services import program
from tests.services.analytics.conftest import Factory


def just_now() -> dt.datetime:
    return utcnow() - dt.timedelta(seconds=30)


@pytest.fixture
def team(f: Factory, headers_for: Any) -> dict[str, Any]:
    """Ann (2 shares, 3 unique clicks, 4 reactions, a lead), Bob (1 share), Cat opted out (3
    shares), Dee in the other team with nothing."""
    art = f.article(title="Cloud guide", tags=["cloud"])
    art2 = f.article(title="Hiring")
    ann = f.employee(name="Ann", team="Nordics", network_size=100)
    bob = f.employee(name="Bob", team="Nordics", network_size=50)
    cat = f.employee(name="Cat", team="DACH", leaderboard_opt_out=True)
    dee = f.employee(name="Dee", team="DACH")
    s1 = f.share(ann, art, just_now())
    f.share(ann, art2, just_now())
    f.engagement(s1, just_now(), reactions=4, comments=1)
    f.clicks(s1, just_now(), n=3)
    f.clicks(s1, just_now(), n=2, bot=True)
    f.conversion(s1, "lead", at=just_now())
    f.share(bob, art, just_now())
    for a in (art, art2):
        f.share(cat, a, just_now())
    f.share(cat, f.article(), just_now())
    return {
        "art": art, "ann": ann, "bob": bob, "cat": cat, "dee": dee,
        "ann_h": headers_for(employee=ann), "bob_h": headers_for(employee=bob),
        "cat_h": headers_for(employee=cat),
    }  # fmt: skip


# defaults: share 10, click 1, reaction 1, comment 2, lead 25
ANN_POINTS = 2 * 10 + 3 * 1 + 4 * 1 + 1 * 2 + 25


def test_me_stats(client: Any, team: dict[str, Any]) -> None:
    resp = client.get("/api/v1/me/stats?period=week", headers=team["ann_h"])
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert (body["shares"], body["clicks"], body["unique_clicks"]) == (2, 3, 3)
    assert (body["reactions"], body["comments"], body["leads"]) == (4, 1, 1)
    assert body["potential_reach"] == 200
    assert body["points"] == ANN_POINTS
    assert body["rank"] == 1
    assert body["streak_weeks"] == 1
    assert body["top_articles"][0]["title"] == "Cloud guide"
    assert body["guideline"] == {
        "current_version": None, "acknowledged": False, "acknowledged_at": None,
    }  # fmt: skip
    cat = client.get("/api/v1/me/stats", headers=team["cat_h"]).json
    assert cat["rank"] is None and cat["leaderboard_opt_out"] is True and cat["points"] == 30
    assert client.get("/api/v1/me/stats?period=decade", headers=team["ann_h"]).status_code == 422
    assert client.get("/api/v1/me/stats").status_code == 401


def test_stats_of_another_employee_is_403_for_employees(
    client: Any, team: dict[str, Any], content_headers: dict[str, str]
) -> None:
    ann, bob = team["ann"], team["bob"]
    for path in ("stats", "digest"):
        resp = client.get(f"/api/v1/employees/{bob.id}/{path}", headers=team["ann_h"])
        assert resp.status_code == 403, path
        assert resp.json["error"]["message"] == "employees may read only their own statistics"
        assert (
            client.get(f"/api/v1/employees/{ann.id}/{path}", headers=team["ann_h"]).status_code
            == 200
        )
        assert (
            client.get(f"/api/v1/employees/{bob.id}/{path}", headers=content_headers).status_code
            == 200
        )
        assert (
            client.get(f"/api/v1/employees/999999/{path}", headers=content_headers).status_code
            == 404
        )
    # an employee never sees another person's numbers through the leaderboard either
    board = client.get("/api/v1/leaderboard?period=week", headers=team["ann_h"]).json
    assert set(board["entries"][0]) == {
        "rank", "name", "team", "points", "is_me", "members", "points_per_member",
    }  # fmt: skip


def test_leaderboard_person_respects_opt_out(client: Any, team: dict[str, Any]) -> None:
    resp = client.get("/api/v1/leaderboard?period=week&by=person", headers=team["bob_h"])
    assert resp.status_code == 200, resp.json
    entries = resp.json["entries"]
    assert [(e["rank"], e["name"], e["points"]) for e in entries] == [
        (1, "Ann", ANN_POINTS), (2, "Bob", 10.0),
    ]  # fmt: skip
    assert [e["is_me"] for e in entries] == [False, True]


def test_leaderboard_team_counts_opted_out_people(client: Any, team: dict[str, Any]) -> None:
    body = client.get("/api/v1/leaderboard?period=month&by=team", headers=team["cat_h"]).json
    teams = {e["name"]: e for e in body["entries"]}
    assert teams["Nordics"]["points"] == ANN_POINTS + 10
    assert teams["DACH"]["points"] == 30.0  # Cat opted out of the person board only
    assert teams["DACH"]["members"] == 2 and teams["DACH"]["points_per_member"] == 15.0
    assert teams["DACH"]["is_me"] is True


def test_pseudonymous_mode(client: Any, team: dict[str, Any], admin_headers: Any) -> None:
    assert (
        client.put(
            "/api/v1/program/leaderboard-settings",
            json={"pseudonymous": True},
            headers=team["ann_h"],
        ).status_code
        == 403
    )
    resp = client.put(
        "/api/v1/program/leaderboard-settings", json={"pseudonymous": True}, headers=admin_headers
    )
    assert resp.status_code == 200
    body = client.get("/api/v1/leaderboard?period=quarter", headers=team["ann_h"]).json
    assert body["pseudonymous"] is True
    names = [e["name"] for e in body["entries"]]
    assert names[0] == program.pseudonym(team["ann"].public_ref)
    assert "Ann" not in names and "Bob" not in names
    assert all(e["team"] is None for e in body["entries"])
    assert program.pseudonym("abc") == program.pseudonym("abc") != program.pseudonym("abd")


def test_points_weights(client: Any, team: dict[str, Any], admin_headers: Any) -> None:
    assert client.get("/api/v1/program/points-weights", headers=team["ann_h"]).json["share"] == 10
    assert (
        client.put(
            "/api/v1/program/points-weights", json={"share": 1}, headers=team["ann_h"]
        ).status_code
        == 403
    )
    bad = client.put("/api/v1/program/points-weights", json={"share": -1}, headers=admin_headers)
    assert bad.status_code == 422
    ok = client.put(
        "/api/v1/program/points-weights", json={"share": 100, "lead": 0}, headers=admin_headers
    )
    assert ok.status_code == 200 and ok.json["click"] == 1
    body = client.get("/api/v1/me/stats?period=week", headers=team["ann_h"]).json
    assert body["points"] == 2 * 100 + 3 + 4 + 2


def test_streak_counts_consecutive_weeks(f: Factory, app: Any) -> None:
    emp = f.employee()
    art = f.article()
    now = dt.datetime(2025, 3, 12, 12, tzinfo=dt.UTC)  # Wednesday
    assert program.streak_weeks(emp.id, now) == 0
    for weeks_back in (1, 2, 3, 5):
        f.share(emp, art, now - dt.timedelta(weeks=weeks_back))
    assert program.streak_weeks(emp.id, now) == 3  # this week not yet: last week counts
    f.share(emp, art, now - dt.timedelta(hours=1))
    assert program.streak_weeks(emp.id, now) == 4


def test_guidelines_versions_language_and_ack(
    client: Any, content_headers: dict[str, str], make_employee: Any, headers_for: Any
) -> None:
    dane = make_employee(languages=["da", "en"])
    h = headers_for(employee=dane)
    assert client.get("/api/v1/guidelines/current", headers=h).status_code == 404
    v1 = {"translations": [
        {"language": "en", "title": "Guidelines", "body": "Be kind."},
        {"language": "da", "title": "Retningslinjer", "body": "Vær venlig."},
    ]}  # fmt: skip
    assert client.post("/api/v1/guidelines", json=v1, headers=h).status_code == 403
    resp = client.post("/api/v1/guidelines", json=v1, headers=content_headers)
    assert resp.status_code == 201 and {g["version"] for g in resp.json} == {1}
    cur = client.get("/api/v1/guidelines/current", headers=h).json
    assert (cur["language"], cur["title"], cur["acknowledged"]) == ("da", "Retningslinjer", False)
    assert cur["languages"] == ["da", "en"]
    en = client.get("/api/v1/guidelines/current?language=en", headers=h).json
    assert en["title"] == "Guidelines"
    ack = client.post(f"/api/v1/guidelines/{cur['id']}/ack", headers=h)
    assert ack.status_code == 201 and ack.json["version"] == 1
    again = client.post(f"/api/v1/guidelines/{en['id']}/ack", headers=h)
    assert again.status_code == 200
    assert db.session.scalar(select(func.count(GuidelineAck.id))) == 1
    stats = client.get("/api/v1/me/stats", headers=h).json
    assert stats["guideline"]["acknowledged"] is True
    assert stats["points"] == 5  # guideline_ack weight
    # a new version needs a new acknowledgement; acknowledging the old one is refused
    v2 = {"translations": [{"language": "en", "title": "Guidelines v2", "body": "Be kinder."}]}
    resp = client.post("/api/v1/guidelines", json=v2, headers=content_headers)
    assert resp.json[0]["version"] == 2
    cur = client.get("/api/v1/guidelines/current", headers=h).json
    assert (cur["version"], cur["language"], cur["acknowledged"]) == (2, "en", False)
    stale = client.post(f"/api/v1/guidelines/{en['id']}/ack", headers=h)
    assert stale.status_code == 409
    assert "replaced by version 2" in stale.json["error"]["message"]
    assert client.post("/api/v1/guidelines/99999/ack", headers=h).status_code == 404
    assert len(client.get("/api/v1/guidelines", headers=content_headers).json) == 3


@pytest.mark.parametrize(
    "payload",
    [
        {"translations": []},
        {"translations": [{"language": "xx", "title": "t", "body": "b"}]},
        {"translations": [{"language": "en", "title": "t", "body": ""}]},
        {"translations": [{"language": "en", "title": "t", "body": "b"}] * 2},
    ],
)
def test_guideline_validation(client: Any, content_headers: dict[str, str], payload: Any) -> None:
    assert (
        client.post("/api/v1/guidelines", json=payload, headers=content_headers).status_code == 422
    )


def test_training_cards(
    client: Any, content_headers: dict[str, str], employee_headers: dict[str, str]
) -> None:
    url = "/api/v1/training-cards"
    card = {"title": "Add a personal line", "body": "Say why it matters to you.", "position": 2}
    assert client.post(url, json=card, headers=employee_headers).status_code == 403
    first = client.post(url, json=card, headers=content_headers)
    assert first.status_code == 201, first.json
    client.post(url, json={"title": "Hej", "body": "Dansk kort", "language": "da", "position": 1},
                headers=content_headers)  # fmt: skip
    assert [c["title"] for c in client.get(url, headers=employee_headers).json] == [
        "Hej", "Add a personal line",
    ]  # fmt: skip
    assert len(client.get(f"{url}?language=da", headers=employee_headers).json) == 1
    cid = first.json["id"]
    resp = client.patch(f"{url}/{cid}", json={"position": 0}, headers=content_headers)
    assert resp.json["position"] == 0
    assert client.get(url, headers=employee_headers).json[0]["id"] == cid
    assert (
        client.post(url, json={"title": "", "body": "x"}, headers=content_headers).status_code
        == 422
    )
    assert client.delete(f"{url}/{cid}", headers=employee_headers).status_code == 403
    assert client.delete(f"{url}/{cid}", headers=content_headers).status_code == 204
    assert client.get(f"{url}/{cid}", headers=employee_headers).status_code == 404


def test_active_campaign_goals_in_my_stats(
    client: Any, team: dict[str, Any], content_headers: dict[str, str], f: Factory
) -> None:
    camp = f.campaign(name="Q-launch", starts_at=utcnow() - dt.timedelta(days=10))
    art = f.article(campaign_id=camp.id)
    f.share(team["ann"], art, just_now())
    f.share(team["bob"], art, just_now())
    client.post(
        f"/api/v1/campaigns/{camp.id}/goals", json={"metric": "shares", "target": 4},
        headers=content_headers,
    )  # fmt: skip
    body = client.get("/api/v1/me/stats?period=all", headers=team["ann_h"]).json
    goal = body["campaigns"][0]["goals"][0]
    assert body["campaigns"][0]["name"] == "Q-launch"
    assert (goal["actual"], goal["mine"], goal["percent"]) == (2, 1, 50.0)
    assert body["start"] is None


def test_deactivated_employee_is_not_ranked(client: Any, team: dict[str, Any]) -> None:
    ann: Employee = team["ann"]
    ann.is_active = False
    db.session.commit()
    body = client.get("/api/v1/leaderboard?period=week", headers=team["bob_h"]).json
    assert [e["name"] for e in body["entries"]] == ["Bob"]
