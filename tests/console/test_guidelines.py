"""Guidelines (versioned, acknowledged) and training cards."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.extensions import db
from backend.models import Guideline, TrainingCard


def test_empty_states(console: FlaskClient) -> None:
    html = console.get("/console/guidelines").get_data(as_text=True)
    assert "No guidelines yet." in html and "No training cards yet." in html


def test_publish_versions_in_two_languages(console: FlaskClient, post: Any) -> None:
    resp = post(
        "/console/guidelines",
        {
            "title_en": "Be yourself",
            "body_en": "Add a sentence of your own.",
            "title_da": "",
            "body_da": "",
        },
    )
    assert resp.status_code == 302
    post(
        "/console/guidelines",
        {"title_en": "Be yourself", "body_en": "v2", "title_da": "Vær dig selv", "body_da": "v2"},
    )
    rows = db.session.scalars(
        select(Guideline).order_by(Guideline.version, Guideline.language)
    ).all()
    assert [(g.version, g.language) for g in rows] == [(1, "en"), (2, "da"), (2, "en")]
    html = console.get("/console/guidelines").get_data(as_text=True)
    assert "version 2" in html and "Vær dig selv" in html
    assert "0 of 1 active employees have acknowledged" in html


def test_bad_guideline_is_reported(console: FlaskClient, post: Any) -> None:
    resp = post("/console/guidelines", {"title_en": "Only a title", "body_en": ""})
    html = console.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Not published:" in html
    assert db.session.scalar(select(Guideline)) is None


def test_training_cards(console: FlaskClient, post: Any) -> None:
    post(
        "/console/training-cards",
        {"title": "Tag people", "body": "Mention a colleague.", "language": "en", "position": "0"},
    )
    card = db.session.scalar(select(TrainingCard))
    assert card is not None and card.title == "Tag people"
    assert "Mention a colleague." in console.get("/console/guidelines").get_data(as_text=True)
    post(f"/console/training-cards/{card.id}/delete")
    assert db.session.scalar(select(TrainingCard)) is None
    resp = post("/console/training-cards", {"title": "", "body": ""})
    html = console.get(resp.headers["Location"]).get_data(as_text=True)
    assert "The card was not added" in html
