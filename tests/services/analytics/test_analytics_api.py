from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.services.analytics.conftest import NOW, Factory, days_ago

REPORTS = [
    "overview",
    "traffic",
    "reach",
    "shares",
    "participation",
    "growth",
    "conversions",
    "ambassadors",
]


@pytest.fixture
def world(f: Factory) -> dict[str, Any]:
    """Two teams, one campaign, two articles; a known set of shares, clicks and conversions."""
    camp = f.campaign(name="Spring launch")
    a1 = f.article(title="Cloud security", tags=["cloud", "security"], campaign_id=camp.id)
    a2 = f.article(title="=HYPERLINK(evil)", tags=["hiring"])
    ann = f.employee(
        name="Ann",
        team="Nordics",
        department="Sales",
        network_size=1000,
        interests=["cloud"],
        role_text="Security architect",
    )
    bob = f.employee(name="Bob", team="Nordics", department="Sales", network_size=200)
    cat = f.employee(name="Cat", team="DACH", department="Marketing", network_size=300)
    f.employee(name="Dan", team="DACH", department="Marketing", network_size=50)
    s1 = f.share(ann, a1, days_ago(5))
    s2 = f.share(bob, a2, days_ago(4))
    s3 = f.share(cat, a1, days_ago(40))  # outside the 30-day window
    # engagement: latest wins
    f.engagement(s1, days_ago(4), reactions=3, comments=1)
    f.engagement(s1, days_ago(2), reactions=10, comments=2, reposts=1)
    f.engagement(s2, days_ago(3), reactions=4)
    # clicks: same visitor twice on a day counts once; bots never
    f.clicks(s1, days_ago(4), n=1, visitor="v1")
    f.clicks(s1, days_ago(4), n=1, visitor="v1")
    f.clicks(s1, days_ago(3), n=1, visitor="v1")
    f.clicks(s1, days_ago(3), n=2)
    f.clicks(s1, days_ago(3), n=5, bot=True)
    f.clicks(s2, days_ago(2), n=1, visitor="v9")
    f.clicks(s3, days_ago(39), n=7)
    f.conversion(s1, "lead", at=days_ago(2))
    f.conversion(s1, "sale", 1000.0, at=days_ago(1))
    f.conversion(s2, "sale", 50.0, at=days_ago(1), currency="EUR")
    return {"camp": camp, "a1": a1, "a2": a2, "ann": ann, "bob": bob, "cat": cat, "s1": s1}


@pytest.mark.parametrize("report", REPORTS)
def test_reports_need_content_role(
    client: Any, employee_headers: dict[str, str], report: str
) -> None:
    assert client.get(f"/api/v1/analytics/{report}").status_code == 401
    resp = client.get(f"/api/v1/analytics/{report}", headers=employee_headers)
    assert resp.status_code == 403
    assert resp.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("report", REPORTS)
def test_reports_answer_empty(client: Any, content_headers: dict[str, str], report: str) -> None:
    resp = client.get(f"/api/v1/analytics/{report}", headers=content_headers)
    assert resp.status_code == 200, resp.json


@pytest.mark.parametrize(
    ("qs", "field"),
    [
        ("start=yesterday", "start"),
        ("start=2025-03-01&end=2025-02-01", "start"),
        ("start=2020-01-01&end=2025-01-01", "start"),
        ("by=planet", "by"),
        ("format=xml", "format"),
        ("campaign=0", "campaign"),
        ("limit=0", "limit"),
        ("colour=red", "colour"),
    ],
)
def test_bad_query_is_422(
    client: Any, content_headers: dict[str, str], qs: str, field: str
) -> None:
    resp = client.get(f"/api/v1/analytics/traffic?{qs}", headers=content_headers)
    assert resp.status_code == 422
    assert field in [d["field"] for d in resp.json["error"]["details"]]


