"""Works-council mode in the console: the switch states the rule, every page says the mode is
on, and each per-person report refuses or aggregates exactly as the API does (the services
enforce it; see tests/services/analytics/test_works_council.py for the API side).

World: team "Big" (6 members, 5 active), "Pair" (6 members, 2 active), "Tiny" (2 members, both
active); the signed-in console users are in team "Nordics"."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.models import Employee, utcnow
from backend.services import works_council
from backend.services.works_council import WorksCouncil
from tests.services.analytics.conftest import works_council_on, works_council_world


@pytest.fixture
def world(make_employee: Callable[..., Employee]) -> dict[str, Any]:
    return works_council_world(make_employee)


def _range() -> str:
    today = utcnow().date()
    return f"start={(today - dt.timedelta(days=29)).isoformat()}&end={today.isoformat()}"


def _html(client: FlaskClient, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code)
    return resp.get_data(as_text=True)


def _csv_keys(client: FlaskClient, url: str) -> list[str]:
    resp = client.get(url)
    assert resp.status_code == 200, url
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    # The main report's rows, which come first (the CSV also holds the page's tables, each in
    # its own section).
    return [row["key"] for row in rows if row["section"] == rows[0]["section"]]


# --- the switch and the banner ---------------------------------------------------------------


def test_admin_switches_the_mode_with_the_rule_stated(
    admin_console: FlaskClient, admin_post: Any
) -> None:
    page = _html(admin_console, "/console/people/works-council")
    assert 'id="works-council-rule"' in page and "at least 5 people" in page
    assert 'id="works-council-banner"' not in page
    resp = admin_post("/console/people/works-council", {"enabled": "yes", "min_group_size": "6"})
    assert resp.status_code == 302
    assert works_council.works_council() == WorksCouncil(enabled=True, min_group_size=6)
    assert "at least 6 people" in _html(admin_console, "/console/people/works-council")
    bad = admin_post("/console/people/works-council", {"enabled": "yes", "min_group_size": "1"})
    assert bad.status_code == 422
    assert works_council.works_council().min_group_size == 6  # nothing written
    admin_post("/console/people/works-council", {"enabled": "no", "min_group_size": "6"})
    assert not works_council.works_council().enabled


def test_content_users_cannot_switch(console: FlaskClient, post: Any) -> None:
    assert console.get("/console/people/works-council").status_code == 403
    assert post("/console/people/works-council", {"enabled": "no"}).status_code == 403


PAGES = [
    "/console/",
    "/console/articles",
    "/console/campaigns",
    "/console/analytics",
    "/console/analytics/traffic",
    "/console/analytics/growth",
    "/console/mentions",
    "/console/guidelines",
    "/console/recommender",
    "/console/people",
]


def test_every_page_shows_when_the_mode_is_on(console: FlaskClient) -> None:
    for url in PAGES:
        assert 'id="works-council-banner"' not in _html(console, url), url
    works_council_on(7)
    for url in PAGES:
        html = _html(console, url)
        assert 'id="works-council-banner"' in html, url
        assert "at least 7 people" in html, url


# --- per-person reports: refused or aggregated, like the API ---------------------------------


def test_growth_hides_people_and_small_groups(
    console: FlaskClient, world: dict[str, Any], content_headers: dict[str, str]
) -> None:
    url = "/console/analytics/growth?" + _range()
    assert "Big Person 0" in _html(console, url)
    assert set(_csv_keys(console, "/console/analytics/growth.csv?" + _range())) == {
        "Big",
        "Pair",
        "Tiny",
    }
    works_council_on()
    html = _html(console, url)
    assert "Big Person" not in html and "Pair Person" not in html
    assert "Per-person figures are hidden" in html
    # Pair has 6 members but 2 people with snapshots behind its figure: left out, like the API.
    assert _csv_keys(console, "/console/analytics/growth.csv?" + _range()) == ["Big"]
    api = console.get("/api/v1/analytics/growth?by=employee", headers=content_headers)
    assert api.status_code == 403


def test_conversions_and_top_advocates_hide_people(
    console: FlaskClient, world: dict[str, Any], content_headers: dict[str, str]
) -> None:
    for name in ("conversions", "top"):
        assert "Big Person 0" in _html(console, f"/console/analytics/{name}?" + _range()), name
    works_council_on()
    for name in ("conversions", "top"):
        html = _html(console, f"/console/analytics/{name}?" + _range())
        assert "Big Person" not in html, name
        assert "Per-person figures are hidden" in html, name
    for report in ("conversions?by=employee", "reach?by=employee"):
        resp = console.get(f"/api/v1/analytics/{report}", headers=content_headers)
        assert resp.status_code == 403, report


def test_reach_by_team_counts_people_behind_the_figure(
    console: FlaskClient, world: dict[str, Any]
) -> None:
    url = "/console/analytics/reach?" + _range()
    html = _html(console, url)
    assert "<td >Pair</td>" in html and "<td >Tiny</td>" in html
    works_council_on()
    html = _html(console, url)
    assert "<td >Big</td>" in html
    assert "<td >Pair</td>" not in html and "<td >Tiny</td>" not in html


def test_team_filter_below_the_minimum_is_refused(
    console: FlaskClient, world: dict[str, Any], content_headers: dict[str, str]
) -> None:
    assert "Tiny" in _html(console, "/console/analytics/traffic?team=Tiny&" + _range())
    works_council_on()
    for name in ("traffic", "reach", "shares", "participation", "growth", "conversions"):
        html = _html(console, f"/console/analytics/{name}?team=Tiny&" + _range(), 403)
        assert 'id="works-council-refused"' in html and "fewer than 5" in html, name
        resp = console.get(f"/console/analytics/{name}.csv?team=Tiny&" + _range())
        assert resp.status_code == 403, name
    html = _html(console, "/console/analytics?team=Tiny&" + _range(), 403)
    assert 'id="works-council-refused"' in html
    api = console.get("/api/v1/analytics/traffic?by=day&team=Tiny", headers=content_headers)
    assert api.status_code == 403
    # A big enough team still answers.
    assert _html(console, "/console/analytics/traffic?team=Big&" + _range())


def test_ambassadors_refused(
    console: FlaskClient, world: dict[str, Any], content_headers: dict[str, str]
) -> None:
    assert "Big Person" in _html(console, "/console/people/ambassadors")
    works_council_on()
    html = _html(console, "/console/people/ambassadors", 403)
    assert 'id="works-council-refused"' in html and "Big Person" not in html
    assert console.get("/api/v1/analytics/ambassadors", headers=content_headers).status_code == 403


def test_people_page_hides_activity_and_small_teams(
    console: FlaskClient, world: dict[str, Any]
) -> None:
    html = _html(console, "/console/people")
    assert "Shares" in html and '<th scope="row">Tiny</th>' in html
    works_council_on()
    html = _html(console, "/console/people")
    assert 'id="per-person-hidden"' in html
    assert 'data-metric="sharing">9<' in html  # the company-wide aggregate stays
    # How many of a team shared is a figure about all its active members: Pair (6) stays.
    assert '<th scope="row">Big</th>' in html and '<th scope="row">Pair</th>' in html
    assert '<th scope="row">Tiny</th>' not in html
    assert "people.ambassadors" not in html and "Ambassador discovery" not in html
    html = _html(console, "/console/people?team=Tiny")
    assert 'id="works-council-refused"' in html and 'data-metric="sharing"' not in html
