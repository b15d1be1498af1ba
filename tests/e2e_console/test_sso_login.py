"""OIDC single sign-on in Chromium against a real local OpenID provider (oidc-provider-mock on
127.0.0.1): the console's "Sign in with your company account" button, the provider's login page,
back to the console signed in; an employee gets a pairing code instead of the console."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.live_server import live_server
from tests.oidc_provider import oidc_provider

pytestmark = pytest.mark.e2e

USERS = {
    "carla-sub": {"email": "carla.sso@example.com", "email_verified": True, "name": "Carla"},
    "emil-sub": {"email": "emil.sso@example.com", "email_verified": True},
}


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:

    from backend import create_app
    from backend.extensions import db
    from backend.models import Employee

    tmp: Path = tmp_path_factory.mktemp("sso-e2e")
    with oidc_provider(USERS) as issuer:
        server = live_server(lambda e, s: app(e, s))
        base_url = f"http://127.0.0.1:{server.server_port}"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'herald.db'}",
                "SECRET_KEY": "e2e-sso-" + "x" * 40,
                "ARTIFACTS_DIR": str(tmp / "artifacts"),
                "ENCODER": "hashing",
                "RATELIMIT_ENABLED": False,
                "CONSOLE_COOKIE_SECURE": False,
                "LOG_LEVEL": "WARNING",
                "PUBLIC_BASE_URL": base_url,
                "OIDC_ISSUER": issuer,
                "OIDC_CLIENT_ID": "herald-console",
                "OIDC_CLIENT_SECRET": "e2e-secret",
            }
        )
        assert app.test_cli_runner().invoke(args=["db-upgrade"]).exit_code == 0
        with app.app_context():
            for email, role, name in (
                ("carla.sso@example.com", "content", "Carla Content"),
                ("emil.sso@example.com", "employee", "Emil Employee"),
            ):
                db.session.add(
                    Employee(email=email, name=name, access_role=role, public_ref=email[:8])
                )
            db.session.commit()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield base_url
        server.shutdown()


def test_console_sign_in_with_the_company_account(page: Any, sso_server: str) -> None:
    page.goto(sso_server + "/console/login")
    page.click("#sso-login")
    # The provider's own login page (on another origin), where the user is chosen.
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/oauth2/authorize"))
    page.get_by_role("button", name="carla-sub").click()
    page.wait_for_url(sso_server + "/console/")
    expect(page.locator(".who")).to_contain_text("Carla Content")


def test_employee_pairs_through_sso(page: Any, sso_server: str) -> None:
    page.goto(sso_server + "/console/login")
    page.click("#sso-pair")
    page.get_by_role("button", name="emil-sub").click()
    code = page.locator("#pairing-code")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{5}-[A-Z0-9]{5}$"))
    page.goto(sso_server + "/console/")
    expect(page).to_have_url(re.compile(r"/console/login"))  # no console session for employees
