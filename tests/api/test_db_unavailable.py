"""A database that drops away while the response is built still answers 503, never 500."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import PendingRollbackError

from backend.extensions import db
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


def _drop_connection(session: Any) -> None:
    """Make the database end this session's connection, as a server restart does."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with db.engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
    else:
        conn.connection.dbapi_connection.close()


def test_a_connection_dropped_before_teardown_does_not_raise(app: Flask) -> None:
    """After a committed write, a response may still be in flight when the server drops the
    connection; the session's closing rollback then fails. The request must end normally (its
    2xx goes out) and the next request must get a working connection."""
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))  # a transaction is open, as after a commit + reload
        _drop_connection(db.session)
    # leaving the context ran the teardowns without raising
    with app.app_context():
        assert db.session.execute(sa.text("SELECT 1")).scalar_one() == 1


def test_a_failed_rollback_in_an_error_handler_still_answers(
    client: Any, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 4xx/503 path rolls back too; a connection that is gone must not turn it into a 500."""

    def _drop_then_fail(data: Any, actor_id: Any) -> Any:
        _drop_connection(db.session)
        raise PendingRollbackError("Can't reconnect until invalid transaction is rolled back")

    monkeypatch.setattr(svc, "create_employee", _drop_then_fail)
    resp = client.post(
        "/api/v1/employees",
        json={"email": "new@example.com", "name": "New Person"},
        headers=admin_headers,
    )
    assert resp.status_code == 503
    assert resp.json["error"]["code"] == "service_unavailable"
    assert client.get("/api/v1/employees", headers=admin_headers).status_code == 200
