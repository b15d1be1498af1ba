"""Campaigns with goals and progress bars; the mentions inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.extensions import db
from backend.models import Campaign, CampaignGoal, Employee, Mention, utcnow


def test_campaigns_empty_state(console: FlaskClient) -> None:
    html = console.get("/console/campaigns").get_data(as_text=True)
    assert "No campaigns yet." in html
    assert 'href="/console/campaigns/new"' in html


def test_create_campaign_add_goal_and_see_progress(console: FlaskClient, post: Any) -> None:
    resp = post(
        "/console/campaigns/new",
        {
            "name": "Cloud week",
            "slug": "cloud-week",
            "status": "active",
            "priority": "10",
            "starts_at": "2026-01-01",
            "ends_at": "2026-12-31",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "cloud-week"))
    assert campaign is not None and campaign.priority == 10
    # The end date is inclusive: stored as the next midnight.
    assert campaign.ends_at is not None and campaign.ends_at.isoformat().startswith("2027-01-01")
    resp = post(
        f"/console/campaigns/{campaign.id}/goals",
        {"metric": "shares", "target": "200", "label": "200 shares"},
    )
    assert resp.status_code == 302
    goal = db.session.scalar(select(CampaignGoal).where(CampaignGoal.campaign_id == campaign.id))
    assert goal is not None and goal.target == 200
    html = console.get("/console/campaigns").get_data(as_text=True)
    assert "Cloud week" in html and "200 shares" in html
    assert '<progress max="100" value="0"' in html
    edit = console.get(f"/console/campaigns/{campaign.id}").get_data(as_text=True)
    # The inclusive end date round-trips in the form.
    assert 'value="2026-12-31"' in edit


def test_campaign_validation_errors_are_shown(console: FlaskClient, post: Any) -> None:
    resp = post("/console/campaigns/new", {"name": "X", "slug": "Not A Slug!", "priority": "1"})
    assert resp.status_code == 422
    assert "Please correct the fields below." in resp.get_data(as_text=True)


def test_bad_goal_is_reported(console: FlaskClient, post: Any) -> None:
    campaign = Campaign(slug="c1", name="C1")
    db.session.add(campaign)
    db.session.commit()
    resp = post(
        f"/console/campaigns/{campaign.id}/goals", {"metric": "participation", "target": "300"}
    )
    assert resp.status_code == 302
    html = console.get(resp.headers["Location"]).get_data(as_text=True)
    assert "The goal was not added" in html and "percentage" in html


def test_mentions_inbox_resolve(
    console: FlaskClient, post: Any, make_employee: Callable[..., Employee]
) -> None:
    assert "Nothing here." in console.get("/console/mentions").get_data(as_text=True)
    flagger = make_employee(name="Freja Flag")
    mention = Mention(
        employee_id=flagger.id,
        url="https://www.linkedin.com/feed/update/urn:li:activity:1/",
        snippet="Great talk by Nordvind",
        created_at=utcnow(),
    )
    db.session.add(mention)
    db.session.commit()
    html = console.get("/console/mentions").get_data(as_text=True)
    assert "Great talk by Nordvind" in html and "Freja Flag" in html
    resp = post(f"/console/mentions/{mention.id}/resolve", {"note": "Thanked them"})
    assert resp.status_code == 302
    db.session.refresh(mention)
    assert mention.status == "resolved" and mention.note == "Thanked them"
    assert "Great talk" not in console.get("/console/mentions").get_data(as_text=True)
    assert "Thanked them" in console.get("/console/mentions?status=resolved").get_data(as_text=True)


def test_a_goal_the_service_cannot_compute_is_reported_not_a_500(console: FlaskClient) -> None:
    campaign = Campaign(slug="odd", name="Odd goals")
    db.session.add(campaign)
    db.session.flush()
    db.session.add(CampaignGoal(campaign_id=campaign.id, metric="press_mentions", target=10))
    db.session.commit()
    resp = console.get("/console/campaigns")
    assert resp.status_code == 200
    assert "Progress cannot be computed" in resp.get_data(as_text=True)
    resp = console.get(f"/console/campaigns/{campaign.id}")
    assert resp.status_code == 200
    assert "unknown goal metric" in resp.get_data(as_text=True)


def test_unexpected_errors_get_an_html_page(console: FlaskClient, monkeypatch: Any) -> None:
    from backend.services import mentions

    def boom(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(mentions, "list_mentions", boom)
    resp = console.get("/console/mentions")
    assert resp.status_code == 500 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "Something went wrong" in html and "secret internals" not in html
