"""Analytics dashboards: every page renders, numbers match the API, CSV, filters, empty states."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.console.dashboards import DASHBOARDS
from backend.models import (
    Employee,
    utcnow,
)
from tests.services.analytics.conftest import Factory


@pytest.fixture
def activity(make_employee: Callable[..., Employee]) -> dict[str, object]:
    """Two sharers in two teams, clicks (one bot), reactions, a lead and a sale."""
    f = Factory(make_employee)
    now = utcnow()
    ana = make_employee(name="Ana Sharer", team="Nordics", network_size=800)
    bo = make_employee(name="Bo Sharer", team="Platform", network_size=200)
    make_employee(name="Cy Idle", team="Nordics")
    article = f.article(
        canonical_url="https://nordvind.example/cloud", title="Cloud costs", published_at=None
    )
    shares = {}
    for n, person in enumerate((ana, bo)):
        share = f.share(person, article, at=now - dt.timedelta(days=2))
        shares[person.id] = share
        f.engagement(share, at=now, reactions=5 + n)
        f.clicks(share, at=now - dt.timedelta(days=1), n=3)
        f.clicks(share, at=now - dt.timedelta(days=1), bot=True)
    f.conversion(shares[ana.id], "lead", at=now - dt.timedelta(hours=5))
    f.conversion(
        shares[ana.id], "sale", value=1200.0, currency="DKK", at=now - dt.timedelta(hours=4)
    )
    f.snapshot(ana, now - dt.timedelta(days=20), connections=800)
    f.snapshot(ana, now - dt.timedelta(days=1), connections=850)
    return {"ana": ana, "bo": bo, "article": article}


def _range() -> str:
    today = utcnow().date()
    return f"start={(today - dt.timedelta(days=29)).isoformat()}&end={today.isoformat()}"


def _api_range() -> str:
    today = utcnow().date()
    start = dt.datetime.combine(today - dt.timedelta(days=29), dt.time())
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    return f"start={start.isoformat()}Z&end={end.isoformat()}Z"


def _metric(html: str, key: str) -> str:
    marker = f'data-metric="{key}">'
    assert marker in html, f"{key} missing"
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_every_dashboard_renders_empty_with_next_steps(console: FlaskClient) -> None:
    html = console.get("/console/analytics").get_data(as_text=True)
    assert "No activity in this period yet." in html
    for name in DASHBOARDS:
        resp = console.get(f"/console/analytics/{name}")
        assert resp.status_code == 200, name
        assert "No activity in this period yet." in resp.get_data(as_text=True), name


def test_overview_numbers_match_the_api(
    console: FlaskClient, activity: dict[str, object], content_headers: dict[str, str]
) -> None:
    html = console.get("/console/analytics?" + _range()).get_data(as_text=True)
    api = console.get("/api/v1/analytics/overview?" + _api_range(), headers=content_headers).json
    assert api is not None
    assert api["shares"] == 2 and api["clicks"] == 6
    assert _metric(html, "shares") == str(api["shares"])
    assert _metric(html, "clicks") == str(api["clicks"])
    assert _metric(html, "unique_clicks") == str(api["unique_clicks"])
    assert _metric(html, "potential_reach") == "1,000" == f"{api['potential_reach']:,}"
    assert _metric(html, "reactions") == str(api["reactions"])
    assert _metric(html, "leads") == str(api["leads"])
    assert _metric(html, "emv") == f"{api['earned_media_value']['total']:,.2f}"
    assert "Cloud costs" in html


@pytest.mark.parametrize("name", list(DASHBOARDS))
def test_dashboards_render_charts_and_csv(
    console: FlaskClient, activity: dict[str, object], name: str
) -> None:
    resp = console.get(f"/console/analytics/{name}?" + _range())
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'data-chart="' in html and 'type="application/json"' in html
    assert "vendor/chart-4.6.1.umd.min.js" in html
    assert "No activity in this period yet." not in html or name == "growth"
    csv_resp = console.get(f"/console/analytics/{name}.csv?" + _range())
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    assert "attachment" in csv_resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(csv_resp.get_data(as_text=True))))
    assert len(rows) >= 2, name


def test_traffic_csv_matches_the_api_csv(
    console: FlaskClient, activity: dict[str, object], content_headers: dict[str, str]
) -> None:
    """The page's CSV: the daily rows (the API's by=day CSV) and the article table the page
    shows (the API's by=article rows, top 10), each marked with its section (issue #15)."""
    ours = list(
        csv.DictReader(
            io.StringIO(console.get("/console/analytics/traffic.csv?" + _range()).get_data(True))
        )
    )

    def api(by: str) -> list[dict[str, str]]:
        text = console.get(
            f"/api/v1/analytics/traffic?by={by}&format=csv&limit=10&" + _api_range(),
            headers=content_headers,
        ).get_data(as_text=True)
        return list(csv.DictReader(io.StringIO(text)))

    def section(name: str) -> list[dict[str, str]]:
        rows = [r for r in ours if r["section"] == name]
        return [
            {k: v for k, v in r.items() if k in ("key", "label", "clicks", "unique_clicks")}
            for r in rows
        ]

    assert section("traffic-by-day") == api("day") != []
    assert section("Most visited articles") == api("article") != []
    assert {r["section"] for r in ours} == {"traffic-by-day", "Most visited articles"}


def test_participation_and_team_filter(console: FlaskClient, activity: dict[str, object]) -> None:
    html = console.get("/console/analytics/participation?" + _range()).get_data(as_text=True)
    # 2 of 4 active (3 made here + the signed-in content user) shared.
    assert _metric(html, "sharers") == "2"
    html = console.get("/console/analytics/participation?team=Platform&" + _range()).get_data(
        as_text=True
    )
    assert _metric(html, "sharers") == "1"
    assert _metric(html, "active_employees") == "1"
    assert _metric(html, "rate") == "100.0 %"


def test_conversions_and_reach_tiles(console: FlaskClient, activity: dict[str, object]) -> None:
    html = console.get("/console/analytics/conversions?" + _range()).get_data(as_text=True)
    assert _metric(html, "leads") == "1" and _metric(html, "sales") == "1"
    assert _metric(html, "sales_value_DKK") == "1,200.00"
    html = console.get("/console/analytics/reach?" + _range()).get_data(as_text=True)
    assert _metric(html, "potential_reach") == "1,000"
    html = console.get("/console/analytics/growth?" + _range()).get_data(as_text=True)
    assert _metric(html, "connections_growth") == "50"


def test_bad_dates_are_reported(console: FlaskClient) -> None:
    html = console.get("/console/analytics/traffic?start=nope").get_data(as_text=True)
    assert "Use the format YYYY-MM-DD." in html
    html = console.get("/console/analytics/traffic?start=2020-01-01&end=2019-01-01").get_data(
        as_text=True
    )
    assert "start must be before end" in html


def test_unknown_dashboard_is_404(console: FlaskClient) -> None:
    assert console.get("/console/analytics/nope").status_code == 404
    assert console.get("/console/analytics/nope.csv").status_code == 404


def test_danish_number_format(
    console: FlaskClient, activity: dict[str, object], post: object
) -> None:
    post("/console/language", {"lang": "da", "next": "/console/"})  # type: ignore[operator]
    html = console.get("/console/analytics/reach?" + _range()).get_data(as_text=True)
    assert _metric(html, "potential_reach") == "1.000"
    assert "Rækkevidde" in html


def test_admin_changes_the_emv_formula(admin_console: FlaskClient, admin_post: Any) -> None:
    html = admin_console.get("/console/analytics/emv").get_data(as_text=True)
    assert 'id="emv-settings"' in html
    resp = admin_post(
        "/console/analytics/emv/settings",
        {
            "currency": "eur",
            "cpc": "1.5",
            "cpm": "10",
            "value_per_reaction": "0.5",
            "impressions_per_reach": "2",
            "next": "/console/analytics/emv",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/console/analytics/emv"
    html = admin_console.get("/console/analytics/emv").get_data(as_text=True)
    assert "EMV = 1.50 × clicks + 10.00 × potential impressions" in html and "EUR" in html
    resp = admin_post("/console/analytics/emv/settings", {"currency": "euro", "cpc": "-1"})
    assert "Not saved:" in admin_console.get(resp.headers["Location"]).get_data(as_text=True)


def test_content_users_see_but_cannot_change_the_emv_formula(
    console: FlaskClient, post: Any
) -> None:
    assert 'id="emv-settings"' not in console.get("/console/analytics/emv").get_data(as_text=True)
    assert post("/console/analytics/emv/settings", {"cpc": "1"}).status_code == 403