def test_traffic_by_article_excludes_bots_and_counts_unique_per_day(
    client: Any, content_headers: dict[str, str], world: dict[str, Any], period_q: str
) -> None:
    resp = client.get(f"/api/v1/analytics/traffic?by=article&{period_q}", headers=content_headers)
    body = resp.json
    assert body["totals"] == {"clicks": 6, "unique_clicks": 5}
    rows = {r["key"]: r for r in body["rows"]}
    a1 = rows[world["a1"].id]
    # v1 on day -4 (x2) = 1, v1 on day -3 = 1, 2 distinct others = 2
    assert (a1["clicks"], a1["unique_clicks"]) == (5, 4)
    assert a1["label"] == "Cloud security"
    assert body["rows"][0]["key"] == world["a1"].id  # most clicks first


def test_traffic_by_day_is_sorted_by_day(
    client: Any, content_headers: dict[str, str], world: dict[str, Any], period_q: str
) -> None:
    body = client.get(f"/api/v1/analytics/traffic?by=day&{period_q}", headers=content_headers).json
    assert [(r["key"], r["clicks"]) for r in body["rows"]] == [
        (days_ago(4).date().isoformat(), 2),
        (days_ago(3).date().isoformat(), 3),
        (days_ago(2).date().isoformat(), 1),
    ]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("campaign", {"Spring launch": 5, "always-on": 1}),
        ("team", {"Nordics": 6}),
        ("employee", {"Ann": 5, "Bob": 1}),
        ("network", {"linkedin": 6}),
        ("week", None),
        ("landing_page", None),
        ("department", {"Sales": 6}),
    ],
)
def test_traffic_dimensions(
    client: Any,
    content_headers: dict[str, str],
    world: dict[str, Any],
    period_q: str,
    by: str,
    expected: dict[str, int] | None,
) -> None:
    body = client.get(f"/api/v1/analytics/traffic?by={by}&{period_q}", headers=content_headers).json
    assert sum(r["clicks"] for r in body["rows"]) == 6
    if expected is not None:
        assert {r["label"]: r["clicks"] for r in body["rows"]} == expected


def test_traffic_filters(
    client: Any, content_headers: dict[str, str], world: dict[str, Any], period_q: str
) -> None:
    def total(extra: str) -> int:
        url = f"/api/v1/analytics/traffic?{period_q}&{extra}"
        return int(client.get(url, headers=content_headers).json["totals"]["clicks"])

    assert total(f"campaign={world['camp'].id}") == 5
    assert total("team=DACH") == 0
    assert total("department=Sales") == 6
    wide = f"start={days_ago(60).date().isoformat()}&end={NOW.date().isoformat()}"
    assert (
        int(
            client.get(f"/api/v1/analytics/traffic?{wide}", headers=content_headers).json["totals"][
                "clicks"
            ]
        )
        == 13
    )


def test_traffic_csv_by_format_and_accept(
    client: Any, content_headers: dict[str, str], world: dict[str, Any], period_q: str
) -> None:
    for resp in (
        client.get(
            f"/api/v1/analytics/traffic?by=article&format=csv&{period_q}", headers=content_headers
        ),
        client.get(
            f"/api/v1/analytics/traffic?by=article&{period_q}",
            headers={**content_headers, "Accept": "text/csv"},
        ),
    ):
        assert resp.status_code == 200
        assert resp.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
        assert rows[0] == ["key", "label", "clicks", "unique_clicks"]
        assert len(rows) == 3
        # a title that looks like a formula is neutralised
        assert "'=HYPERLINK(evil)" in [r[1] for r in rows]


def test_reach_side_by_side_with_emv(
    client: Any,
    content_headers: dict[str, str],
    admin_headers: dict[str, str],
    world: dict[str, Any],
    period_q: str,
) -> None:
    put = client.put(
        "/api/v1/analytics/settings/emv",
        json={"currency": "EUR", "cpc": 2.0, "cpm": 10.0, "value_per_reaction": 0.5},
        headers=admin_headers,
    )
    assert put.status_code == 200, put.json
    body = client.get(
        f"/api/v1/analytics/reach?by=employee&{period_q}", headers=content_headers
    ).json
    rows = {r["label"]: r for r in body["rows"]}
    ann = rows["Ann"]
    assert ann["potential_reach"] == 1000
    assert (ann["clicks"], ann["reactions"], ann["comments"], ann["reposts"]) == (5, 10, 2, 1)
    # 2*5 + 10*1000/1000 + 0.5*10
    assert ann["emv"] == 25.0
    t = body["totals"]
    assert t["potential_reach"] == 1200
    assert t["emv"] == 2 * 6 + 10 * 1200 / 1000 + 0.5 * 14
    assert t["emv_currency"] == "EUR"
    assert any("potential" in n for n in body["notes"])


