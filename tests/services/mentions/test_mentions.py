from __future__ import annotations

from typing import Any

import pytest

POST_URL = "https://www.linkedin.com/posts/someone_our-company-activity-7200000000000000000-abcd"


def test_employee_flags_and_content_resolves(
    client: Any, headers_for: Any, make_employee: Any, content_headers: dict[str, str]
) -> None:
    person = make_employee()
    headers = headers_for(employee=person)
    resp = client.post(
        "/api/v1/mentions",
        json={"url": POST_URL, "snippet": "  Great work by the team  "},
        headers=headers,
    )
    assert resp.status_code == 201, resp.json
    mention = resp.json
    assert (mention["employee_id"], mention["status"], mention["snippet"]) == (
        person.id,
        "open",
        "Great work by the team",
    )
    again = client.post("/api/v1/mentions", json={"url": POST_URL}, headers=headers)
    assert again.status_code == 200 and again.json["id"] == mention["id"]

    listed = client.get("/api/v1/mentions?status=open", headers=content_headers).json
    assert [m["id"] for m in listed["items"]] == [mention["id"]]
    resolved = client.post(
        f"/api/v1/mentions/{mention['id']}/resolve",
        json={"note": "Thanked them"},
        headers=content_headers,
    )
    assert resolved.status_code == 200
    assert resolved.json["status"] == "resolved" and resolved.json["note"] == "Thanked them"
    assert resolved.json["resolved_at"] is not None
    assert client.get("/api/v1/mentions?status=open", headers=content_headers).json["total"] == 0
    twice = client.post(
        f"/api/v1/mentions/{mention['id']}/resolve", json={}, headers=content_headers
    )
    assert twice.status_code == 409


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "https://evil.example/linkedin.com/posts/x"}, "url"),
        ({"url": "https://linkedin.com.evil.example/posts/x"}, "url"),
        ({"url": "javascript:alert(1)//linkedin.com"}, "url"),
        ({"url": POST_URL, "snippet": "x" * 501}, "snippet"),
        ({"snippet": "no url"}, "url"),
        ({"url": POST_URL, "page_text": "everything"}, "page_text"),
    ],
)
def test_mention_validation(
    client: Any, employee_headers: dict[str, str], payload: dict[str, Any], field: str
) -> None:
    resp = client.post("/api/v1/mentions", json=payload, headers=employee_headers)
    assert resp.status_code == 422
    assert field in [d["field"] for d in resp.json["error"]["details"]]


def test_linkedin_subdomains_and_bare_host_are_accepted(
    client: Any, employee_headers: dict[str, str]
) -> None:
    for url in (
        "https://linkedin.com/feed/update/urn:li:activity:1",
        "https://dk.linkedin.com/posts/a",
    ):
        assert (
            client.post("/api/v1/mentions", json={"url": url}, headers=employee_headers).status_code
            == 201
        )


def test_mention_list_and_resolve_need_the_content_role(
    client: Any, employee_headers: dict[str, str], content_headers: dict[str, str]
) -> None:
    mention = client.post("/api/v1/mentions", json={"url": POST_URL}, headers=employee_headers).json
    assert client.get("/api/v1/mentions", headers=employee_headers).status_code == 403
    resp = client.post(
        f"/api/v1/mentions/{mention['id']}/resolve", json={}, headers=employee_headers
    )
    assert resp.status_code == 403
    assert (
        client.post("/api/v1/mentions/999/resolve", json={}, headers=content_headers).status_code
        == 404
    )
    assert client.post("/api/v1/mentions", json={"url": POST_URL}).status_code == 401


def test_the_server_redacts_snippets_itself(
    client: Any, employee_headers: dict[str, str], content_headers: dict[str, str]
) -> None:
    """Issue #13: a snippet sent unredacted (an old or a modified extension) is stored without
    names, e-mail addresses, @mentions or phone numbers."""
    raw = (
        "Great post by Anna Jensen about Herald! Mail anna.jensen@firma.dk, call +45 12 34 56 78, "
        "thanks @lars.hansen and Søren Østergaard-Nielsen. 12.345 people in 2024-2025."
    )
    resp = client.post(
        "/api/v1/mentions", json={"url": POST_URL, "snippet": raw}, headers=employee_headers
    )
    assert resp.status_code == 201, resp.json
    stored = client.get("/api/v1/mentions", headers=content_headers).json["items"][0]["snippet"]
    assert stored == (
        "Great post by [name] about Herald! Mail [email], call [phone], "
        "thanks [mention] and [name]. 12.345 people in 2024-2025."
    )
    for secret in ("Anna", "Jensen", "firma.dk", "12 34", "lars", "Søren"):
        assert secret not in stored
