"""A database that drops away while the response is built still answers 503, never 500."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import PendingRollbackError

from backend.services import employees as svc


class _Expired:
    """An ORM object whose attributes reload from a database that has just gone away."""

    def __getattr__(self, name: str) -> Any:
        raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back")


def test_serialising_after_the_database_went_away_is_503(
    client: Any, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(svc, "create_employee", lambda data, actor_id: _Expired())
    resp = client.post(
        "/api/v1/employees",
        json={"email": "new@example.com", "name": "New Person"},
        headers=admin_headers,
    )
    assert resp.status_code == 503
    assert resp.json["error"]["code"] == "service_unavailable"
    assert resp.headers["Retry-After"]


def test_a_real_validation_bug_in_a_response_stays_500(
    client: Any, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class _Broken:
        def __getattr__(self, name: str) -> Any:
            raise KeyError(name)

    monkeypatch.setattr(svc, "create_employee", lambda data, actor_id: _Broken())
    resp = client.post(
        "/api/v1/employees",
        json={"email": "new@example.com", "name": "New Person"},
        headers=admin_headers,
    )
    assert resp.status_code == 500
    assert resp.json["error"] == {
        "code": "internal_error",
        "message": "internal server error",
        "details": [],
    }