def test_emv_settings_admin_only_and_validated(
    client: Any, content_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    default = client.get("/api/v1/analytics/settings/emv", headers=content_headers).json
    assert default["impressions_per_reach"] == 1.0
    assert (
        client.put(
            "/api/v1/analytics/settings/emv", json={"cpc": 1}, headers=content_headers
        ).status_code
        == 403
    )
    resp = client.put("/api/v1/analytics/settings/emv", json={"cpc": -1}, headers=admin_headers)
    assert resp.status_code == 422
    resp = client.put(
        "/api/v1/analytics/settings/emv",
        data="cpc=1",
        headers=admin_headers,
        content_type="text/plain",
    )
    assert resp.status_code == 415
    resp = client.put(
        "/api/v1/analytics/settings/emv",
        data="{",
        headers=admin_headers,
        content_type="application/json",
    )
    assert resp.status_code == 400


def test_shares_use_latest_engagement(
    client: Any, content_headers: dict[str, str], world: dict[str, Any], period_q: str
) -> None:
    body = client.get(f"/api/v1/analytics/shares?by=team&{period_q}", headers=content_headers).json
    assert body["rows"] == [
        {
            "key": "Nordics",
            "label": "Nordics",
            "shares": 2,
            "sharers": 2,
            "reactions": 14,
            "comments": 2,
            "reposts": 1,
        }
    ]


def test_participation_period_weeks_and_teams(
    client: Any,
    content_headers: dict[str, str],
    world: dict[str, Any],
    f: Factory,
    period_q: str,
) -> None:
    f.employee(name="Gone", team="DACH", is_active=False, deactivated_at=days_ago(100))
    body = client.get(f"/api/v1/analytics/participation?{period_q}", headers=content_headers).json
    assert (body["active_employees"], body["sharers"], body["rate"]) == (4, 2, 50.0)
    teams = {t["team"]: (t["sharers"], t["active_employees"], t["rate"]) for t in body["teams"]}
    assert teams == {"DACH": (0, 2, 0.0), "Nordics": (2, 2, 100.0)}
    weeks = {w["week_start"]: w for w in body["weeks"]}
    # NOW is Wednesday 2025-03-12; shares on Fri 03-07 (Ann) and Sat 03-08 (Bob)
    assert weeks["2025-03-03"]["sharers"] == 2
    assert weeks["2025-03-10"]["sharers"] == 0
    assert all(w["active_employees"] == 4 for w in body["weeks"])
    assert len(body["weeks"]) == 5


def test_participation_csv(
    client: Any, content_headers: dict[str, str], world: dict[str, Any], period_q: str
) -> None:
    resp = client.get(
        f"/api/v1/analytics/participation?format=csv&{period_q}", headers=content_headers
    )
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0] == ["week_start", "active_employees", "sharers", "rate"]
    assert ["2025-03-03", "4", "2", "50.0"] in rows


