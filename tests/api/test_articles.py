from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import (
    Article,
    ArticleCaption,
    AuditLog,
    Campaign,
    SuggestionImpression,
)
from backend.services.articles import canonicalise_url

URL = "/api/v1/articles"


def article_payload(**kw: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "canonical_url": "https://Example.COM/blog/zero-trust/?utm_source=x#top",
        "title": "Zero trust for Danish SMBs",
        "summary": "What zero trust means in practice.",
        "body": "Long body text.",
        "language": "en",
        "tags": ["Security", "zero-trust", "security"],
    }
    payload.update(kw)
    return payload


@pytest.fixture
def campaign(app: Any) -> Campaign:
    row = Campaign(slug="nis2-ready", name="NIS2 ready")
    db.session.add(row)
    db.session.commit()
    return row


def create(client: Any, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    resp = client.post(URL, json=article_payload(**kw), headers=headers)
    assert resp.status_code == 201, resp.json
    return resp.json  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("https://Example.COM/blog/post/", "https://example.com/blog/post"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        (
            "https://example.com/a?utm_source=li&id=3&UTM_MEDIUM=x#frag",
            "https://example.com/a?id=3",
        ),
        ("https://example.com/a?fbclid=1&gclid=2&b=&a=1", "https://example.com/a?b=&a=1"),
        ("https://www.example.com/A/", "https://www.example.com/A"),
    ],
)
def test_canonicalise_url(raw: str, canonical: str) -> None:
    assert canonicalise_url(raw) == canonical


def test_create_article_normalises_and_audits(
    client: Any, content_headers: dict[str, str], campaign: Campaign
) -> None:
    body = create(
        client,
        content_headers,
        campaign="nis2-ready",
        captions={"en": ["Worth a read", "Our take on zero trust"], "da": ["Værd at læse"]},
        published_at="2025-01-10T08:00:00",
    )
    assert body["canonical_url"] == "https://example.com/blog/zero-trust"
    assert body["tags"] == ["security", "zero-trust"]
    assert body["status"] == "draft"
    assert body["approved_at"] is None
    assert body["campaign"] == "nis2-ready"
    assert body["captions"] == {
        "en": ["Worth a read", "Our take on zero trust"],
        "da": ["Værd at læse"],
    }
    assert body["published_at"].startswith("2025-01-10T08:00:00")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "article.create"))
    assert entry is not None and entry.target_id == str(body["id"])


def test_create_approved_sets_approved_at(client: Any, content_headers: dict[str, str]) -> None:
    body = create(client, content_headers, status="approved")
    assert body["approved_at"] is not None


def test_duplicate_canonical_url_is_409(client: Any, content_headers: dict[str, str]) -> None:
    create(client, content_headers)
    resp = client.post(
        URL,
        json=article_payload(canonical_url="https://example.com/blog/zero-trust?utm_campaign=y"),
        headers=content_headers,
    )
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "conflict"
    assert "https://example.com/blog/zero-trust" in resp.json["error"]["message"]
    assert len(db.session.scalars(select(Article)).all()) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"canonical_url": "ftp://example.com/a"}, "canonical_url"),
        ({"canonical_url": "javascript:alert(1)"}, "canonical_url"),
        ({"canonical_url": "https://example.com/" + "a" * 2100}, "canonical_url"),
        ({"title": ""}, "title"),
        ({"title": "t" * 301}, "title"),
        ({"language": "dk"}, "language"),
        ({"status": "published"}, "status"),
        ({"image_url": "data:image/png;base64,AAA"}, "image_url"),
        ({"tags": ["x" * 51]}, "tags.0"),
        ({"tags": [f"t{i}" for i in range(31)]}, "tags"),
        ({"captions": {"xx": ["hi"]}}, "captions.xx.[key]"),
        ({"captions": {"en": [""]}}, "captions.en.0"),
        ({"campaign": "Not A Slug!"}, "campaign"),
        ({"colour": "red"}, "colour"),
        ({"summary": "s" * 2001}, "summary"),
    ],
)
def test_create_rejects_invalid_fields(
    client: Any, content_headers: dict[str, str], changes: dict[str, Any], field: str
) -> None:
    resp = client.post(URL, json=article_payload(**changes), headers=content_headers)
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["code"] == "validation_error"
    assert field in [d["field"] for d in resp.json["error"]["details"]]
    assert db.session.scalars(select(Article)).all() == []


