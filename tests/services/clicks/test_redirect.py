from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from sqlalchemy import event, select

from backend.extensions import db
from backend.models import Article, Click, TrackedLink
from backend.services import clicks, links

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
LINKEDIN_BOT = (
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
)

# Employees share from their own address; the clicks in these tests come from another one
# (a click from the sharer's address is a self-click, see test_self_clicks_*).
SHARER_ADDRESS = {"REMOTE_ADDR": "198.51.100.200"}


@pytest.fixture
def share(client: Any, headers_for: Any, make_employee: Any, make_article: Any) -> Any:
    """Share an article and return (tracked path, employee, article)."""

    def _share(
        url: str = "https://www.example.com/blog/post?lang=da", network: str = "linkedin", **kw: Any
    ) -> Any:
        person = make_employee()
        article = make_article(canonical_url=url, **kw)
        resp = client.post(
            "/api/v1/shares",
            json={"article_id": article.id, "network": network},
            headers=headers_for(employee=person),
            environ_base=SHARER_ADDRESS,
        )
        assert resp.status_code == 201, resp.json
        return "/r/" + resp.json["code"], person, article

    return _share


def _clicks() -> list[Click]:
    return list(db.session.scalars(select(Click).order_by(Click.id)))


def test_redirect_adds_utm_parameters(client: Any, share: Any) -> None:
    path, person, _ = share("https://www.example.com/blog/post?lang=da#section-2")
    resp = client.get(path, headers={"User-Agent": CHROME})
    assert resp.status_code == 302
    location = resp.headers["Location"]
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == (
        "https",
        "www.example.com",
        "/blog/post",
        "section-2",
    )
    assert parse_qsl(parts.query) == [
        ("lang", "da"),
        ("utm_source", "linkedin"),
        ("utm_medium", "employee_advocacy"),
        ("utm_campaign", "always-on"),
        ("utm_content", person.public_ref),
    ]
    assert person.name not in location
    assert resp.headers["Cache-Control"] == "no-store"


def test_redirect_replaces_old_utm_and_uses_the_campaign_slug(
    client: Any, share: Any, make_campaign: Any
) -> None:
    campaign = make_campaign(slug="q3-cloud")
    path, _, _ = share(
        "https://www.example.com/p?utm_source=newsletter&UTM_Medium=email&id=7",
        network="x",
        campaign_id=campaign.id,
    )
    query = dict(parse_qsl(urlsplit(client.get(path).headers["Location"]).query))
    assert query["utm_source"] == "x"
    assert query["utm_medium"] == "employee_advocacy"
    assert query["utm_campaign"] == "q3-cloud"
    assert query["id"] == "7"
    assert "UTM_Medium" not in query


def test_utm_medium_is_configurable(make_app: Callable[..., Flask], share: Any) -> None:
    path, _, _ = share()
    resp = make_app(UTM_MEDIUM="social_advocacy").test_client().get(path)
    query = dict(parse_qsl(urlsplit(resp.headers["Location"]).query))
    assert query["utm_medium"] == "social_advocacy"


