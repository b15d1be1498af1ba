"""``GET /api/v1/me/guidelines`` and ``POST /api/v1/me/guidelines/acknowledgement`` (issue #13,
item 6): every employee can read and acknowledge the guidelines; the panel codes against this."""

from __future__ import annotations

from typing import Any


def _publish(client: Any, headers: dict[str, str], title: str = "Guidelines") -> list[Any]:
    resp = client.post(
        "/api/v1/guidelines",
        json={
            "translations": [
                {"language": "en", "title": title, "body": "Be kind. Disclose you work here."},
                {"language": "da", "title": "Retningslinjer", "body": "Vær venlig."},
            ]
        },
        headers=headers,
    )
    assert resp.status_code == 201, resp.json
    return resp.json  # type: ignore[no-any-return]


def test_an_employee_reads_guidelines_before_and_after_publishing(
    client: Any, headers_for: Any, content_headers: dict[str, str]
) -> None:
    employee = headers_for("employee", languages=["da", "en"])
    # The old route is content/admin only: the panel must not need it.
    assert client.get("/api/v1/guidelines", headers=employee).status_code == 403
    empty = client.get("/api/v1/me/guidelines", headers=employee)
    assert empty.status_code == 200
    assert empty.json["published"] is False and empty.json["body"] is None
    _publish(client, content_headers)
    resp = client.get("/api/v1/me/guidelines", headers=employee)
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert (body["published"], body["version"], body["language"]) == (True, 1, "da")
    assert body["title"] == "Retningslinjer" and body["languages"] == ["da", "en"]
    assert (body["acknowledged"], body["acknowledged_at"]) == (False, None)
    en = client.get("/api/v1/me/guidelines?language=en", headers=employee).json
    assert en["body"] == "Be kind. Disclose you work here."


def test_acknowledging_the_current_version(
    client: Any, employee_headers: dict[str, str], content_headers: dict[str, str]
) -> None:
    url = "/api/v1/me/guidelines/acknowledgement"
    none_yet = client.post(url, json={"version": 1}, headers=employee_headers)
    assert none_yet.status_code == 404 and none_yet.json["error"]["code"] == "not_found"
    _publish(client, content_headers)
    first = client.post(url, json={"version": 1}, headers=employee_headers)
    assert first.status_code == 201, first.json
    again = client.post(url, json={"version": 1}, headers=employee_headers)
    assert again.status_code == 200
    assert again.json["acknowledged_at"] == first.json["acknowledged_at"]
    status = client.get("/api/v1/me/guidelines", headers=employee_headers).json
    assert status["acknowledged"] is True
    assert status["acknowledged_at"] == first.json["acknowledged_at"]
    _publish(client, content_headers, title="Guidelines v2")
    stale = client.post(url, json={"version": 1}, headers=employee_headers)
    assert stale.status_code == 409 and "current version (2)" in stale.json["error"]["message"]
    assert (
        client.get("/api/v1/me/guidelines", headers=employee_headers).json["acknowledged"] is False
    )
    bad = client.post(url, json={"version": "one"}, headers=employee_headers)
    assert bad.status_code == 422