def test_create_rejects_unknown_campaign_and_bad_dates(
    client: Any, content_headers: dict[str, str]
) -> None:
    resp = client.post(URL, json=article_payload(campaign="nope"), headers=content_headers)
    assert resp.status_code == 422
    assert resp.json["error"]["details"][0]["message"] == "unknown campaign 'nope'"
    resp = client.post(
        URL,
        json=article_payload(
            published_at="2025-02-01T00:00:00Z", expires_at="2025-01-01T00:00:00Z"
        ),
        headers=content_headers,
    )
    assert resp.status_code == 422
    assert "expires_at must be after published_at" in str(resp.json["error"]["details"])


def test_employees_cannot_use_articles(client: Any, employee_headers: dict[str, str]) -> None:
    assert client.get(URL, headers=employee_headers).status_code == 403
    resp = client.post(URL, json=article_payload(), headers=employee_headers)
    assert resp.status_code == 403
    assert resp.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", URL),
        ("post", URL),
        ("get", URL + "/1"),
        ("patch", URL + "/1"),
        ("delete", URL + "/1"),
        ("post", URL + "/import"),
    ],
)
def test_every_article_endpoint_needs_a_token_and_the_content_role(
    client: Any, employee_headers: dict[str, str], method: str, path: str
) -> None:
    assert getattr(client, method)(path).status_code == 401
    assert getattr(client, method)(path, headers=employee_headers).status_code == 403


def test_admin_may_write_articles(client: Any, admin_headers: dict[str, str]) -> None:
    create(client, admin_headers)


def test_get_and_404(client: Any, content_headers: dict[str, str]) -> None:
    body = create(client, content_headers)
    got = client.get(f"{URL}/{body['id']}", headers=content_headers)
    assert got.status_code == 200
    assert got.json == body
    missing = client.get(f"{URL}/999999", headers=content_headers)
    assert missing.status_code == 404
    assert missing.json["error"]["message"] == "article 999999 not found"


def test_list_filters(client: Any, content_headers: dict[str, str], campaign: Campaign) -> None:
    now = dt.datetime.now(dt.UTC)
    a = create(
        client,
        content_headers,
        canonical_url="https://example.com/a",
        title="Cloud costs in 2025",
        tags=["cloud"],
        status="approved",
        campaign="nis2-ready",
        expires_at=(now + dt.timedelta(days=3)).isoformat(),
    )
    b = create(
        client,
        content_headers,
        canonical_url="https://example.com/b",
        title="Sikkerhed i skyen",
        language="da",
        tags=["security", "cloud"],
        expires_at=(now + dt.timedelta(days=40)).isoformat(),
    )
    c = create(
        client,
        content_headers,
        canonical_url="https://example.com/c",
        title="Hiring 100% remote",
        tags=[],
    )

    def ids(**params: Any) -> list[int]:
        resp = client.get(URL, query_string=params, headers=content_headers)
        assert resp.status_code == 200, resp.json
        return [item["id"] for item in resp.json["items"]]

    assert ids() == [c["id"], b["id"], a["id"]]
    assert ids(status="approved") == [a["id"]]
    assert ids(language="da") == [b["id"]]
    assert ids(campaign="nis2-ready") == [a["id"]]
    assert ids(tag="cloud") == [b["id"], a["id"]]
    assert ids(tag="Security") == [b["id"]]
    assert ids(q="SKYEN") == [b["id"]]
    assert ids(q="100%") == [c["id"]]
    assert ids(q="_") == []
    assert ids(expiring_within_days=7) == [a["id"]]
    assert ids(expiring_within_days=60) == [b["id"], a["id"]]
    page = client.get(URL, query_string={"limit": 2, "offset": 1}, headers=content_headers).json
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 1
    assert [i["id"] for i in page["items"]] == [b["id"], a["id"]]


@pytest.mark.parametrize(
    "params",
    [{"status": "live"}, {"language": "xx"}, {"limit": 0}, {"expiring_within_days": -1}, {"x": 1}],
)
def test_list_rejects_bad_query(
    client: Any, content_headers: dict[str, str], params: dict[str, Any]
) -> None:
    resp = client.get(URL, query_string=params, headers=content_headers)
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "validation_error"


