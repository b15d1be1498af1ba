"""The console in a real browser: sign in, articles, dashboards against the API, retraining,
publish and rollback, people, and a phone-sized viewport. Writes docs/img/console-*.png."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import pytest

pytestmark = pytest.mark.e2e


def _range() -> tuple[str, str, str]:
    """The console's date range (the last 30 days including today) and the API's equivalent."""
    today = dt.datetime.now(dt.UTC).date()
    start = today - dt.timedelta(days=29)
    end = today + dt.timedelta(days=1)
    api = f"start={start.isoformat()}T00:00:00Z&end={end.isoformat()}T00:00:00Z"
    return start.isoformat(), today.isoformat(), api


def _metric(page: Any, key: str) -> str:
    return str(page.locator(f'[data-metric="{key}"]').first.inner_text()).strip()


def _num(text: str) -> float:
    """Parse an English-formatted number ("1,234.50", "12.5 %")."""
    return float(re.sub(r"[^0-9.\-]", "", text))


def test_sign_in_refuses_a_wrong_password(page: Any, console_server: Any, shot: Callable) -> None:
    page.goto(console_server.url("/console/articles"))
    assert "/console/login" in page.url
    page.get_by_label("E-mail").fill(console_server.content_email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "E-mail or password is wrong."
    shot(page, "login", full_page=False)


def test_create_approve_and_preview_an_article(
    page: Any, console_server: Any, sign_in: Callable, shot: Callable
) -> None:
    sign_in(page, console_server)
    shot(page, "home")
    page.get_by_role("link", name="Articles", exact=True).click()
    page.get_by_role("link", name="New article").click()
    page.get_by_label("Article URL").fill("https://nordvind.example/blog/console-e2e-zero-trust")
    page.get_by_label("Title", exact=True).fill("Zero trust for mid-size companies, in ten minutes")
    # The preview follows the form as you type (console.js).
    preview = page.locator("[data-preview-root]")
    assert "Zero trust for mid-size companies" in preview.inner_text()
    page.get_by_label("Summary", exact=True).fill(
        "What zero trust means in practice and where to start."
    )
    page.get_by_label("Tags").fill("security, zero trust")
    page.get_by_label("Captions in English").fill(
        "Zero trust, explained without the buzzwords.\n---\nWhere would you start?"
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/console/articles/\d+$"))
    article_id = int(page.url.rsplit("/", 1)[1])
    assert "created as a draft" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name=re.compile("^Approve")).first.click()
    assert page.locator(".badge.approved").first.inner_text() == "Approved"
    card = page.locator(".suggestion")
    assert "Zero trust for mid-size companies" in card.inner_text()
    assert "Zero trust, explained" in card.inner_text() or "Where would you start?" in (
        card.inner_text()
    )
    shot(page, "article-edit")
    api = console_server.api(f"/api/v1/articles/{article_id}")
    assert api["status"] == "approved"
    assert api["captions"]["en"] == [
        "Zero trust, explained without the buzzwords.",
        "Where would you start?",
    ]
    page.goto(console_server.url("/console/articles?q=zero+trust+for+mid"))
    assert page.get_by_role("link", name=re.compile("Zero trust for mid-size")).is_visible()
    page.goto(console_server.url("/console/articles"))
    shot(page, "articles", full_page=False)


DASHBOARDS = {
    # dashboard: [(tile, API path, JSON path in the API answer)]
    "traffic": [("clicks", "traffic?by=day", ("totals", "clicks"))],
    "reach": [
        ("potential_reach", "reach?by=day", ("totals", "potential_reach")),
        ("emv", "reach?by=day", ("totals", "emv")),
    ],
    "shares": [
        ("shares", "shares?by=day", ("totals", "shares")),
        ("reactions", "shares?by=day", ("totals", "reactions")),
    ],
    "participation": [
        ("sharers", "participation?", ("sharers",)),
        ("rate", "participation?", ("rate",)),
    ],
    "growth": [("connections_growth", "growth?by=team", ("totals", "connections_growth"))],
    "conversions": [("leads", "conversions?by=day", ("totals", "leads"))],
    "emv": [("emv", "overview?", ("earned_media_value", "total"))],
}


def test_dashboards_match_the_api(
    page: Any, console_server: Any, sign_in: Callable, shot: Callable
) -> None:
    sign_in(page, console_server)
    start, end, api_range = _range()
    page.goto(console_server.url(f"/console/analytics?start={start}&end={end}"))
    overview = console_server.api(f"/api/v1/analytics/overview?{api_range}")
    assert overview["shares"] > 0, "the demo company should have shares in the last 30 days"
    for key in ("shares", "clicks", "unique_clicks", "potential_reach", "leads"):
        assert _num(_metric(page, key)) == overview[key], key
    assert _num(_metric(page, "emv")) == pytest.approx(overview["earned_media_value"]["total"])
    shot(page, "analytics")
    for name, checks in DASHBOARDS.items():
        page.goto(console_server.url(f"/console/analytics/{name}?start={start}&end={end}"))
        # Every chart was drawn by Chart.js (served from the app, no CDN).
        canvases = page.locator("canvas[data-chart]")
        assert canvases.count() >= 1, name
        for i in range(canvases.count()):
            assert canvases.nth(i).evaluate("c => !!c.chart"), (name, i)
        for tile, path, keys in checks:
            sep = "&" if not path.endswith("?") else ""
            answer = console_server.api(f"/api/v1/analytics/{path}{sep}{api_range}")
            for k in keys:
                answer = answer[k]
            assert _num(_metric(page, tile)) == pytest.approx(answer or 0, abs=0.01), (name, tile)
        if name in ("traffic", "participation", "reach"):
            shot(page, f"analytics-{name}")
        # The CSV download is the same report.
        with page.expect_download() as info:
            page.get_by_role("link", name="Download CSV").click()
        assert info.value.suggested_filename.startswith("herald-")
    # The team filter narrows the numbers.
    page.goto(console_server.url(f"/console/analytics/participation?start={start}&end={end}"))
    teams = page.locator("#team option").all_inner_texts()[1:]
    page.select_option("#team", teams[0])
    page.get_by_role("button", name="Apply filters").click()
    team_api = console_server.api(
        f"/api/v1/analytics/participation?team={quote_plus(teams[0])}&{api_range}"
    )
    assert _num(_metric(page, "sharers")) == team_api["sharers"]


def test_retrain_publish_and_roll_back(
    page: Any, console_server: Any, sign_in: Callable, shot: Callable
) -> None:
    # Publishing past the guard is an admin's decision (audited), so an admin retrains here.
    sign_in(page, console_server, console_server.admin_email)
    versions: list[str] = []
    for _ in range(2):
        page.goto(console_server.url("/console/recommender"))
        page.get_by_role("button", name="Retrain now").click()
        job = page.locator("#job")
        assert job.get_attribute("data-running") == "true"
        # console.js polls the job and reloads the page when it is done.
        page.wait_for_function(
            "() => !document.querySelector('#job[data-running]')", timeout=240000
        )
        page.wait_for_load_state()
        link = page.locator("#versions tbody tr").first.locator("a").first
        version = link.inner_text().strip()
        versions.append(version)
        link.click()
        table = page.locator("#evaluation")
        assert f"New model {version}" in table.inner_text()
        assert page.locator("#headline").inner_text().strip()
        assert page.locator("#verdict").inner_text().strip()
        img = page.locator(".plots img").first
        img.wait_for()
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
        shot(page, "model-report")
        page.get_by_label("Publish even if the guard refuses it (admins only; logged)").check()
        page.get_by_role("button", name=f"Publish {version}").click()
        page.wait_for_url(console_server.url("/console/recommender"))
        assert page.locator("#active-version").inner_text() == version
        assert console_server.api("/api/v1/models")["active"] == version
    assert versions[0] != versions[1]
    shot(page, "recommender")
    page.get_by_role("button", name="Roll back to the previous version").click()
    page.wait_for_url(console_server.url("/console/recommender"))
    assert page.locator("#active-version").inner_text() == versions[0]
    assert console_server.api("/api/v1/models")["active"] == versions[0]


def test_people_invite_and_code_sheet(
    page: Any, console_server: Any, sign_in: Callable, shot: Callable
) -> None:
    sign_in(page, console_server, console_server.admin_email)
    page.get_by_role("link", name="People", exact=True).click()
    assert _num(_metric(page, "total_active")) >= 30
    shot(page, "people", full_page=False)
    page.get_by_role("link", name="Invite an employee").click()
    page.get_by_label("Name").fill("Ea Eriksen")
    page.get_by_label("E-mail").fill("ea.eriksen@nordvind.example")
    page.get_by_label("Team").fill("Nordics")
    page.get_by_label("Danish").check()
    page.get_by_role("button", name="Invite and show pairing code").click()
    code = page.locator("#pairing-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code)
    shot(page, "pairing-code", full_page=False)
    page.goto(console_server.url("/console/people/ambassadors"))
    assert page.locator("#ambassadors tbody tr").count() > 0


def test_campaigns_guidelines_mentions(
    page: Any, console_server: Any, sign_in: Callable, shot: Callable
) -> None:
    sign_in(page, console_server)
    page.get_by_role("link", name="Campaigns", exact=True).click()
    assert page.locator("progress").count() > 0
    shot(page, "campaigns")
    page.get_by_role("link", name="Guidelines", exact=True).click()
    assert page.get_by_role("heading", name=re.compile("Current guidelines")).is_visible()
    page.get_by_role("link", name="Mentions", exact=True).click()
    assert page.get_by_role("heading", name="Mentions inbox").is_visible()


def test_phone_width_and_danish(phone: Any, console_server: Any, shot: Callable) -> None:
    phone.goto(console_server.url("/console/login"))
    assert phone.get_by_role("heading", name="Log ind").is_visible()
    phone.get_by_label("E-mail").fill(console_server.content_email)
    phone.get_by_label("Adgangskode").fill("nordvind console demo")
    phone.get_by_role("button", name="Log ind").click()
    phone.wait_for_url(console_server.url("/console/"))
    # The user's saved language (English) applies after sign-in; switch to Danish.
    with phone.expect_navigation():
        phone.select_option("#lang-select", "da")
    assert phone.get_by_role("heading", name="Overblik").is_visible()
    for path in (
        "/console/",
        "/console/articles",
        "/console/analytics/traffic",
        "/console/recommender",
        "/console/campaigns",
    ):
        phone.goto(console_server.url(path))
        # No sideways scrolling of the page itself (wide tables scroll in their own box).
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 391, (path, width)
    phone.goto(console_server.url("/console/analytics/traffic"))
    assert phone.get_by_role("heading", name="Trafik", exact=True).is_visible()
    shot(phone, "phone", full_page=False)
    # The choice was saved for the user; switch back so other tests see English.
    with phone.expect_navigation():
        phone.select_option("#lang-select", "en")
    assert phone.get_by_role("heading", name="Traffic", exact=True).is_visible()


def test_bulk_import_reports_each_row(
    page: Any, console_server: Any, sign_in: Callable, shot: Callable, tmp_path: Any
) -> None:
    sign_in(page, console_server)
    csv_file = tmp_path / "articles.csv"
    csv_file.write_text(
        "url,title,summary,language,tags\n"
        "https://nordvind.example/blog/e2e-import-1,Imported one,First,en,cloud\n"
        "not-a-url,Broken row,,en,\n"
        "https://nordvind.example/blog/e2e-import-2,Importeret to,Anden,da,sikkerhed\n",
        encoding="utf-8",
    )
    page.goto(console_server.url("/console/articles/import"))
    page.get_by_label("File").set_input_files(str(csv_file))
    page.get_by_role("button", name="Import").click()
    report = page.locator("#import-report")
    rows = report.locator("tbody tr")
    assert rows.count() == 3
    assert "canonical_url" in report.inner_text()
    assert _num(page.locator(".tile", has_text="created").locator("strong").inner_text()) == 2
    shot(page, "import")
    api = console_server.api("/api/v1/articles?q=importeret")
    assert [a["title"] for a in api["items"]] == ["Importeret to"]
