"""Console fixtures: users with passwords, a signed-in test client, the CSRF token of a page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.console.auth import hash_password
from backend.extensions import db
from backend.models import Employee

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def make_console_user(make_employee: Callable[..., Employee]) -> Callable[..., Employee]:
    def _make(role: str = "content", password: str = PASSWORD, **kw: Any) -> Employee:
        person = make_employee(access_role=role, **kw)
        person.password_hash = hash_password(password)
        db.session.commit()
        return person

    return _make


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    page = client.get("/console/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/console/login", data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.fixture
def content_user(make_console_user: Callable[..., Employee]) -> Employee:
    return make_console_user("content", name="Carla Content", email="carla@example.com")


@pytest.fixture
def admin_user(make_console_user: Callable[..., Employee]) -> Employee:
    return make_console_user("admin", name="Adam Admin", email="adam@example.com")


@pytest.fixture
def console(app: Flask, content_user: Employee) -> FlaskClient:
    """A test client signed in as a content user."""
    client = app.test_client()
    resp = sign_in(client, content_user.email)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return client


@pytest.fixture
def admin_console(app: Flask, admin_user: Employee) -> FlaskClient:
    client = app.test_client()
    resp = sign_in(client, admin_user.email)
    assert resp.status_code == 302
    return client


class Poster:
    """POSTs with the CSRF token of the signed-in session."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self) -> str:
        return csrf_from(self.client.get("/console/").get_data(as_text=True))

    def __call__(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.token())
        return self.client.post(url, data=payload, **kw)


@pytest.fixture
def post(console: FlaskClient) -> Poster:
    return Poster(console)


@pytest.fixture
def admin_post(admin_console: FlaskClient) -> Poster:
    return Poster(admin_console)


@pytest.fixture
def signin() -> Callable[..., Any]:
    return sign_in


@pytest.fixture
def csrf() -> Callable[[str], str]:
    return csrf_from