def test_patch_status_transitions(client: Any, content_headers: dict[str, str]) -> None:
    body = create(client, content_headers)
    path = f"{URL}/{body['id']}"
    approved = client.patch(path, json={"status": "approved"}, headers=content_headers)
    assert approved.status_code == 200
    assert approved.json["status"] == "approved"
    assert approved.json["approved_at"] is not None
    assert approved.json["updated_at"] >= body["updated_at"]
    archived = client.patch(path, json={"status": "archived"}, headers=content_headers).json
    assert archived["status"] == "archived"
    refused = client.patch(path, json={"status": "approved"}, headers=content_headers)
    assert refused.status_code == 409
    assert refused.json["error"]["message"] == (
        "an article cannot go from archived to approved; from archived it can go to draft"
    )
    restored = client.patch(path, json={"status": "draft"}, headers=content_headers).json
    assert restored["status"] == "draft" and restored["approved_at"] is None
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.target_id == str(body["id"]))
    ).all()
    assert actions.count("article.update") == 3


def test_patch_fields_captions_and_campaign(
    client: Any, content_headers: dict[str, str], campaign: Campaign
) -> None:
    body = create(client, content_headers, captions={"en": ["one"], "da": ["en"]})
    path = f"{URL}/{body['id']}"
    resp = client.patch(
        path,
        json={
            "title": "New title",
            "captions": {"en": ["two", "three"], "da": []},
            "campaign": "nis2-ready",
            "image_url": "https://cdn.example.com/i.png",
        },
        headers=content_headers,
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["title"] == "New title"
    assert resp.json["captions"] == {"en": ["two", "three"]}
    assert resp.json["campaign"] == "nis2-ready"
    cleared = client.patch(
        path, json={"campaign": None, "image_url": None}, headers=content_headers
    ).json
    assert cleared["campaign"] is None and cleared["image_url"] is None
    assert len(db.session.scalars(select(ArticleCaption)).all()) == 2


def test_patch_rejects_null_required_and_clashing_url(
    client: Any, content_headers: dict[str, str]
) -> None:
    first = create(client, content_headers, canonical_url="https://example.com/1")
    second = create(client, content_headers, canonical_url="https://example.com/2")
    resp = client.patch(f"{URL}/{second['id']}", json={"title": None}, headers=content_headers)
    assert resp.status_code == 422
    resp = client.patch(
        f"{URL}/{second['id']}",
        json={"canonical_url": "https://EXAMPLE.com/1/", "title": "changed"},
        headers=content_headers,
    )
    assert resp.status_code == 409
    assert f"article {first['id']} already has" in resp.json["error"]["message"]
    unchanged = client.get(f"{URL}/{second['id']}", headers=content_headers).json
    assert unchanged["title"] == second["title"]
    assert client.patch(f"{URL}/424242", json={}, headers=content_headers).status_code == 404


def test_delete_without_history_deletes(client: Any, content_headers: dict[str, str]) -> None:
    body = create(client, content_headers, captions={"en": ["x"]})
    resp = client.delete(f"{URL}/{body['id']}", headers=content_headers)
    assert resp.status_code == 200
    assert resp.json == {"id": body["id"], "outcome": "deleted"}
    assert db.session.get(Article, body["id"]) is None
    assert db.session.scalars(select(ArticleCaption)).all() == []
    assert client.delete(f"{URL}/{body['id']}", headers=content_headers).status_code == 404


def test_delete_with_history_archives(
    client: Any, content_headers: dict[str, str], make_employee: Any
) -> None:
    body = create(client, content_headers, status="approved")
    person = make_employee()
    db.session.add(
        SuggestionImpression(
            request_id="r1", employee_id=person.id, article_id=body["id"], rank=1, score=0.5
        )
    )
    db.session.commit()
    resp = client.delete(f"{URL}/{body['id']}", headers=content_headers)
    assert resp.json == {"id": body["id"], "outcome": "archived"}
    db.session.expire_all()
    article = db.session.get(Article, body["id"])
    assert article is not None and article.status == "archived"
    actions = db.session.scalars(select(AuditLog.action)).all()
    assert "article.archive" in actions
