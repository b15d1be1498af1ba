from __future__ import annotations

from typing import Any

import pytest


def test_me_requires_token(client: Any) -> None:
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "unauthorized"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_me_returns_the_tokens_employee(client: Any, headers_for: Any, make_employee: Any) -> None:
    person = make_employee(name="Mette Holm", languages=["da", "en"])
    resp = client.get("/api/v1/me", headers=headers_for(employee=person))
    assert resp.status_code == 200
    assert resp.json["name"] == "Mette Holm"
    assert resp.json["languages"] == ["da", "en"]


def test_patch_me_updates_own_fields(client: Any, employee_headers: dict[str, str]) -> None:
    resp = client.patch(
        "/api/v1/me",
        json={
            "role_text": "Cloud security architect",
            "interests": ["cloud", "security"],
            "languages": ["DA", "en"],
            "consents": {"profile_snapshots": True},
        },
        headers=employee_headers,
    )
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["role_text"] == "Cloud security architect"
    assert body["languages"] == ["da", "en"]
    assert body["consents"]["profile_snapshots"] is True
    again = client.get("/api/v1/me", headers=employee_headers).json
    assert again["interests"] == ["cloud", "security"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"languages": ["xx"]}, "languages.0"),
        ({"languages": []}, "languages"),
        ({"access_role": "admin"}, "access_role"),
        ({"role_text": "x" * 501}, "role_text"),
        ({"network_size": -1}, "network_size"),
        ({"consents": {"sell_my_data": True}}, "consents.sell_my_data"),
    ],
)
def test_patch_me_rejects_invalid_fields(
    client: Any, employee_headers: dict[str, str], payload: dict[str, Any], field: str
) -> None:
    before = client.get("/api/v1/me", headers=employee_headers).json
    resp = client.patch("/api/v1/me", json=payload, headers=employee_headers)
    assert resp.status_code == 422
    err = resp.json["error"]
    assert err["code"] == "validation_error"
    assert field in [d["field"] for d in err["details"]]
    assert client.get("/api/v1/me", headers=employee_headers).json == before
