"""Content workflow: four-eyes approval (configurable), bulk approve of imported drafts, the
import template and column guide, campaign names in an import, caption variants in the preview."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.extensions import db
from backend.models import Article, Campaign, Employee
from backend.services import importers
from tests.console.conftest import Poster, sign_in

CSV = (
    "url,title,language,campaign\n"
    "https://example.com/a,Article A,en,Grøn Energi\n"
    "https://example.com/b,Article B,da,groen-energi\n"
    "https://example.com/c,Article C,en,\n"
)


def _import(post: Any, text: str = CSV) -> Any:
    return post(
        "/console/articles/import",
        {"file": (io.BytesIO(text.encode()), "articles.csv"), "format": ""},
        content_type="multipart/form-data",
    )


def _campaign() -> Campaign:
    campaign = Campaign(slug="groen-energi", name="Grøn Energi")
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_campaign_names_in_an_import_are_understood(app: Flask, post: Any) -> None:
    campaign = _campaign()
    resp = _import(post)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    rows = {a.title: a for a in db.session.scalars(select(Article))}
    assert rows["Article A"].campaign_id == campaign.id  # by name
    assert rows["Article B"].campaign_id == campaign.id  # by short name
    assert rows["Article C"].campaign_id is None


def test_unknown_campaign_is_a_readable_row_error(app: Flask) -> None:
    _campaign()
    report = importers.import_articles(
        "url,title,campaign\nhttps://example.com/x,X,Summer Push 2026\n", "csv", None
    )
    (error,) = report.errors
    assert error.field == "campaign"
    assert error.message == (
        "unknown campaign 'Summer Push 2026' (use its name or short name; campaigns: "
        "Grøn Energi (groen-energi))"
    )
    assert "pattern" not in error.message and "^[a-z0-9]" not in error.message


def test_import_template_round_trips_through_the_importer(app: Flask, console: FlaskClient) -> None:
    resp = console.get("/console/articles/import/template.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    header = next(csv.reader(io.StringIO(text)))
    assert header[0] == "canonical_url" and "caption_da" in header
    report = importers.import_articles(text, "csv", None, dry_run=True)
    assert report.errors == [] and report.created == 2


def test_import_page_has_the_column_guide(app: Flask, console: FlaskClient) -> None:
    html = console.get("/console/articles/import").get_data(as_text=True)
    assert 'id="column-guide"' in html and 'id="import-template"' in html
    for column in ("canonical_url", "campaign", "caption_xx", "tags"):
        assert f"<code>{column}</code>" in html
    assert "import.col." not in html


def test_bulk_approve_imported_drafts(app: Flask, post: Any) -> None:
    _campaign()
    html = _import(post).get_data(as_text=True)
    assert 'id="approve-imported"' in html and "Approve all 3 imported drafts" in html
    ids = [a.id for a in db.session.scalars(select(Article))]
    resp = post("/console/articles/approve", {"ids": [str(i) for i in ids]})
    assert resp.status_code == 302
    db.session.expire_all()
    assert {a.status for a in db.session.scalars(select(Article))} == {"approved"}


def test_four_eyes_author_cannot_approve_own_article(
    app: Flask,
    post: Any,
    make_console_user: Callable[..., Employee],
) -> None:
    app.config["FOUR_EYES"] = True
    _campaign()
    _import(post)  # imported by the signed-in content user: they are the author
    ids = [str(a.id) for a in db.session.scalars(select(Article))]
    post("/console/articles/approve", {"ids": ids})
    db.session.expire_all()
    assert {a.status for a in db.session.scalars(select(Article))} == {"draft"}
    one = db.session.scalar(select(Article).where(Article.title == "Article A"))
    assert one is not None
    post(f"/console/articles/{one.id}/status", {"status": "approved"})
    db.session.refresh(one)
    assert one.status == "draft"

    other = make_console_user("content", email="second@example.com")
    client = app.test_client()
    assert sign_in(client, other.email).status_code == 302
    Poster(client)("/console/articles/approve", {"ids": ids})
    db.session.expire_all()
    approved = list(db.session.scalars(select(Article)))
    assert {a.status for a in approved} == {"approved"}
    assert {a.approved_by_id for a in approved} == {other.id}


def test_four_eyes_in_the_api(
    app: Flask, client: FlaskClient, make_employee: Callable[..., Employee], token_for: Any
) -> None:
    app.config["FOUR_EYES"] = True
    author = make_employee(access_role="content")
    approver = make_employee(access_role="content")
    h_author = {"Authorization": f"Bearer {token_for(author, 'content')}"}
    h_approver = {"Authorization": f"Bearer {token_for(approver, 'content')}"}
    body = {"canonical_url": "https://example.com/z", "title": "Z"}
    refused = client.post("/api/v1/articles", json={**body, "status": "approved"}, headers=h_author)
    assert refused.status_code == 403
    assert "four-eyes rule" in refused.get_json()["error"]["message"]
    created = client.post("/api/v1/articles", json=body, headers=h_author).get_json()
    own = client.patch(
        f"/api/v1/articles/{created['id']}", json={"status": "approved"}, headers=h_author
    )
    assert own.status_code == 403
    ok = client.patch(
        f"/api/v1/articles/{created['id']}", json={"status": "approved"}, headers=h_approver
    )
    assert ok.status_code == 200 and ok.get_json()["status"] == "approved"


def test_four_eyes_off_lets_a_single_author_publish(
    app: Flask, client: FlaskClient, make_employee: Callable[..., Employee], token_for: Any
) -> None:
    assert app.config["FOUR_EYES"] is False
    author = make_employee(access_role="content")
    headers = {"Authorization": f"Bearer {token_for(author, 'content')}"}
    body = {"canonical_url": "https://example.com/z", "title": "Z", "status": "approved"}
    assert client.post("/api/v1/articles", json=body, headers=headers).status_code == 201


def test_preview_shows_the_first_variant_and_a_count(app: Flask, post: Any) -> None:
    resp = post(
        "/console/articles/new",
        {
            "canonical_url": "https://example.com/p",
            "title": "P",
            "language": "en",
            "captions_en": "First variant\n---\nSecond variant",
            "captions_da": "",
        },
    )
    article = db.session.scalar(select(Article))
    assert article is not None, resp.get_data(as_text=True)
    html = post.client.get(f"/console/articles/{article.id}").get_data(as_text=True)
    card = html.split('data-preview-target="caption">')[1].split("</div>")[0]
    # One whole variant (the recommender picks which per employee), never the separator.
    assert card.strip() in ("First variant", "Second variant") and "---" not in card
    assert "+1 more variant(s)" in html
