"""Console sign-in: roles, lockout, CSRF, session cookie flags, sign-out, language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend import create_app
from backend.console.auth import PasswordPolicyError, set_password
from backend.errors import ConfigError
from backend.extensions import db
from backend.models import AuditLog, Employee, utcnow

PASSWORD = "correct horse battery staple"


def test_pages_need_sign_in(client: FlaskClient) -> None:
    resp = client.get("/console/articles?status=draft")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/console/login?next=")
    assert (
        "status%3Ddraft" in resp.headers["Location"] or "status=draft" in resp.headers["Location"]
    )


def test_sign_in_and_out(client: FlaskClient, content_user: Employee, signin: Any) -> None:
    resp = signin(client, content_user.email)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/console/"
    home = client.get("/console/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "Carla Content" in html
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    out = client.post("/console/logout", data={"csrf_token": token})
    assert out.status_code == 302
    assert client.get("/console/").status_code == 302
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "console.sign_in"))


def test_sign_in_redirects_only_to_console_paths(
    app: Flask, content_user: Employee, csrf: Callable[[str], str]
) -> None:
    for target, expected in [
        ("/console/articles", "/console/articles"),
        ("https://evil.example/", "/console/"),
        ("//evil.example/console", "/console/"),
        ("/console\\@evil.example", "/console/"),
    ]:
        client = app.test_client()
        token = csrf(client.get("/console/login").get_data(as_text=True))
        resp = client.post(
            "/console/login",
            data={
                "email": content_user.email,
                "password": PASSWORD,
                "csrf_token": token,
                "next": target,
            },
        )
        assert resp.headers["Location"] == expected


def test_wrong_password_is_refused(
    client: FlaskClient, content_user: Employee, signin: Any
) -> None:
    resp = signin(client, content_user.email, "wrong password!!")
    assert resp.status_code == 401
    assert "E-mail or password is wrong," in resp.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_unknown_email_gets_the_same_answer(client: FlaskClient, signin: Any) -> None:
    resp = signin(client, "nobody@example.com", "whatever password")
    assert resp.status_code == 401
    assert "E-mail or password is wrong," in resp.get_data(as_text=True)


def test_lockout_after_five_failures(
    client: FlaskClient, content_user: Employee, signin: Any
) -> None:
    for _ in range(4):
        assert signin(client, content_user.email, "nope nope nope").status_code == 401
    fifth = signin(client, content_user.email, "nope nope nope")
    assert "locked for 15 minutes" in fifth.get_data(as_text=True)
    db.session.refresh(content_user)
    assert content_user.locked_until is not None
    assert content_user.locked_until > utcnow() + dt.timedelta(minutes=14)
    # Even the right password is refused while locked.
    right = signin(client, content_user.email, PASSWORD)
    assert right.status_code == 401
    assert "locked" in right.get_data(as_text=True)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "console.lockout"))


def test_lock_expires(client: FlaskClient, content_user: Employee, signin: Any) -> None:
    content_user.locked_until = utcnow() - dt.timedelta(seconds=1)
    content_user.failed_logins = 3
    db.session.commit()
    assert signin(client, content_user.email).status_code == 302
    db.session.refresh(content_user)
    assert content_user.failed_logins == 0
    assert content_user.locked_until is None


def test_success_resets_the_failure_count(
    client: FlaskClient, content_user: Employee, signin: Any
) -> None:
    for _ in range(3):
        signin(client, content_user.email, "nope nope nope")
    assert signin(client, content_user.email).status_code == 302
    db.session.refresh(content_user)
    assert content_user.failed_logins == 0


def test_employees_get_a_403_page(
    client: FlaskClient, make_console_user: Callable[..., Employee], signin: Any
) -> None:
    person = make_console_user("employee")
    resp = signin(client, person.email)
    assert resp.status_code == 403
    html = resp.get_data(as_text=True)
    assert "browser" in html and "extension" in html
    assert resp.mimetype == "text/html"
    assert client.get("/console/").status_code == 302


def test_demoted_user_loses_access_at_once(console: FlaskClient, content_user: Employee) -> None:
    assert console.get("/console/").status_code == 200
    content_user.access_role = "employee"
    db.session.commit()
    assert console.get("/console/").status_code == 403


def test_deactivated_user_is_signed_out(console: FlaskClient, content_user: Employee) -> None:
    content_user.is_active = False
    db.session.commit()
    assert console.get("/console/").status_code == 302


def test_content_user_cannot_open_admin_pages(console: FlaskClient) -> None:
    resp = console.get("/console/people/invite")
    assert resp.status_code == 403
    assert "Your role does not give access" in resp.get_data(as_text=True)


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_post_without_the_csrf_token_is_refused(console: FlaskClient, token: str | None) -> None:
    data: dict[str, Any] = {"canonical_url": "https://example.com/a", "title": "A"}
    if token is not None:
        data["csrf_token"] = token
    resp = console.post("/console/articles/new", data=data)
    assert resp.status_code == 400
    assert "did not come from this console" in resp.get_data(as_text=True)


def test_login_post_needs_csrf_too(client: FlaskClient, content_user: Employee) -> None:
    resp = client.post("/console/login", data={"email": content_user.email, "password": PASSWORD})
    assert resp.status_code == 400


def test_session_is_renewed_on_sign_in(
    client: FlaskClient, content_user: Employee, csrf: Callable[[str], str]
) -> None:
    before = csrf(client.get("/console/login").get_data(as_text=True))
    client.post(
        "/console/login",
        data={"email": content_user.email, "password": PASSWORD, "csrf_token": before},
    )
    after = csrf(client.get("/console/").get_data(as_text=True))
    assert after != before


def _cookie_header(resp: Any) -> str:
    return next(v for k, v in resp.headers.items() if k == "Set-Cookie" and "herald_console" in v)


def test_console_cookie_secure_setting(make_app: Callable[..., Flask]) -> None:
    app = make_app(CONSOLE_COOKIE_SECURE=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_session_cookie_flags_secure(app: Flask, content_user: Employee, signin: Any) -> None:
    app.config["SESSION_COOKIE_SECURE"] = True  # what CONSOLE_COOKIE_SECURE sets (test above)
    resp = signin(app.test_client(), content_user.email)
    cookie = _cookie_header(resp)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secure_cookie_is_the_production_default(make_app: Callable[..., Flask]) -> None:
    app = make_app(ENV="production", SECRET_KEY="p" * 40, ALLOW_SQLITE_IN_PRODUCTION=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_an_insecure_cookie(app_config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="CONSOLE_COOKIE_SECURE must be on"):
        create_app(
            {
                **app_config,
                "ENV": "production",
                "SECRET_KEY": "p" * 40,
                "ALLOW_SQLITE_IN_PRODUCTION": True,
                "CONSOLE_COOKIE_SECURE": False,
            }
        )


def test_pages_send_a_strict_csp(console: FlaskClient) -> None:
    resp = console.get("/console/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert resp.headers["Cache-Control"] == "no-store"


def test_set_password_policy_and_roles(app: Flask, make_employee: Callable[..., Employee]) -> None:
    admin = make_employee(access_role="admin")
    with pytest.raises(PasswordPolicyError, match="at least 12 characters"):
        set_password(admin.email, "short")
    with pytest.raises(PasswordPolicyError, match="must not be the e-mail"):
        set_password(admin.email, admin.email.upper())
    person = make_employee(access_role="employee")
    with pytest.raises(PermissionError, match="only content and admin users"):
        set_password(person.email, "a long enough password")
    with pytest.raises(LookupError, match="no employee with e-mail x@example.com"):
        set_password("x@example.com", "a long enough password")
    admin.locked_until = utcnow() + dt.timedelta(minutes=5)
    db.session.commit()
    set_password(admin.email, "a long enough password")
    assert admin.password_hash and admin.password_hash.startswith("scrypt:")
    assert admin.locked_until is None


def test_language_from_accept_language_and_switch(
    console: FlaskClient, content_user: Employee, csrf: Callable[[str], str]
) -> None:
    html = console.get("/console/", headers={"Accept-Language": "da"}).get_data(as_text=True)
    # The user's ui_language (en) wins over the browser once signed in.
    assert "Overview" in html
    token = csrf(html)
    console.post("/console/language", data={"lang": "da", "next": "/console/", "csrf_token": token})
    html = console.get("/console/").get_data(as_text=True)
    assert "Overblik" in html and '<html lang="da">' in html
    db.session.refresh(content_user)
    assert content_user.ui_language == "da"


def test_signed_out_pages_follow_the_browser(client: FlaskClient) -> None:
    html = client.get("/console/login", headers={"Accept-Language": "da-DK,da;q=0.9"}).get_data(
        as_text=True
    )
    assert "Log ind" in html


def test_sign_in_attempts_are_rate_limited(client: FlaskClient, signin: Any) -> None:
    statuses = [
        signin(client, "nobody@example.com", "wrong password").status_code for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    page = signin(client, "nobody@example.com", "wrong password")
    assert page.mimetype == "text/html" and "Too many attempts" in page.get_data(as_text=True)


# --- issue #13: sessions that end server side -------------------------------------------------


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("herald_console")
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, value: str) -> Any:
    """A second browser holding a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie("herald_console", value)
    return thief.get("/console/")


