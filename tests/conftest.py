"""Shared fixtures: a real database (SQLite by default, PostgreSQL when DATABASE_URL says so),
migrated once per session with Alembic and emptied after every test."""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from backend import create_app
from backend.extensions import db, limiter
from backend.models import Employee

ROOT = Path(__file__).resolve().parents[1]


def _database_url(tmp_root: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_root / 'herald-test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _database_url(tmp_path_factory.mktemp("db"))
    engine = sa.create_engine(url)
    if engine.dialect.name == "postgresql":
        # A fresh schema per run.
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from backend.cli import upgrade_database

        upgrade_database()
        db.engine.dispose()
    return url


def _reads_database_url(path: Path) -> bool:
    """The module, or a conftest.py between it and tests/, reads DATABASE_URL itself (a server
    it starts, a PostgreSQL-only feature). This file reads it for everyone: not counted."""
    tests = ROOT / "tests"
    candidates = [path] + [
        d / "conftest.py" for d in path.parents if d != tests and tests in d.parents
    ]
    return any(
        c.is_file() and '"DATABASE_URL"' in c.read_text(encoding="utf-8") for c in candidates
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``db`` every test whose outcome can depend on which database DATABASE_URL names: it
    uses the ``database_url`` fixture (directly or through ``app``, ``client``...) or reads the
    variable itself. CI runs the whole suite on SQLite and the ``db`` tests again on PostgreSQL;
    the rest (own SQLite file, no database, the browser suites) would only repeat themselves."""
    seen: dict[Path, bool] = {}
    for item in items:
        path = Path(str(item.fspath))
        if path not in seen:
            seen[path] = _reads_database_url(path)
        if "database_url" in getattr(item, "fixturenames", ()) or seen[path]:
            item.add_marker(pytest.mark.db)


def _empty_all_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-" + "x" * 40,
        "ARTIFACTS_DIR": str(tmp_path / "artifacts"),
        "ENCODER": "hashing",
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_BASE_URL": "http://herald.test",
    }


# The recommender's short-lived background threads (embedding, catalog rebuild, warm-up, encoder
# build) each hold a pooled connection while they run: one still running when a test ends would
# write into the next test's tables, or keep a connection the disposed pool no longer closes.
_RUNTIME_THREADS = (
    "herald-embed",
    "herald-catalog",
    "herald-recommender-warmup",
    "herald-encoder-build",
)


def _join_runtime_threads(timeout: float = 60.0) -> None:
    for thread in threading.enumerate():
        if thread.name in _RUNTIME_THREADS and thread is not threading.current_thread():
            thread.join(timeout)


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    with app.app_context():
        limiter.reset()
        try:
            yield app
        finally:
            _join_runtime_threads()
            db.session.rollback()
            db.session.remove()
            _empty_all_tables()
            db.engine.dispose()


@pytest.fixture
def make_app(
    app_config: dict[str, Any], request: pytest.FixtureRequest
) -> Iterator[Callable[..., Flask]]:
    """Another app for one test (other settings, the same database): ``make_app(KEY=value)``, or
    ``make_app(config)`` for a whole config. When the test ends its background threads are joined,
    its tables emptied and its connection pool closed: a pool left to the garbage collector closes
    nothing, and psycopg's "deleted while still open" ResourceWarning then fails whichever later
    test the collector happens to run in."""
    made: list[Flask] = []

    def _make(config: dict[str, Any] | None = None, **overrides: Any) -> Flask:
        other = create_app({**(app_config if config is None else config), **overrides})
        made.append(other)
        return other

    yield _make
    _join_runtime_threads()
    # The ``app`` fixture, where the test has one, empties the tables after rolling its own
    # session back; emptying them here first could wait on that session's row locks.
    empty = "app" not in request.fixturenames
    for other in made:
        with other.app_context():
            db.session.remove()
            if empty:
                _empty_all_tables()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_employee(app: Flask) -> Callable[..., Employee]:
    """Create an employee directly in the database."""

    def _make(**kw: Any) -> Employee:
        n = secrets.token_hex(4)
        defaults: dict[str, Any] = {
            "email": f"person-{n}@example.com",
            "name": f"Person {n}",
            "job_title": "Account Executive",
            "role_text": "Sales",
            "department": "Sales",
            "team": "Nordics",
            "languages": ["en"],
            "interests": [],
            "network_size": 500,
            "consents": {"leaderboard": True},
            "access_role": "employee",
            "public_ref": secrets.token_hex(8),
        }
        defaults.update(kw)
        employee = Employee(**defaults)
        db.session.add(employee)
        db.session.commit()
        return employee

    return _make


@pytest.fixture
def token_for(app: Flask) -> Callable[[Employee, str], str]:
    """A raw bearer token for ``employee`` with ``role``."""
    from backend.services.employees import issue_token

    def _token(employee: Employee, role: str = "employee") -> str:
        raw, _ = issue_token(employee, role, 30)
        db.session.commit()
        return raw

    return _token


@pytest.fixture
def headers_for(
    make_employee: Callable[..., Employee], token_for: Callable[[Employee, str], str]
) -> Callable[..., dict[str, str]]:
    """Authorization headers for a new employee with the given role (``employee`` by default)."""

    def _headers(
        role: str = "employee", employee: Employee | None = None, **kw: Any
    ) -> dict[str, str]:
        person = employee or make_employee(access_role=role, **kw)
        return {"Authorization": f"Bearer {token_for(person, role)}"}

    return _headers


@pytest.fixture
def employee_headers(headers_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    return headers_for("employee")


@pytest.fixture
def content_headers(headers_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    return headers_for("content")


@pytest.fixture
def admin_headers(headers_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    return headers_for("admin")


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Any]:
    """One Playwright driver for the whole run: the extension and the console browser tests share
    it (a second sync_playwright() inside the first one's event loop is refused)."""
    chromium = os.environ.get("HERALD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip(f"Chromium not found at {chromium} (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p
