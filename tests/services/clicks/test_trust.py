"""Issue #13 regressions on tracking: IRI redirects on both paths, one URL validator, the
allow-list, and the anti-gaming rules (repeat shares, implausible engagement, self-clicks)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import Click, IntegrityFlag, Share

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SHARER = {"REMOTE_ADDR": "198.51.100.200"}
VISITOR = {"REMOTE_ADDR": "192.0.2.44"}


def _share(client: Any, headers: dict[str, str], article_id: int, **environ: str) -> Any:
    resp = client.post(
        "/api/v1/shares",
        json={"article_id": article_id, "network": "linkedin"},
        headers=headers,
        environ_base=environ or SHARER,
    )
    assert resp.status_code == 201, resp.json
    return resp.json


def _clicks() -> list[Click]:
    db.session.rollback()
    return list(db.session.scalars(select(Click).order_by(Click.id)))


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.dk/da/sådan-gør-vi",
        "https://www.example.com/blog/it’s-here?q=blåbær",
        "https://bücher.example/æøå",
    ],
)
def test_non_ascii_article_urls_redirect_byte_exact_on_both_paths(
    client: Any, headers_for: Any, make_article: Any, url: str
) -> None:
    article = make_article(canonical_url=url)
    code = _share(client, headers_for(), article.id)["code"]
    first = client.get(f"/r/{code}", headers={"User-Agent": CHROME}, environ_base=VISITOR)
    second = client.get(f"/r/{code}", headers={"User-Agent": CHROME}, environ_base=VISITOR)
    third = client.get(f"/r/{code}", headers={"User-Agent": CHROME}, environ_base=VISITOR)
    assert [r.status_code for r in (first, second, third)] == [302, 302, 302]
    locations = {r.headers["Location"] for r in (first, second, third)}
    assert len(locations) == 1  # Flask view and fast path send the same bytes
    (location,) = locations
    assert location.isascii()
    parts = urlsplit(location)
    # Decoding the URI gives back the IRI's path: the same page, not a mojibake one.
    assert unquote(parts.path) == urlsplit(url).path
    assert len(_clicks()) == 3


def test_an_article_that_cannot_be_redirected_to_stores_no_click(
    client: Any, headers_for: Any, make_article: Any
) -> None:
    """A stored URL the validator refuses now (written before the rule) is a 404, no click."""
    article = make_article(canonical_url="http://169.254.169.254/latest/meta-data")
    code = _share(client, headers_for(), article.id)["code"]
    resp = client.get(f"/r/{code}", headers={"User-Agent": CHROME})
    assert resp.status_code == 404
    assert _clicks() == []


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.com/a\\b",
        "https://www.example.com/a\x7fb",
        "http://[::1]/admin",
        "http://169.254.169.254/latest",
        "http://127.0.0.1:5000/console/",
        "http://localhost/x",
        "https://user@www.example.com/x",
        "http://2130706433/",
    ],
)
def test_article_create_refuses_what_the_redirect_would_refuse(
    client: Any, content_headers: dict[str, str], url: str
) -> None:
    resp = client.post(
        "/api/v1/articles", json={"canonical_url": url, "title": "T"}, headers=content_headers
    )
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["details"][0]["field"] == "canonical_url"


def test_article_import_uses_the_same_validator(
    client: Any, content_headers: dict[str, str]
) -> None:
    body = "canonical_url,title\nhttp://169.254.169.254/x,Metadata\nhttps://www.example.com/ok,Ok\n"
    resp = client.post(
        "/api/v1/articles/import",
        data=body.encode(),
        headers={**content_headers, "Content-Type": "text/csv"},
    )
    assert resp.status_code in (200, 207), resp.json
    assert resp.json["created"] == 1
    assert resp.json["errors"][0]["field"] == "canonical_url"


def test_the_allow_list_limits_redirect_targets(
    app: Any, client: Any, headers_for: Any, make_article: Any, content_headers: Any
) -> None:
    app.config["REDIRECT_ALLOWED_DOMAINS"] = ["example.com"]
    ok = client.post(
        "/api/v1/articles",
        json={"canonical_url": "https://blog.example.com/x", "title": "T"},
        headers=content_headers,
    )
    assert ok.status_code == 201, ok.json
    refused = client.post(
        "/api/v1/articles",
        json={"canonical_url": "https://evil.example.org/x", "title": "T"},
        headers=content_headers,
    )
    assert refused.status_code == 422
    assert "allowed domains" in refused.json["error"]["details"][0]["message"]
    # An article stored before the list was set no longer redirects (and stores no click).
    old = make_article(canonical_url="https://old.example.net/x")
    code = _share(client, headers_for(), old.id)["code"]
    assert client.get(f"/r/{code}").status_code == 404
    assert _clicks() == []


# --- anti-gaming ------------------------------------------------------------------------------


def test_a_share_counts_once_per_employee_article_and_day(
    client: Any,
    headers_for: Any,
    make_employee: Any,
    make_article: Any,
    admin_headers: dict[str, str],
) -> None:
    person = make_employee()
    headers = headers_for(employee=person)
    article = make_article()
    for _ in range(30):
        code = _share(client, headers, article.id)["code"]
    shares = db.session.scalars(select(Share)).all()
    assert len(shares) == 30  # every share is kept
    assert sum(s.counted for s in shares) == 1
    # The extension sees the post (issue #15: only confirmed shares count).
    confirmed = client.post("/api/v1/me/shares/confirm", json={"codes": [code]}, headers=headers)
    assert confirmed.json == {"confirmed": 30}
    stats = client.get("/api/v1/analytics/overview", headers=admin_headers)
    assert stats.status_code == 200, stats.json
    assert stats.json["shares"] == 1  # the number that points and goals are made of
    flags = db.session.scalars(select(IntegrityFlag.kind)).all()
    assert flags == ["repeat_share"]


def test_engagement_is_monotone_and_capped_by_network_size(
    client: Any, headers_for: Any, make_employee: Any, make_article: Any
) -> None:
    person = make_employee(network_size=500)
    headers = headers_for(employee=person)
    share_id = _share(client, headers, make_article().id)["share_id"]
    url = f"/api/v1/shares/{share_id}/engagement"
    a = client.post(url, json={"reactions": 40, "comments": 5, "reposts": 1}, headers=headers)
    assert a.status_code in (200, 201) and a.json["reactions"] == 40
    b = client.post(
        url, json={"reactions": 1_000_000, "comments": 2, "reposts": 1}, headers=headers
    )
    assert b.json["reactions"] == 100 + 2 * 500  # capped
    assert b.json["comments"] == 5  # never goes down
    kinds = sorted(db.session.scalars(select(IntegrityFlag.kind)))
    assert kinds == ["engagement_capped", "engagement_decreased"]


def test_network_size_is_bounded(client: Any, employee_headers: dict[str, str]) -> None:
    resp = client.patch("/api/v1/me", json={"network_size": 100_000_000}, headers=employee_headers)
    assert resp.status_code == 422
    assert resp.json["error"]["details"][0]["field"] == "network_size"


def test_self_clicks_with_a_rotating_user_agent_do_not_count(
    client: Any, headers_for: Any, make_employee: Any, make_article: Any
) -> None:
    person = make_employee()
    headers = headers_for(employee=person)
    code = _share(client, headers, make_article().id)["code"]
    for n in range(5):  # the sharer, from the address they shared from, new UA each time
        ua = CHROME.replace("126.0", f"12{n}.0")
        assert (
            client.get(f"/r/{code}", headers={"User-Agent": ua}, environ_base=SHARER).status_code
            == 302
        )
    # with their own token, from anywhere
    client.get(f"/r/{code}", headers={"User-Agent": CHROME, **headers}, environ_base=VISITOR)
    # a real visitor
    client.get(f"/r/{code}", headers={"User-Agent": CHROME}, environ_base=VISITOR)
    rows = _clicks()
    assert [c.ua_class for c in rows] == ["self"] * 6 + ["desktop"]
    assert [c.is_bot for c in rows] == [True] * 6 + [False]
    mine = client.get("/api/v1/me/shares", headers=headers).json["items"][0]
    assert mine["clicks"] == 1