def test_a_copied_cookie_stops_working_after_sign_out(
    app: Flask, console: FlaskClient, post: Any
) -> None:
    stolen = _cookie(console)
    assert _replay(app, stolen).status_code == 200
    assert post("/console/logout").status_code == 302
    resp = _replay(app, stolen)
    assert resp.status_code == 302 and "/console/login" in resp.headers["Location"]


def test_a_password_change_ends_every_session(
    app: Flask, console: FlaskClient, content_user: Employee
) -> None:
    stolen = _cookie(console)
    set_password(content_user.email, "a brand new password")
    assert _replay(app, stolen).status_code == 302
    assert console.get("/console/").status_code == 302


def test_deactivation_and_demotion_end_console_sessions(
    app: Flask, console: FlaskClient, content_user: Employee, admin_headers: dict[str, str]
) -> None:
    stolen = _cookie(console)
    api = app.test_client()
    resp = api.post(f"/api/v1/employees/{content_user.id}/deactivate", headers=admin_headers)
    assert resp.status_code == 200
    api.post(f"/api/v1/employees/{content_user.id}/reactivate", headers=admin_headers)
    assert _replay(app, stolen).status_code == 302  # reactivation does not revive it


def test_session_lifetime_is_the_configured_one(
    app: Flask, console: FlaskClient, content_user: Employee
) -> None:
    assert app.permanent_session_lifetime == dt.timedelta(hours=8)
    from backend.models import ConsoleSession

    row = db.session.scalars(select(ConsoleSession)).one()
    assert (
        dt.timedelta(hours=7, minutes=59) < row.expires_at - row.created_at <= dt.timedelta(hours=8)
    )
    row.expires_at = utcnow() - dt.timedelta(seconds=1)  # server side, whatever the cookie says
    db.session.commit()
    assert console.get("/console/").status_code == 302


def test_the_locked_answer_is_the_same_for_unknown_accounts(
    app: Flask, content_user: Employee, signin: Any
) -> None:
    client = app.test_client()
    for _ in range(5):
        signin(client, content_user.email, "wrong password!!")
    locked = signin(client, content_user.email, "wrong password!!").get_data(as_text=True)
    unknown = signin(client, "nobody@example.com", "wrong password!!").get_data(as_text=True)

    def message(page: str) -> str:
        return page.split('role="alert"', 1)[1].split("</", 1)[0]

    assert message(locked) == message(unknown)
