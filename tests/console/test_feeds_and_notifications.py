"""Console: Articles → Feeds (subscribe by URL, check now, unsubscribe) and Mentions →
Notifications (admins set the chat webhook), against a real local HTTP feed (issue #15)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.extensions import db
from backend.models import Article, FeedSubscription
from backend.services import mention_notifications as notes
from tests.console.conftest import Poster
from tests.services.local_http import Answer, Site, local_site

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
    b"<item><title>Hello feed</title><link>https://www.example.com/blog/hello</link></item>"
    b"</channel></rss>"
)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "FEED_ALLOW_PRIVATE_NETWORKS": True}


@pytest.fixture
def site(app: Any) -> Iterator[Site]:
    with local_site() as s:
        s.answer("/feed.xml", Answer(200, FEED, {"ETag": '"a"'}))
        yield s


def test_subscribe_check_now_and_unsubscribe(
    console: FlaskClient, post: Poster, site: Site
) -> None:
    page = console.get("/console/articles/feeds").get_data(as_text=True)
    assert "No feeds yet." in page
    resp = post("/console/articles/feeds", {"url": site.base_url + "/feed.xml", "language": "en"})
    assert resp.status_code == 302
    sub = db.session.scalars(select(FeedSubscription)).one()
    resp = post(f"/console/articles/feeds/{sub.id}/poll", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "Checked: new posts were added as drafts." in html
    article = db.session.scalars(select(Article)).one()
    assert (article.title, article.status, article.language) == ("Hello feed", "draft", "en")
    assert post(f"/console/articles/feeds/{sub.id}/delete").status_code == 302
    assert db.session.scalars(select(FeedSubscription)).all() == []
    assert db.session.scalars(select(Article)).one().title == "Hello feed"  # articles stay


def test_a_refused_feed_address_keeps_the_form_and_says_why(
    console: FlaskClient, post: Poster
) -> None:
    resp = post("/console/articles/feeds", {"url": "ftp://example.com/feed"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "The feed was not added:" in html and "ftp://example.com/feed" in html
    assert db.session.scalars(select(FeedSubscription)).all() == []


def test_feeds_page_in_danish(console: FlaskClient, post: Poster) -> None:
    post("/console/language", {"lang": "da"})
    html = console.get("/console/articles/feeds").get_data(as_text=True)
    assert "Abonnér" in html and "Ingen feeds endnu." in html


def test_only_admins_change_mention_notifications(
    console: FlaskClient, post: Poster, admin_post: Poster
) -> None:
    hook = "https://hooks.example.com/services/T000/B000/XXXX"
    post("/console/mentions/notifications", {"webhook_url": hook, "email": "on"})
    assert notes.settings().webhook_url == ""
    resp = admin_post("/console/mentions/notifications", {"webhook_url": hook, "email": "on"})
    assert resp.status_code == 302
    assert notes.settings().webhook_url == hook
    resp = admin_post(
        "/console/mentions/notifications", {"webhook_url": "http://169.254.169.254/"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Not saved:" in resp.get_data(as_text=True)
    assert notes.settings().webhook_url == hook
