"""The campaign form keeps what was entered: inclusive end dates survive a validation error,
the short name is made from the name, goal metrics show labels, the list shows the last day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.extensions import db
from backend.models import Campaign, CampaignGoal
from backend.services import campaigns as campaign_svc

FORM = {
    "name": "Grøn Energi – Årets kampagne",
    "slug": "",
    "status": "active",
    "priority": "5",
    "starts_at": "2026-03-01",
    "ends_at": "2026-03-31",
}


def test_dates_round_trip_after_a_validation_error(console: FlaskClient, post: Any) -> None:
    bad = post("/console/campaigns/new", {**FORM, "priority": "lots"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="ends_at" name="ends_at" type="date" value="2026-03-31"' in html
    assert 'id="starts_at" name="starts_at" type="date" value="2026-03-01"' in html
    # Submitting what the form shows again saves the entered last day, not the day after.
    good = post("/console/campaigns/new", {**FORM})
    assert good.status_code == 302, good.get_data(as_text=True)
    campaign = db.session.scalar(select(Campaign))
    assert campaign is not None
    assert campaign.ends_at == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)  # exclusive midnight
    assert campaign_svc.last_day(campaign.ends_at) == dt.date(2026, 3, 31)


def test_edit_error_keeps_dates_and_the_list_shows_the_last_day(
    console: FlaskClient, post: Any
) -> None:
    post("/console/campaigns/new", {**FORM, "slug": "green"})
    campaign = db.session.scalar(select(Campaign))
    assert campaign is not None
    form = console.get(f"/console/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'value="2026-03-31"' in form
    # An error (start after end) on edit: both dates come back exactly as typed.
    resp = post(
        f"/console/campaigns/{campaign.id}",
        {**FORM, "slug": "green", "starts_at": "2026-05-01", "ends_at": "2026-04-30"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'value="2026-04-30"' in html and 'value="2026-05-01"' in html
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).ends_at == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    listing = console.get("/console/campaigns").get_data(as_text=True)
    assert "2026-03-01 – 2026-03-31" in listing and "2026-04-01" not in listing


def test_short_name_is_made_from_the_name(console: FlaskClient, post: Any) -> None:
    assert post("/console/campaigns/new", FORM).status_code == 302
    assert post("/console/campaigns/new", FORM).status_code == 302
    slugs = sorted(db.session.scalars(select(Campaign.slug)))
    assert slugs == ["groen-energi-aarets-kampagne", "groen-energi-aarets-kampagne-2"]


def test_a_short_name_that_is_typed_wins(console: FlaskClient, post: Any) -> None:
    post("/console/campaigns/new", {**FORM, "slug": "green-2026"})
    assert db.session.scalar(select(Campaign.slug)) == "green-2026"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Cloud Week", "cloud-week"),
        ("  Sikkerhed & Compliance 2026!  ", "sikkerhed-compliance-2026"),
        ("Ærø Øst Åben", "aeroe-oest-aaben"),
        ("Café déjà vu", "cafe-deja-vu"),
        ("!!!", "campaign"),
        ("x" * 120, "x" * 80),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert campaign_svc.slugify(name) == slug


def test_last_day_of_both_end_conventions() -> None:
    assert campaign_svc.last_day(dt.datetime(2026, 4, 1, tzinfo=dt.UTC)) == dt.date(2026, 3, 31)
    end = dt.datetime(2026, 3, 31, 23, 59, 59, tzinfo=dt.UTC)
    assert campaign_svc.last_day(end) == dt.date(2026, 3, 31)
    assert campaign_svc.last_day(None) is None


def test_goal_metrics_show_labels_not_keys(console: FlaskClient, post: Any) -> None:
    campaign = Campaign(slug="c1", name="C1")
    db.session.add(campaign)
    db.session.flush()
    db.session.add(CampaignGoal(campaign_id=campaign.id, metric="signups", target=10))
    db.session.commit()
    html = console.get(f"/console/campaigns/{campaign.id}").get_data(as_text=True)
    assert "metric." not in html
    assert "Sign-ups" in html and '<option value="signups">Sign-ups</option>' in html
    listing = console.get("/console/campaigns").get_data(as_text=True)
    assert "metric." not in listing and "Sign-ups" in listing