def test_growth_first_vs_last_snapshot(
    client: Any,
    content_headers: dict[str, str],
    world: dict[str, Any],
    f: Factory,
    period_q: str,
) -> None:
    ann, bob = world["ann"], world["bob"]
    f.snapshot(ann, days_ago(50), connections=1, followers=1)  # before the period
    f.snapshot(ann, days_ago(20), connections=500, followers=100)
    f.snapshot(ann, days_ago(10), connections=None, followers=150)
    f.snapshot(ann, days_ago(1), connections=550, followers=None)
    f.snapshot(bob, days_ago(5), connections=200)
    body = client.get(
        f"/api/v1/analytics/growth?by=employee&{period_q}", headers=content_headers
    ).json
    rows = {r["label"]: r for r in body["rows"]}
    assert rows["Ann"]["connections_growth"] == 50
    assert rows["Ann"]["connections_growth_pct"] == 10.0
    assert rows["Ann"]["followers_growth"] == 50
    assert rows["Bob"]["connections_growth"] == 0
    team = client.get(f"/api/v1/analytics/growth?by=team&{period_q}", headers=content_headers).json
    assert team["rows"][0]["key"] == "Nordics"
    assert team["rows"][0]["employees"] == 2
    assert team["rows"][0]["connections_growth"] == 50


def test_conversions_per_employee_and_currency(
    client: Any, content_headers: dict[str, str], world: dict[str, Any], period_q: str
) -> None:
    body = client.get(
        f"/api/v1/analytics/conversions?by=employee&{period_q}", headers=content_headers
    ).json
    rows = {(r["label"], r["currency"]): r for r in body["rows"]}
    assert rows[("Ann", "DKK")]["leads"] == 1
    assert rows[("Ann", "DKK")]["sales_value"] == 1000.0
    assert rows[("Bob", "EUR")]["sales_value"] == 50.0
    assert body["totals"] == {
        "leads": 1,
        "signups": 0,
        "sales": 2,
        "sales_value_DKK": 1000.0,
        "sales_value_EUR": 50.0,
    }
    by_campaign = client.get(
        f"/api/v1/analytics/conversions?by=campaign&{period_q}", headers=content_headers
    ).json
    assert {r["label"] for r in by_campaign["rows"]} == {"Spring launch", "always-on"}


def test_ambassadors_ranked_and_explained(
    client: Any, content_headers: dict[str, str], world: dict[str, Any], period_q: str
) -> None:
    body = client.get(f"/api/v1/analytics/ambassadors?{period_q}", headers=content_headers).json
    assert body["themes"] == ["cloud", "hiring", "security"]
    top = body["items"][0]
    assert top["name"] == "Ann"
    assert top["matched_themes"] == ["cloud", "security"]
    assert "matches themes cloud, security" in top["explanation"]
    assert top["activity"] == 1.0 and top["network"] == 1.0
    assert [i["name"] for i in body["items"]][-1] == "Dan"
    resp = client.get(
        f"/api/v1/analytics/ambassadors?format=csv&{period_q}", headers=content_headers
    )
    assert resp.get_data(as_text=True).splitlines()[0].startswith("employee_id,name,")


def test_overview_headline(
    client: Any, content_headers: dict[str, str], world: dict[str, Any], period_q: str
) -> None:
    body = client.get(f"/api/v1/analytics/overview?{period_q}", headers=content_headers).json
    assert body["shares"] == 2
    assert body["clicks"] == 6 and body["unique_clicks"] == 5 and body["bot_clicks"] == 5
    assert body["potential_reach"] == 1200
    assert body["reactions"] == 14
    assert (body["leads"], body["sales"]) == (1, 2)
    assert body["sales_value"] == [
        {"currency": "DKK", "sales": 1, "value": 1000.0},
        {"currency": "EUR", "sales": 1, "value": 50.0},
    ]
    assert body["participation_rate"] == 50.0
    assert body["top_articles"][0]["title"] == "Cloud security"
    # default EMV: 8*6 + 60*1200/1000 + 2*14
    assert body["earned_media_value"]["total"] == 48 + 72 + 28
    csv_resp = client.get(
        f"/api/v1/analytics/overview?{period_q}", headers={**content_headers, "Accept": "text/csv"}
    )
    header = csv_resp.get_data(as_text=True).splitlines()[0]
    assert "earned_media_value" in header and "sales_value_EUR" in header


def test_reports_listed_in_openapi(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json
    paths = set(spec["paths"])
    for report in REPORTS:
        assert any(p.endswith(f"/analytics/{report}") for p in paths), report
