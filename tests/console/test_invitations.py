"""Bulk invitations: parsing, e-mail to a real local SMTP server, the one-click pairing link,
re-invite and pairing status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Employee, Invitation, utcnow
from backend.services import invitations as inv
from tests.smtp_sink import Inbox, body, links, smtp_sink

SECRET = "test-" + "x" * 40


@pytest.fixture
def inbox(app: Flask) -> Iterator[Inbox]:
    with smtp_sink() as box:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port, COMPANY_NAME="Nordvind")
        yield box


# --- parsing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "emails"),
    [
        ("a@example.com\nb@example.com", ["a@example.com", "b@example.com"]),
        (
            "a@example.com, b@example.com; c@example.com",
            ["a@example.com", "b@example.com", "c@example.com"],
        ),
        ("Ann Lee <Ann@Example.com>\nA@example.com", ["ann@example.com", "a@example.com"]),
        ("x@example.com\nX@EXAMPLE.COM\n\n", ["x@example.com"]),
    ],
)
def test_paste_is_split_normalised_and_deduplicated(text: str, emails: list[str]) -> None:
    parsed = inv.parse_recipients(text, "da")
    assert not parsed.errors
    assert [r.email for r in parsed.recipients] == emails
    assert {r.language for r in parsed.recipients} == {"da"}


def test_named_address_keeps_the_name() -> None:
    parsed = inv.parse_recipients('"Ann Lee" <ann@example.com>')
    assert parsed.recipients[0].name == "Ann Lee"


def test_csv_with_columns_and_semicolons() -> None:
    text = "E-mail;Name;Language;Team\nann@example.com;Ann Lee;da;Nordics\nbo@example.com;Bo;en;\n"
    parsed = inv.parse_recipients(text, "en")
    assert not parsed.errors
    ann, bo = parsed.recipients
    assert (ann.email, ann.name, ann.language, ann.team) == (
        "ann@example.com",
        "Ann Lee",
        "da",
        "Nordics",
    )
    assert (bo.language, bo.line) == ("en", 3)


def test_bad_rows_are_reported_with_their_line() -> None:
    text = "email,language\nok@example.com,en\nnot-an-address,en\nbo@example.com,de\n"
    parsed = inv.parse_recipients(text)
    assert [(e.line, e.value) for e in parsed.errors] == [(3, "not-an-address"), (4, "de")]
    assert "language must be en or da" in parsed.errors[1].message


# --- links ---------------------------------------------------------------------------------------


def test_link_is_single_use(app: Flask, make_employee: Callable[..., Employee]) -> None:
    person = make_employee()
    token, _ = inv.issue(person, SECRET, None)
    db.session.commit()
    code, pairing, employee = inv.redeem(token, SECRET)
    assert employee.id == person.id and len(code) == 11 and pairing.used_at is None
    with pytest.raises(inv.InvitationError) as err:
        inv.redeem(token, SECRET)
    assert err.value.reason == "used"
    assert str(err.value) == "invitation link is used"


def test_tampered_or_foreign_link_is_invalid(
    app: Flask, make_employee: Callable[..., Employee]
) -> None:
    token, _ = inv.issue(make_employee(), SECRET, None)
    db.session.commit()
    # One signature character changed to another: a full six bits of the HMAC. (Replacing the last
    # two with "xx" left the token valid 1 time in 1,024: the last character's low bits are
    # padding, so "w", "x", "y" and "z" decode alike there.)
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    for bad in (flipped, token.replace(".", "", 1), "nonsense"):
        with pytest.raises(inv.InvitationError) as err:
            inv.verify(bad, SECRET)
        assert err.value.reason == "invalid"
    with pytest.raises(inv.InvitationError) as err:
        inv.verify(token, "another-secret-" + "y" * 30)
    assert err.value.reason == "invalid"


def test_link_expires_after_seven_days(app: Flask, make_employee: Callable[..., Employee]) -> None:
    token, row = inv.issue(make_employee(), SECRET, None)
    db.session.commit()
    assert row.expires_at - row.created_at == dt.timedelta(days=7)
    inv.verify(token, SECRET, now=utcnow() + dt.timedelta(days=6, hours=23))
    with pytest.raises(inv.InvitationError) as err:
        inv.verify(token, SECRET, now=utcnow() + dt.timedelta(days=7, minutes=1))
    assert err.value.reason == "expired"


def test_reissue_revokes_the_earlier_link(
    app: Flask, make_employee: Callable[..., Employee]
) -> None:
    person = make_employee()
    first, _ = inv.issue(person, SECRET, None)
    second, _ = inv.issue(person, SECRET, None)
    db.session.commit()
    with pytest.raises(inv.InvitationError) as err:
        inv.verify(first, SECRET)
    assert err.value.reason == "revoked"
    assert inv.verify(second, SECRET).employee_id == person.id


def test_deactivated_person_cannot_use_a_link(
    app: Flask, make_employee: Callable[..., Employee]
) -> None:
    person = make_employee()
    token, _ = inv.issue(person, SECRET, None)
    person.is_active = False
    db.session.commit()
    with pytest.raises(inv.InvitationError) as err:
        inv.verify(token, SECRET)
    assert err.value.reason == "deactivated"


# --- console: bulk invite ------------------------------------------------------------------------


def test_bulk_invite_sends_localized_mail_and_creates_people(
    app: Flask, admin_post: Any, inbox: Inbox, make_employee: Callable[..., Employee]
) -> None:
    existing = make_employee(email="old@example.com", name="Old Timer", languages=["en"])
    app.config["EXTENSION_INSTALL_URL"] = "https://chromewebstore.google.com/detail/herald/abc"
    resp = admin_post(
        "/console/people/invitations",
        {"emails": "Mette Holm <mette@example.com>\nold@example.com", "language": "da"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert 'data-metric="sent">2<' in html and 'data-metric="created">1<' in html
    mette = db.session.scalar(select(Employee).where(Employee.email == "mette@example.com"))
    assert mette is not None and mette.name == "Mette Holm" and mette.languages == ["da"]

    (danish,) = inbox.to("mette@example.com")
    assert danish["Subject"] == "Din invitation til Herald hos Nordvind"
    assert danish["Content-Language"] == "da"
    text = body(danish)
    assert "Hej Mette Holm" in text
    assert "https://chromewebstore.google.com/detail/herald/abc" in text
    pair_links = [u for u in links(text) if "/console/pair/" in u]
    assert len(pair_links) == 1 and pair_links[0].startswith("http://herald.test/console/pair/")
    assert pair_links[0] in body(danish, "html")

    (english,) = inbox.to("old@example.com")
    assert english["Subject"] == "Your invitation to Herald at Nordvind"
    assert "Hi Old Timer" in body(english)
    rows = db.session.scalars(select(Invitation).where(Invitation.employee_id == existing.id)).all()
    assert len(rows) == 1 and rows[0].sent_at is not None


def test_bulk_invite_with_a_bad_row_sends_nothing(
    app: Flask, admin_post: Any, inbox: Inbox
) -> None:
    resp = admin_post(
        "/console/people/invitations", {"emails": "a@example.com\nbroken@", "language": "en"}
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Line 2" in html and "broken@" in html
    assert inbox.messages == []
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_csv_upload(app: Flask, admin_post: Any, inbox: Inbox) -> None:
    import io

    csv_bytes = b"email,name,language\nann@example.com,Ann,en\nbo@example.com,Bo,da\n"
    resp = admin_post(
        "/console/people/invitations",
        {"emails": "", "language": "en", "file": (io.BytesIO(csv_bytes), "people.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert {r[0][0] for r in inbox.messages} == {"ann@example.com", "bo@example.com"}
    assert inbox.to("bo@example.com")[0]["Content-Language"] == "da"


def test_without_smtp_links_are_shown_to_pass_on(app: Flask, admin_post: Any) -> None:
    app.config["SMTP_HOST"] = None
    resp = admin_post(
        "/console/people/invitations", {"emails": "ann@example.com", "language": "en"}
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'id="smtp-off"' in html
    assert 'value="http://herald.test/console/pair/' in html


def test_unreachable_smtp_reports_failed_and_keeps_the_link(app: Flask, admin_post: Any) -> None:
    from tests.smtp_sink import free_port

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    resp = admin_post(
        "/console/people/invitations", {"emails": "ann@example.com", "language": "en"}
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "e-mail failed" in html and "/console/pair/" in html
    row = db.session.scalar(select(Invitation))
    assert row is not None and row.sent_at is None and row.send_error


def test_already_paired_people_are_skipped(
    app: Flask, admin_post: Any, inbox: Inbox, make_employee: Callable[..., Employee]
) -> None:
    from backend.services.employees import issue_token

    person = make_employee(email="paired@example.com")
    issue_token(person, "employee", 30, label="extension")
    db.session.commit()
    resp = admin_post(
        "/console/people/invitations", {"emails": "paired@example.com", "language": "en"}
    )
    assert "already paired" in resp.get_data(as_text=True)
    assert inbox.messages == []


def test_employees_and_content_users_cannot_invite(app: Flask, post: Any) -> None:
    resp = post("/console/people/invitations", {"emails": "a@example.com"})
    assert resp.status_code == 403


def test_invite_needs_csrf(app: Flask, admin_console: FlaskClient) -> None:
    resp = admin_console.post("/console/people/invitations", data={"emails": "a@example.com"})
    assert resp.status_code == 400


# --- the pairing link page -----------------------------------------------------------------------


def _mailed_link(inbox: Inbox, address: str) -> str:
    (msg,) = inbox.to(address)
    return next(u for u in links(body(msg)) if "/console/pair/" in u)


def test_pairing_link_to_extension_token(
    app: Flask, admin_post: Any, inbox: Inbox, csrf: Callable[[str], str]
) -> None:
    admin_post("/console/people/invitations", {"emails": "ann@example.com", "language": "da"})
    path = _mailed_link(inbox, "ann@example.com").removeprefix("http://herald.test")
    browser = app.test_client()
    page = browser.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Forbind Herald" in html  # the invitation's language
    # GET consumed nothing: a mail scanner fetching the link leaves it usable.
    assert browser.get(path).status_code == 200
    app.config["CORS_ORIGINS"] = [
        "https://admin.example.com",
        "chrome-extension://igifplgkdcfdegnckjjgmahmilgcdbpk",
    ]
    done = browser.post(path, data={"csrf_token": csrf(html)})
    done_html = done.get_data(as_text=True)
    assert done.status_code == 200
    import re

    code = re.search(r'id="pairing-code">([A-Z0-9-]+)<', done_html)
    assert code is not None
    # One click: the page hands the code to the extensions named in CORS_ORIGINS (pair.js).
    ids = re.search(r'data-extension-ids="([^"]*)"', done_html)
    assert ids is not None and ids.group(1) == "igifplgkdcfdegnckjjgmahmilgcdbpk"
    assert "pair.js" in done_html and 'id="pair-auto"' in done_html
    # The extension's own call: the code becomes an employee token.
    resp = app.test_client().post("/api/v1/auth/pair", json={"code": code.group(1)})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["employee"]["email"] == "ann@example.com"
    again = browser.get(path)
    assert again.status_code == 410 and "allerede brugt" in again.get_data(as_text=True)


def test_pairing_link_post_needs_csrf(app: Flask, make_employee: Callable[..., Employee]) -> None:
    token, _ = inv.issue(make_employee(), SECRET, None)
    db.session.commit()
    resp = app.test_client().post(f"/console/pair/{token}")
    assert resp.status_code == 400
    inv.verify(token, SECRET)  # still unused


def test_bad_link_page(app: Flask, client: FlaskClient) -> None:
    resp = client.get("/console/pair/not-a-real-token")
    assert resp.status_code == 410
    assert "not valid" in resp.get_data(as_text=True)


# --- status and re-invite ------------------------------------------------------------------------


def test_status_per_person_and_reinvite(
    app: Flask,
    admin_post: Any,
    admin_console: FlaskClient,
    inbox: Inbox,
    make_employee: Callable[..., Employee],
) -> None:
    from backend.services.employees import issue_token

    never = make_employee(email="never@example.com")
    paired = make_employee(email="paired@example.com")
    issue_token(paired, "employee", 30, label="extension")
    waiting = make_employee(email="waiting@example.com")
    inv.issue(waiting, SECRET, None)
    expired = make_employee(email="expired@example.com")
    _, row = inv.issue(expired, SECRET, None)
    row.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()

    html = admin_console.get("/console/people/invitations").get_data(as_text=True)
    for person, status in (
        (never, "not_invited"),
        (paired, "paired"),
        (waiting, "invited"),
        (expired, "expired"),
    ):
        assert f'data-email="{person.email}" data-status="{status}"' in html

    resp = admin_post(f"/console/people/{expired.id}/reinvite")
    assert resp.status_code == 302
    assert len(inbox.to("expired@example.com")) == 1
    html = admin_console.get("/console/people/invitations").get_data(as_text=True)
    assert 'data-email="expired@example.com" data-status="invited"' in html


def test_login_page_no_longer_mentions_flask(app: Flask, client: FlaskClient) -> None:
    html = client.get("/console/login").get_data(as_text=True)
    assert "flask" not in html.lower()
    html_da = client.get("/console/login", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert "flask" not in html_da.lower() and "administrator" in html_da


def test_consent_counts_are_shown_and_cannot_be_changed(
    app: Flask, admin_console: FlaskClient, make_employee: Callable[..., Employee]
) -> None:
    make_employee(consents={"leaderboard": True, "digest_email": True})
    make_employee(consents={"leaderboard": False, "profile_snapshots": True})
    make_employee(consents={})
    make_employee(consents={"leaderboard": True}, is_active=False)  # not counted
    html = admin_console.get("/console/people/invitations").get_data(as_text=True)
    # The admin signed in is active too (the fixture gives everyone leaderboard consent).
    assert 'data-consent="leaderboard">2<' in html
    assert 'data-consent="digest_email">1<' in html
    assert 'data-consent="profile_snapshots">1<' in html
    assert "of 4 on the leaderboard" in html
    section = html.split('id="consent-counts"')[1].split("</section>")[0]
    assert "<form" not in section and "<input" not in section


def test_new_people_from_an_invitation_start_with_consents_off(app: Flask, admin_post: Any) -> None:
    app.config["SMTP_HOST"] = None
    admin_post("/console/people/invitations", {"emails": "new@example.com", "language": "en"})
    person = db.session.scalar(select(Employee).where(Employee.email == "new@example.com"))
    assert person is not None
    assert person.consents["leaderboard"] is False
    assert person.consents["digest_email"] is False
    assert person.consents["profile_snapshots"] is False
