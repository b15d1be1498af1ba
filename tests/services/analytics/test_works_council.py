"""Works-council mode through the API: every per-person surface refuses or aggregates, and a
team row needs the minimum number of people *behind its figure*, not team members.

The world: team "Big" (6 members, 5 of them active: shares, clicks, reactions, a lead,
snapshots), team "Pair" (6 members, only 2 active) and team "Tiny" (2 members, both active).
Minimum group size 5: only Big's rows may be shown per team.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend.extensions import db
from backend.models import (
    Conversion,
    Employee,
    utcnow,
)
from tests.services.analytics.conftest import works_council_on, works_council_world

API = "/api/v1"


@pytest.fixture
def world(make_employee: Callable[..., Employee]) -> dict[str, Any]:
    return works_council_world(make_employee)


def _range() -> str:
    today = utcnow().date()
    start = dt.datetime.combine(today - dt.timedelta(days=29), dt.time())
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    return f"start={start.isoformat()}Z&end={end.isoformat()}Z"


def _refused(resp: Any) -> None:
    assert resp.status_code == 403, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["message"].startswith("works-council mode:")


PER_PERSON_REPORTS = [
    "traffic?by=employee",
    "reach?by=employee",
    "shares?by=employee",
    "conversions?by=employee",
    "conversions",  # its default is per employee
    "growth?by=employee",
    "growth",  # its default is per employee
    "ambassadors",
]


@pytest.mark.parametrize("path", PER_PERSON_REPORTS)
def test_per_person_reports_answer_until_the_mode_is_on(
    client: FlaskClient, world: dict[str, Any], content_headers: dict[str, str], path: str
) -> None:
    url = f"{API}/analytics/{path}{'&' if '?' in path else '?'}{_range()}"
    off = client.get(url, headers=content_headers)
    assert off.status_code == 200
    assert "Big Person 0" in off.get_data(as_text=True)
    works_council_on()
    _refused(client.get(url, headers=content_headers))
    _refused(client.get(url + "&format=csv", headers=content_headers))


TEAM_REPORTS = ["traffic", "reach", "shares", "conversions", "growth"]


@pytest.mark.parametrize("report", TEAM_REPORTS)
def test_team_rows_need_enough_people_behind_the_figure(
    client: FlaskClient, world: dict[str, Any], content_headers: dict[str, str], report: str
) -> None:
    """Pair has 6 members (above the minimum of 5) but only 2 people behind its numbers."""
    url = f"{API}/analytics/{report}?by=team&{_range()}"
    before = client.get(url, headers=content_headers).get_json()
    assert {r["key"] for r in before["rows"]} == {"Big", "Pair", "Tiny"}
    works_council_on()
    body = client.get(url, headers=content_headers).get_json()
    assert [r["key"] for r in body["rows"]] == ["Big"]
    big = body["rows"][0]
    for metric, total in body["totals"].items():
        if metric in big and isinstance(total, int | float):
            # Recomputed from the rows shown: Pair's share cannot be recovered as a difference.
            assert total == big[metric], (metric, total, big[metric])
    text = client.get(url + "&format=csv", headers=content_headers).get_data(as_text=True)
    keys = [row["key"] for row in csv.DictReader(io.StringIO(text))]
    assert keys == ["Big"]


def test_growth_by_team_counts_people_with_snapshots_not_members(
    client: FlaskClient, world: dict[str, Any], content_headers: dict[str, str]
) -> None:
    works_council_on()
    body = client.get(
        f"{API}/analytics/growth?by=team&{_range()}", headers=content_headers
    ).get_json()
    assert [(r["key"], r["employees"]) for r in body["rows"]] == [("Big", 5)]
    assert body["totals"]["employees"] == 5
    # Filtering on Pair (6 members) is allowed, but its figure is 2 people's: refused.
    _refused(
        client.get(f"{API}/analytics/growth?by=team&team=Pair&{_range()}", headers=content_headers)
    )
    # Fewer members than the minimum: refused for every report.
    for report in ("traffic?by=day", "overview", "participation", "shares?by=day"):
        sep = "&" if "?" in report else "?"
        _refused(
            client.get(
                f"{API}/analytics/{report}{sep}team=Tiny&{_range()}", headers=content_headers
            )
        )


def test_participation_leaves_out_small_teams(
    client: FlaskClient, world: dict[str, Any], content_headers: dict[str, str]
) -> None:
    url = f"{API}/analytics/participation?{_range()}"
    assert "Tiny" in [t["team"] for t in client.get(url, headers=content_headers).json["teams"]]
    works_council_on()
    teams = [t["team"] for t in client.get(url, headers=content_headers).json["teams"]]
    assert "Tiny" not in teams and "Big" in teams


def test_leaderboard_by_person_refused_and_teams_need_people_with_points(
    client: FlaskClient, world: dict[str, Any], employee_headers: dict[str, str]
) -> None:
    person = client.get(f"{API}/leaderboard?by=person&period=quarter", headers=employee_headers)
    assert person.status_code == 200 and person.json["entries"]
    team_url = f"{API}/leaderboard?by=team&period=quarter"
    teams = [e["team"] for e in client.get(team_url, headers=employee_headers).json["entries"]]
    assert {"Big", "Pair", "Tiny"} <= set(teams)
    works_council_on()
    _refused(client.get(f"{API}/leaderboard?by=person&period=quarter", headers=employee_headers))
    teams = [e["team"] for e in client.get(team_url, headers=employee_headers).json["entries"]]
    assert teams == ["Big"]


def test_someone_elses_stats_and_digest_refused_own_allowed(
    client: FlaskClient,
    world: dict[str, Any],
    content_headers: dict[str, str],
    headers_for: Callable[..., dict[str, str]],
) -> None:
    target = world["people"]["Big"][0]
    stats = f"{API}/employees/{target.id}/stats"
    digest = f"{API}/employees/{target.id}/digest"
    assert client.get(stats, headers=content_headers).status_code == 200
    assert client.get(digest, headers=content_headers).status_code == 200
    works_council_on()
    _refused(client.get(stats, headers=content_headers))
    _refused(client.get(digest, headers=content_headers))
    own = headers_for("employee", employee=target)
    assert client.get(f"{API}/me/stats", headers=own).json["shares"] == 1
    assert client.get(stats, headers=own).status_code == 200  # one's own numbers
    assert client.get(f"{API}/me/digest", headers=own).status_code == 200


def test_company_digest_has_no_top_advocates(
    client: FlaskClient, world: dict[str, Any], content_headers: dict[str, str]
) -> None:
    url = f"{API}/digest/company"
    assert client.get(url, headers=content_headers).json["top_advocates"]
    works_council_on()
    body = client.get(url, headers=content_headers).json
    assert body["top_advocates"] == []
    assert body["headline"]["shares"] == 9  # the company aggregate stays
    text = client.get(url + "?format=text", headers=content_headers).get_data(as_text=True)
    assert "Big Person" not in text


def test_conversions_by_employee_refused_and_unnamed(
    client: FlaskClient, world: dict[str, Any], content_headers: dict[str, str]
) -> None:
    target = world["people"]["Big"][0]
    by_person = f"{API}/conversions?employee_id={target.id}"
    assert client.get(by_person, headers=content_headers).json["total"] == 1
    listed = client.get(f"{API}/conversions", headers=content_headers).json["items"]
    assert all(c["employee_id"] is not None for c in listed)
    works_council_on()
    _refused(client.get(by_person, headers=content_headers))
    listed = client.get(f"{API}/conversions", headers=content_headers).json["items"]
    assert len(listed) == 9
    assert all(c["employee_id"] is None and c["link_id"] is None for c in listed)
    # Nothing was written: the rows still name their employee.
    assert db.session.get(Conversion, listed[0]["id"]).employee_id is not None