def test_a_click_is_recorded_without_the_ip(client: Any, share: Any) -> None:
    path, _, _ = share()
    client.get(
        path,
        headers={"User-Agent": CHROME, "Referer": "https://www.linkedin.com/feed/?trk=x"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    (click,) = _clicks()
    assert click.referrer_host == "www.linkedin.com"
    assert click.ua_class == "desktop"
    assert click.is_bot is False
    assert len(click.visitor_hash) == 64
    assert click.visitor_hash != hashlib.sha256(b"203.0.113.9").hexdigest()
    row = db.session.execute(select(Click.__table__)).one()
    assert "203.0.113.9" not in repr(tuple(row))


def test_visitor_hash_counts_unique_visitors_per_day(client: Any, share: Any) -> None:
    path, _, _ = share()
    for ip, ua in [
        ("198.51.100.1", CHROME),
        ("198.51.100.1", CHROME),
        ("198.51.100.2", CHROME),
        ("198.51.100.1", IPHONE),
    ]:
        client.get(path, headers={"User-Agent": ua}, environ_base={"REMOTE_ADDR": ip})
    hashes = [c.visitor_hash for c in _clicks()]
    assert len(hashes) == 4
    assert hashes[0] == hashes[1]
    assert len(set(hashes)) == 3


def test_visitor_hash_is_salted_and_daily() -> None:
    import datetime as dt

    day = dt.date(2025, 3, 1)
    base = clicks.visitor_hash("salt-a", day, "192.0.2.1", CHROME)
    assert base != clicks.visitor_hash("salt-b", day, "192.0.2.1", CHROME)
    assert base != clicks.visitor_hash("salt-a", day + dt.timedelta(days=1), "192.0.2.1", CHROME)


@pytest.mark.parametrize(
    ("method", "headers", "ua_class"),
    [
        ("GET", {"User-Agent": LINKEDIN_BOT}, "bot"),
        ("GET", {"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"}, "bot"),
        ("GET", {"User-Agent": "facebookexternalhit/1.1"}, "bot"),
        ("HEAD", {"User-Agent": CHROME}, "desktop"),
        ("GET", {"User-Agent": CHROME, "Purpose": "prefetch"}, "desktop"),
        ("GET", {"User-Agent": CHROME, "Sec-Purpose": "prefetch;prerender"}, "desktop"),
    ],
)
def test_bots_prefetches_and_head_requests_are_flagged(
    client: Any, share: Any, method: str, headers: dict[str, str], ua_class: str
) -> None:
    path, _, _ = share()
    resp = client.open(path, method=method, headers=headers)
    assert resp.status_code == 302
    (click,) = _clicks()
    assert click.is_bot is True
    assert click.ua_class == ua_class


@pytest.mark.parametrize(
    ("ua", "expected"),
    [
        (CHROME, "desktop"),
        (IPHONE, "mobile"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36", "mobile"),
        (LINKEDIN_BOT, "bot"),
        ("curl/8.5.0", "bot"),
        ("Mozilla/5.0 (compatible; GOOGLEBOT/2.1)", "bot"),  # any case
        ("Mozilla/5.0 (IPHONE; CPU OS 17_5)", "mobile"),
        ("Mozilla/5.0 (MACINTOSH; Intel Mac OS X 14_5)", "desktop"),
        ("HeadlessChrome/126.0", "bot"),
        ("", "other"),
        ("SomethingElse/1.0", "other"),
    ],
)
def test_user_agent_classes(ua: str, expected: str) -> None:
    assert clicks.classify_user_agent(ua) == expected


def test_unknown_code_gets_an_html_404(client: Any) -> None:
    resp = client.get("/r/NoSuchCode1")
    assert resp.status_code == 404
    assert resp.mimetype == "text/html"
    assert b"Link not found" in resp.data
    assert "Location" not in resp.headers
    assert _clicks() == []


@pytest.mark.parametrize(
    "stored",
    [
        "javascript:alert(1)",
        "//evil.example/path",
        "https://www.example.com\\@evil.example/",
        "https://user@evil.example/",
        "data:text/html,<script>alert(1)</script>",
        "http:/evil.example",
        "ftp://files.example.com/x",
        "https://www.example.com/a b",
        "https://www.example.com/\r\nSet-Cookie: x=1",
        "JAVASCRIPT://%0aalert(1)",
    ],
)
def test_an_unsafe_stored_url_is_never_a_redirect(client: Any, share: Any, stored: str) -> None:
    path, _, article = share()
    db.session.get(Article, article.id).canonical_url = stored
    db.session.commit()
    tracking_cache = client.application.extensions.get("herald_redirect_cache")
    if tracking_cache is not None:
        tracking_cache.clear()
    resp = client.get(path)
    assert resp.status_code == 404
    assert "Location" not in resp.headers
    assert _clicks() == []


@pytest.mark.parametrize(
    "path",
    [
        "/r/%2F%2Fevil.example",
        "/r/javascript:alert(1)",
        "/r/https:%2F%2Fevil.example",
        "/r/%0d%0aLocation:%20https:%2F%2Fevil.example",
        "/r/..%2F..%2Fapi",
        "/r/abc%00",
        "/r//evil.example",
        "/r/abc/def",
    ],
)
def test_request_tricks_get_the_404_page(client: Any, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404
    assert "Location" not in resp.headers


def test_the_request_cannot_choose_the_destination(client: Any, share: Any) -> None:
    path, _, _ = share("https://www.example.com/landing")
    resp = client.get(
        path + "?next=https://evil.example&url=//evil.example",
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert resp.status_code == 302
    assert urlsplit(resp.headers["Location"]).netloc == "www.example.com"
    assert "evil" not in resp.headers["Location"]


def test_redirect_is_exempt_from_the_default_rate_limit(client: Any, share: Any) -> None:
    path, _, _ = share()
    per_minute = int(client.application.config["RATELIMIT_DEFAULT"].split()[0])
    statuses = {client.get(path).status_code for _ in range(per_minute + 5)}
    assert statuses == {302}
    assert len(_clicks()) == per_minute + 5
    # The same client is limited elsewhere, so the limit is really on.
    other = [client.get("/api/v1/me").status_code for _ in range(per_minute + 1)]
    assert other[-1] == 429


def test_archived_article_links_keep_working(client: Any, share: Any) -> None:
    path, _, article = share()
    db.session.get(Article, article.id).status = "archived"
    db.session.commit()
    assert client.get(path).status_code == 302


def test_target_cache_expires() -> None:
    cache = links.TargetCache(ttl=0.0)
    cache.put("abc", links.Target(link_id=1, location="https://x.example/"))
    assert cache.get("abc") is None
    cache = links.TargetCache(ttl=60.0)
    cache.put("abc", links.Target(link_id=1, location="https://x.example/"))
    assert cache.get("abc") == links.Target(link_id=1, location="https://x.example/")


def test_my_shares_count_human_clicks_only(
    client: Any, headers_for: Any, make_employee: Any, make_article: Any
) -> None:
    person = make_employee()
    headers = headers_for(employee=person)
    article = make_article()
    code = client.post(
        "/api/v1/shares",
        json={"article_id": article.id, "network": "linkedin"},
        headers=headers,
        environ_base=SHARER_ADDRESS,
    ).json["code"]
    client.get(f"/r/{code}", headers={"User-Agent": CHROME})
    client.get(f"/r/{code}", headers={"User-Agent": LINKEDIN_BOT})
    client.head(f"/r/{code}", headers={"User-Agent": CHROME})
    link = db.session.scalars(select(TrackedLink)).one()
    assert len(_clicks()) == 3 and all(c.link_id == link.id for c in _clicks())
    assert client.get("/api/v1/me/shares", headers=headers).json["items"][0]["clicks"] == 1


def test_a_code_not_cached_yet_is_one_query_outside_a_transaction(
    client: Any, headers_for: Any, make_employee: Any, make_article: Any
) -> None:
    """The first click on a code looks the link up in one statement (link, URL, sharer, campaign
    and every address it was shared from), on PostgreSQL without a transaction (no BEGIN and
    no ROLLBACK around it); clicks from any of the sharer's addresses are still self-clicks."""
    person = make_employee()
    headers = headers_for(employee=person)
    article = make_article()
    second_address = {"REMOTE_ADDR": "198.51.100.201"}
    for where in (SHARER_ADDRESS, second_address, SHARER_ADDRESS):
        code = client.post(
            "/api/v1/shares",
            json={"article_id": article.id, "network": "linkedin"},
            headers=headers,
            environ_base=where,
        ).json["code"]
    client.application.extensions["herald_redirect_cache"].clear()
    selects: list[tuple[str, object]] = []

    def seen(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            info = getattr(conn.connection.dbapi_connection, "info", None)
            selects.append((statement, getattr(info, "transaction_status", None)))

    engine = db.engine
    event.listen(engine, "after_cursor_execute", seen)
    try:
        first = client.get(
            f"/r/{code}", headers={"User-Agent": CHROME}, environ_base=second_address
        )
    finally:
        event.remove(engine, "after_cursor_execute", seen)
    assert first.status_code == 302
    assert len(selects) == 1, [s for s, _ in selects]
    if engine.dialect.name == "postgresql":
        from psycopg.pq import TransactionStatus

        assert selects[0][1] == TransactionStatus.IDLE  # autocommit: nothing left open
    for where in (SHARER_ADDRESS, {"REMOTE_ADDR": "203.0.113.9"}):
        client.get(f"/r/{code}", headers={"User-Agent": CHROME}, environ_base=where)
    assert [c.ua_class for c in _clicks()] == ["self", "self", "desktop"]
