from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import AuditLog, utcnow
from backend.services import digest
from tests.services.analytics.conftest import Factory
from tests.smtp_sink import Inbox, free_port, smtp_sink


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    with smtp_sink() as inbox:
        yield inbox, inbox.port


def just_now() -> dt.datetime:
    return utcnow() - dt.timedelta(seconds=30)


@pytest.fixture
def people(f: Factory, headers_for: Any) -> dict[str, Any]:
    camp = f.campaign(name="Green energy", priority=10)
    shared = f.article(title="Our results")
    f.article(title="Campaign piece", campaign_id=camp.id)
    f.article(title="Dansk nyhed", language="da")
    f.article(title="Draft <b>", status="draft")
    ann = f.employee(
        name="Ann <Admin>", email="ann@example.com", languages=["en"],
        consents={"digest_email": True}, access_role="content", team="Nordics",
    )  # fmt: skip
    mads = f.employee(
        name="Mads", email="mads@example.com", languages=["da", "en"],
        consents={"digest_email": True}, team="Nordics",
    )  # fmt: skip
    quiet = f.employee(name="Quiet", email="quiet@example.com", consents={"digest_email": False})
    hidden = f.employee(
        name="Hidden", email="hidden@example.com", leaderboard_opt_out=True, team="DACH"
    )
    s = f.share(ann, shared, just_now())
    f.clicks(s, just_now(), n=2)
    f.share(hidden, shared, just_now())
    f.share(hidden, f.article(title="other"), just_now())
    return {
        "ann": ann, "mads": mads, "quiet": quiet, "hidden": hidden,
        "ann_h": headers_for(employee=ann, role="content"), "mads_h": headers_for(employee=mads),
    }  # fmt: skip


def test_my_digest_json(client: Any, people: dict[str, Any]) -> None:
    resp = client.get("/api/v1/me/digest", headers=people["ann_h"])
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["stats"]["shares"] == 1 and body["stats"]["clicks"] == 2
    assert body["stats"]["rank"] == 1  # Hidden has more points but opted out of the board
    titles = [s["title"] for s in body["suggestions"]]
    assert titles[0] == "Campaign piece"  # live campaign first
    assert "Our results" not in titles  # already shared
    assert "Dansk nyhed" not in titles and "Draft <b>" not in titles
    assert body["suggestions"][0]["reason"] == "part of the campaign Green energy"


def test_digest_language_follows_first_language(client: Any, people: dict[str, Any]) -> None:
    da = client.get("/api/v1/me/digest?format=html", headers=people["mads_h"])
    assert da.status_code == 200 and da.mimetype == "text/html"
    html = da.get_data(as_text=True)
    assert '<html lang="da">' in html and "Hej Mads" in html and "Dansk nyhed" in html
    en = client.get("/api/v1/me/digest?format=html", headers=people["ann_h"]).get_data(as_text=True)
    assert "Hi Ann &lt;Admin&gt;," in en  # escaped
    text = client.get("/api/v1/me/digest?format=text", headers=people["ann_h"])
    assert text.mimetype == "text/plain" and "Hi Ann <Admin>," in text.get_data(as_text=True)


def test_company_digest_respects_opt_out_and_pseudonyms(
    client: Any, people: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    assert client.get("/api/v1/digest/company", headers=people["mads_h"]).status_code == 403
    body = client.get("/api/v1/digest/company", headers=people["ann_h"]).json
    assert body["headline"]["shares"] == 3
    assert body["headline"]["sharers"] == 2
    assert [a["name"] for a in body["top_advocates"]] == ["Ann <Admin>"]
    assert body["top_articles"][0]["title"] == "Our results"
    client.put(
        "/api/v1/program/leaderboard-settings", json={"pseudonymous": True}, headers=admin_headers
    )
    body = client.get("/api/v1/digest/company", headers=people["ann_h"]).json
    assert body["pseudonymous"] is True
    assert "Ann" not in body["top_advocates"][0]["name"]
    html = client.get("/api/v1/digest/company?format=html", headers=people["ann_h"])
    assert "Hidden" not in html.get_data(as_text=True)


def test_send_digests_over_smtp(
    app: Any, people: dict[str, Any], smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    smtp = digest.SmtpSettings("127.0.0.1", port, "herald@example.com", "Acme")
    result = digest.send_digests(smtp, extra_company_recipients=("board@example.com",))
    assert (result.employee_sent, result.company_sent, result.failed) == (2, 2, [])
    assert inbox.to("quiet@example.com") == [] and inbox.to("hidden@example.com") == []
    (mads_msg,) = inbox.to("mads@example.com")
    assert mads_msg["Subject"] == "Din uge med Acme"
    assert mads_msg["Content-Language"] == "da"
    assert mads_msg.is_multipart()
    html = mads_msg.get_body(preferencelist=("html",))
    plain = mads_msg.get_body(preferencelist=("plain",))
    assert html is not None and "Hej Mads" in html.get_content()
    assert plain is not None and "Hej Mads" in plain.get_content()
    ann_subjects = sorted(m["Subject"] for m in inbox.to("ann@example.com"))
    assert ann_subjects == ["Acme advocacy: the week in numbers", "Your week with Acme"]
    assert len(inbox.to("board@example.com")) == 1
    # a second run in the same week sends nothing new
    again = digest.send_digests(smtp)
    assert (again.employee_sent, again.company_sent, again.skipped) == (0, 0, 3)
    sent = db.session.scalar(
        select(func.count(AuditLog.id)).where(AuditLog.action == "digest.sent")
    )
    assert sent == 4


def test_send_digests_cli(
    app: Any, runner: Any, people: dict[str, Any], smtp_server: tuple[Inbox, int]
) -> None:
    app.config["SMTP_HOST"] = None
    result = runner.invoke(args=["send-digests"])
    assert result.exit_code == 1 and "SMTP_HOST is not set" in result.output
    inbox, port = smtp_server
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    result = runner.invoke(args=["send-digests", "--only", "employee"])
    assert result.exit_code == 0, result.output
    assert "sent 2 employee and 0 company digests" in result.output
    assert len(inbox.messages) == 2
    result = runner.invoke(args=["send-digests", "--only", "employee", "--force"])
    assert "sent 2 employee" in result.output
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    result = runner.invoke(args=["send-digests"])
    assert result.exit_code == 1 and "cannot reach SMTP server" in result.output
