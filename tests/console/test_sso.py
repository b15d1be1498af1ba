"""OIDC single sign-on against a real local OpenID provider (oidc-provider-mock on localhost):
discovery, authorization code, ID token signature and nonce are checked by Authlib for real."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.extensions import db
from backend.models import Employee, ExternalIdentity
from tests.oidc_provider import oidc_provider

USERS = {
    "carla-sub": {"email": "carla@example.com", "email_verified": True, "name": "Carla"},
    "emil-sub": {"email": "emil@example.com", "email_verified": True},
    "stranger-sub": {"email": "stranger@example.com", "email_verified": True},
    "unverified-sub": {"email": "emil@example.com", "email_verified": False},
}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with oidc_provider(USERS) as issuer:
        yield issuer


@pytest.fixture
def app_config(app_config: dict[str, Any], provider: str) -> dict[str, Any]:
    return {
        **app_config,
        "OIDC_ISSUER": provider,
        "OIDC_CLIENT_ID": "herald-console",
        "OIDC_CLIENT_SECRET": "console-secret",
    }


def _sign_in_at_provider(client: FlaskClient, start: str, sub: str) -> Any:
    """Follow the redirect to the provider, pick the user there, come back with the code."""
    resp = client.get(start)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    authorize = resp.headers["Location"]
    assert "nonce=" in authorize and "state=" in authorize
    back = httpx.post(authorize, data={"sub": sub}, follow_redirects=False)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/console/sso/callback"
    return client.get(f"{callback.path}?{callback.query}")


def test_content_user_signs_in_to_the_console(
    app: Flask, make_employee: Callable[..., Employee]
) -> None:
    carla = make_employee(email="carla@example.com", access_role="content")
    client = app.test_client()
    resp = _sign_in_at_provider(client, "/console/sso/login?next=/console/articles", "carla-sub")
    assert resp.status_code == 302 and resp.headers["Location"] == "/console/articles"
    assert client.get("/console/articles").status_code == 200
    link = db.session.scalar(select(ExternalIdentity))
    assert link is not None and (link.employee_id, link.subject) == (carla.id, "carla-sub")


def test_login_page_offers_sso(app: Flask, client: FlaskClient) -> None:
    html = client.get("/console/login").get_data(as_text=True)
    assert 'id="sso-login"' in html and 'id="sso-pair"' in html


def test_employee_gets_a_pairing_code_not_the_console(
    app: Flask, make_employee: Callable[..., Employee]
) -> None:
    make_employee(email="emil@example.com", access_role="employee")
    client = app.test_client()
    denied = _sign_in_at_provider(client, "/console/sso/login", "emil-sub")
    assert denied.status_code == 403
    assert client.get("/console/").status_code == 302  # not signed in

    paired = _sign_in_at_provider(client, "/console/sso/pair", "emil-sub")
    assert paired.status_code == 200
    code = re.search(r'id="pairing-code">([A-Z0-9-]+)<', paired.get_data(as_text=True))
    assert code is not None
    resp = app.test_client().post("/api/v1/auth/pair", json={"code": code.group(1)})
    assert resp.status_code == 200 and resp.get_json()["employee"]["email"] == "emil@example.com"


def test_unknown_person_is_refused(app: Flask) -> None:
    resp = _sign_in_at_provider(app.test_client(), "/console/sso/login", "stranger-sub")
    assert resp.status_code == 401
    assert "not known to Herald" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Employee)) is None  # SSO never creates accounts


def test_unverified_email_does_not_match(
    app: Flask, make_employee: Callable[..., Employee]
) -> None:
    make_employee(email="emil@example.com", access_role="content")
    resp = _sign_in_at_provider(app.test_client(), "/console/sso/login", "unverified-sub")
    assert resp.status_code == 401


def test_deactivated_person_is_refused(app: Flask, make_employee: Callable[..., Employee]) -> None:
    make_employee(email="carla@example.com", access_role="admin", is_active=False)
    resp = _sign_in_at_provider(app.test_client(), "/console/sso/login", "carla-sub")
    assert resp.status_code == 401


def test_forged_callback_is_refused(app: Flask, make_employee: Callable[..., Employee]) -> None:
    make_employee(email="carla@example.com", access_role="content")
    client = app.test_client()
    client.get("/console/sso/login")
    resp = client.get("/console/sso/callback?code=made-up&state=made-up")
    assert resp.status_code == 401
    assert "did not complete" in resp.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_sso_routes_are_absent_without_configuration(app: Flask) -> None:
    app.extensions.pop("herald.oidc")
    client = app.test_client()
    assert client.get("/console/sso/login").status_code == 404
    assert 'id="sso-login"' not in client.get("/console/login").get_data(as_text=True)
