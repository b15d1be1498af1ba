"""Feed subscriptions by URL (issue #15), against a real local HTTP server serving a feed
(synthetic RSS): conditional GET, new items only, as drafts; timeouts, size limit, SSRF."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from backend.errors import ValidationFailed
from backend.extensions import db
from backend.models import Article, FeedSubscription
from backend.services import feed_subscriptions as feeds
from tests.services.local_http import Answer, Site, local_site


def rss(*items: tuple[str, str]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>{url}</link>"
        f"<description>About {title}</description></item>"
        for url, title in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Nordvind blog</title><language>da-DK</language>{body}</channel></rss>"
    ).encode()


ONE = ("https://www.example.com/blog/one", "Første indlæg")
TWO = ("https://www.example.com/blog/two", "Andet indlæg")
THREE = ("https://www.example.com/blog/three", "Tredje indlæg")


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The test feed server listens on 127.0.0.1, which a deployment must allow explicitly."""
    return {
        **app_config,
        "FEED_ALLOW_PRIVATE_NETWORKS": True,
        "FEED_TIMEOUT_SECONDS": 1.0,
        "FEED_MAX_BYTES": 20_000,
    }


@pytest.fixture
def site(app: Any) -> Iterator[Site]:
    with local_site() as s:
        yield s


def _articles() -> dict[str, Article]:
    db.session.expire_all()
    return {a.canonical_url: a for a in db.session.scalars(select(Article))}


def test_new_items_become_drafts_and_an_unchanged_feed_costs_a_304(site: Site) -> None:
    site.answer(
        "/feed.xml",
        Answer(
            200, rss(ONE, TWO), {"ETag": '"v1"', "Last-Modified": "Sat, 05 Dec 2026 10:00:00 GMT"}
        ),
        Answer(304, b""),
    )
    sub = feeds.subscribe(site.base_url + "/feed.xml", None, None)
    assert feeds.poll(sub) == "ok"
    arts = _articles()
    assert set(arts) == {ONE[0], TWO[0]}
    assert {a.status for a in arts.values()} == {"draft"}
    assert arts[ONE[0]].language == "da"  # from the channel
    assert sub.items_imported == 2 and sub.etag == '"v1"'

    assert feeds.poll(sub) == "not_modified"
    second = site.received[-1]["headers"]
    assert second["If-None-Match"] == '"v1"'
    assert second["If-Modified-Since"] == "Sat, 05 Dec 2026 10:00:00 GMT"
    assert len(_articles()) == 2


def test_only_items_not_seen_before_are_imported(site: Site) -> None:
    site.answer("/feed.xml", Answer(200, rss(ONE), {"ETag": '"v1"'}))
    sub = feeds.subscribe(site.base_url + "/feed.xml", "en", None)
    feeds.poll(sub)
    first = _articles()[ONE[0]]
    first.status, first.title = "approved", "Edited by the content team"
    db.session.commit()
    site.answer("/feed.xml", Answer(200, rss(ONE, THREE), {"ETag": '"v2"'}))
    assert feeds.poll(sub) == "ok"
    arts = _articles()
    assert set(arts) == {ONE[0], THREE[0]}
    assert (arts[ONE[0]].status, arts[ONE[0]].title) == ("approved", "Edited by the content team")
    assert arts[THREE[0]].status == "draft"
    assert sub.items_imported == 2 and sub.etag == '"v2"'


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answer(200, rss(ONE), delay=2.5), "could not reach"),  # slower than the 1 s timeout
        (Answer(200, b"<rss>" + b" " * 30_000 + b"</rss>"), "bytes"),  # over FEED_MAX_BYTES
        (Answer(500, b"oops"), "answered 500"),
        (Answer(200, b"this is not xml"), "not well-formed"),
    ],
)
def test_a_failing_feed_says_why_and_imports_nothing(
    site: Site, answer: Answer, message: str
) -> None:
    site.answer("/feed.xml", answer)
    sub = feeds.subscribe(site.base_url + "/feed.xml", None, None)
    assert feeds.poll(sub) == "error"
    row = db.session.get(FeedSubscription, sub.id)
    assert row is not None and row.last_status == "error"
    assert message in row.last_error, row.last_error
    assert _articles() == {}


def test_subscribing_twice_is_a_conflict_and_bad_urls_are_refused(site: Site) -> None:
    feeds.subscribe(site.base_url + "/feed.xml", None, None)
    from backend.errors import Conflict

    with pytest.raises(Conflict):
        feeds.subscribe(site.base_url + "/feed.xml", None, None)
    for bad in ("ftp://example.com/feed", "javascript:alert(1)", "https://user:pw@example.com/f"):
        with pytest.raises(ValidationFailed):
            feeds.subscribe(bad, None, None)


def test_internal_addresses_are_refused_without_the_setting(app: Any, site: Site) -> None:
    app.config["FEED_ALLOW_PRIVATE_NETWORKS"] = False
    for url in (site.base_url + "/feed.xml", "http://localhost/feed", "http://169.254.169.254/"):
        with pytest.raises(ValidationFailed, match="not allowed"):
            feeds.subscribe(url, None, None)
    # A name is checked when it is fetched: this machine's name resolves to an internal address.
    host = socket.gethostname()
    try:
        address = socket.getaddrinfo(host, None)[0][4][0]
    except OSError:
        pytest.skip(f"{host} does not resolve here")
    if ipaddress.ip_address(address).is_global:
        pytest.skip(f"{host} resolves to a public address here")
    site.answer("/feed.xml", Answer(200, rss(ONE)))
    port = site.base_url.rsplit(":", 1)[1]
    sub = feeds.subscribe(f"http://{host}:{port}/feed.xml", None, None)
    assert feeds.poll(sub) == "error"
    assert "internal network address" in sub.last_error
    assert site.received == []  # nothing was sent to it
    assert _articles() == {}


def test_the_periodic_task_polls_active_feeds(site: Site) -> None:
    from backend.services import adoption_tasks

    site.answer("/a.xml", Answer(200, rss(ONE)))
    site.answer("/b.xml", Answer(200, rss(TWO)))
    feeds.subscribe(site.base_url + "/a.xml", None, None)
    paused = feeds.subscribe(site.base_url + "/b.xml", None, None)
    paused.active = False
    db.session.commit()
    adoption_tasks.poll_feeds.call_local()
    assert set(_articles()) == {ONE[0]}
