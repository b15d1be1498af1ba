"""Articles in the console: list and filters, create/edit with preview, status, captions, import."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.extensions import db
from backend.models import Article, ArticleCaption, Campaign, utcnow


def _article(**kw: Any) -> Article:
    slug = str(kw.get("title", "a")).lower().replace(" ", "-")
    defaults: dict[str, Any] = {
        "canonical_url": f"https://nordvind.example/blog/{slug}",
        "title": "A title",
        "summary": "A summary",
        "language": "en",
        "status": "draft",
    }
    defaults.update(kw)
    article = Article(**defaults)
    db.session.add(article)
    db.session.commit()
    return article


def test_empty_list_says_what_to_do(console: FlaskClient) -> None:
    html = console.get("/console/articles").get_data(as_text=True)
    assert "No articles match." in html
    assert "/console/articles/new" in html and "/console/articles/import" in html


def test_list_search_and_filters(console: FlaskClient) -> None:
    campaign = Campaign(slug="cloud", name="Cloud week")
    db.session.add(campaign)
    db.session.commit()
    _article(title="Cloud security basics", status="approved", campaign_id=campaign.id)
    _article(title="Kunstig intelligens i praksis", language="da")
    _article(
        title="Expiring soon",
        status="approved",
        expires_at=utcnow() + dt.timedelta(days=3),
    )
    _article(title="Old news", status="archived")

    def titles(qs: str) -> str:
        return console.get("/console/articles" + qs).get_data(as_text=True)

    assert "4 articles match." in titles("")
    html = titles("?q=cloud")
    assert "Cloud security basics" in html and "Old news" not in html
    html = titles("?status=approved")
    assert "Cloud security basics" in html and "Expiring soon" in html and "Old news" not in html
    assert "Kunstig intelligens" in titles("?language=da")
    assert "1 articles match." in titles("?language=da")
    html = titles("?campaign=cloud")
    assert "Cloud security basics" in html and "Expiring soon" not in html
    html = titles("?expiring=7")
    assert "Expiring soon" in html and "Cloud security" not in html
    # A filter that makes no sense is reported, not a 500.
    html = titles("?status=bogus")
    assert "Some filters were not understood" in html


def test_create_preview_approve(console: FlaskClient, post: Any) -> None:
    form = console.get("/console/articles/new").get_data(as_text=True)
    assert "Side panel preview" in form
    resp = post(
        "/console/articles/new",
        {
            "canonical_url": "https://nordvind.example/blog/zero-trust/?utm_source=x",
            "title": "Zero trust in ten minutes",
            "summary": "What zero trust means for a mid-size company.",
            "language": "en",
            "tags": "Security, cloud",
            "captions_en": "We wrote this for you.\n---\nA short read on zero trust.",
            "captions_da": "",
            "expires_at": "2030-01-01",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    article = db.session.scalar(select(Article).where(Article.title.like("Zero trust%")))
    assert article is not None
    assert article.canonical_url == "https://nordvind.example/blog/zero-trust"
    assert article.status == "draft" and article.tags == ["security", "cloud"]
    assert [c.text for c in article.captions] == [
        "We wrote this for you.",
        "A short read on zero trust.",
    ]
    html = console.get(resp.headers["Location"]).get_data(as_text=True)
    # The preview shows the card as the side panel would: title, summary, a team caption.
    assert 'class="suggestion"' in html
    assert "Zero trust in ten minutes" in html
    assert "We wrote this for you." in html or "A short read on zero trust." in html
    assert "Published today" in html
    resp = post(f"/console/articles/{article.id}/status", {"status": "approved"})
    assert resp.status_code == 302
    db.session.refresh(article)
    assert article.status == "approved" and article.approved_at is not None
    # Approved → archived → cannot be approved directly (service rule, shown as a message).
    post(f"/console/articles/{article.id}/status", {"status": "archived"})
    resp = post(f"/console/articles/{article.id}/status", {"status": "approved"})
    html = console.get(resp.headers["Location"]).get_data(as_text=True)
    assert "cannot go from archived to approved" in html


def test_create_shows_field_errors(console: FlaskClient, post: Any) -> None:
    resp = post(
        "/console/articles/new",
        {"canonical_url": "ftp://x", "title": "", "language": "en", "expires_at": "soon"},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Use the format YYYY-MM-DD." in html
    resp = post(
        "/console/articles/new", {"canonical_url": "ftp://x", "title": "", "language": "en"}
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "http:// or https://" in html
    assert 'aria-invalid="true"' in html


def test_duplicate_url_is_a_form_error(console: FlaskClient, post: Any) -> None:
    _article(title="First", canonical_url="https://nordvind.example/x")
    resp = post(
        "/console/articles/new",
        {"canonical_url": "https://nordvind.example/x/", "title": "Second", "language": "en"},
    )
    assert resp.status_code == 422
    assert "already exists" in resp.get_data(as_text=True)


def test_edit_captions_per_language(console: FlaskClient, post: Any) -> None:
    article = _article(title="Edit me")
    article.captions.append(ArticleCaption(language="de", text="Hallo"))
    db.session.commit()
    html = console.get(f"/console/articles/{article.id}").get_data(as_text=True)
    assert 'name="captions_de"' in html and "Hallo" in html
    resp = post(
        f"/console/articles/{article.id}",
        {
            "canonical_url": article.canonical_url,
            "title": "Edited",
            "language": "da",
            "captions_en": "",
            "captions_da": "Læs den her\n---\nGod pointe",
            "captions_de": "",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    db.session.refresh(article)
    assert article.title == "Edited" and article.language == "da"
    assert sorted((c.language, c.text) for c in article.captions) == [
        ("da", "God pointe"),
        ("da", "Læs den her"),
    ]


def test_unknown_article_is_a_404_page(console: FlaskClient) -> None:
    resp = console.get("/console/articles/999999")
    assert resp.status_code == 404
    assert resp.mimetype == "text/html" and "Not found" in resp.get_data(as_text=True)


CSV = (
    "url,title,summary,language,tags\n"
    "https://nordvind.example/a,Article A,Sum A,en,cloud;ai\n"
    "notaurl,Broken,,en,\n"
    "https://nordvind.example/b,Article B,Sum B,da,\n"
)


def test_import_csv_reports_per_row(console: FlaskClient, post: Any) -> None:
    resp = post(
        "/console/articles/import",
        {"file": (io.BytesIO(CSV.encode()), "articles.csv"), "format": ""},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    html = resp.get_data(as_text=True)
    assert "Import report" in html
    assert 'id="import-report"' in html
    assert "canonical_url" in html  # the failed row names its field
    assert db.session.scalar(select(Article).where(Article.title == "Article B")) is not None
    # Importing again changes nothing.
    resp = post(
        "/console/articles/import",
        {"file": (io.BytesIO(CSV.encode()), "articles.csv")},
        content_type="multipart/form-data",
    )
    assert "unchanged" in resp.get_data(as_text=True)


def test_import_dry_run_and_jsonl(console: FlaskClient, post: Any) -> None:
    body = b'{"canonical_url": "https://nordvind.example/j", "title": "From JSONL"}\n'
    resp = post(
        "/console/articles/import",
        {"file": (io.BytesIO(body), "feed.jsonl"), "dry_run": "on"},
        content_type="multipart/form-data",
    )
    assert "dry run" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Article).where(Article.title == "From JSONL")) is None


def test_import_rss(console: FlaskClient, post: Any) -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>
    <language>da-DK</language><item><title>Nyhed</title><link>https://nordvind.example/nyhed</link>
    <description>Kort</description></item></channel></rss>"""
    resp = post(
        "/console/articles/import",
        {"file": (io.BytesIO(rss), "blog.xml")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200
    article = db.session.scalar(select(Article).where(Article.title == "Nyhed"))
    assert article is not None and article.language == "da"


def test_import_without_file_or_with_unknown_format(console: FlaskClient, post: Any) -> None:
    resp = post("/console/articles/import", {}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "Choose a file" in resp.get_data(as_text=True)
    resp = post(
        "/console/articles/import",
        {"file": (io.BytesIO(b"x"), "notes.txt")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "could not be told" in resp.get_data(as_text=True)
