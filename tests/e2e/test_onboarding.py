"""Onboarding end to end in Chromium with the extension loaded: an admin bulk-invites in the
console, the invitation e-mail arrives at a local SMTP server (aiosmtpd), the employee opens the
pairing link, connects, pastes the code into the extension, and the panel serves suggestions.

Screenshots (EN console, DA pairing page) go to docs/img/onboarding-*.png with
``HERALD_SCREENSHOTS=1``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.smtp_sink import Inbox, body, links, smtp_sink

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "onboarding e2e password"
LI = "https://www.linkedin.com"


@pytest.fixture
def inbox(herald: Any) -> Iterator[Inbox]:
    with smtp_sink() as box:
        herald.app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port)
        try:
            yield box
        finally:
            herald.app.config["SMTP_HOST"] = None


def _shot(page: Any, name: str, tmp_path: Path) -> None:
    folder = ROOT / "docs" / "img" if os.environ.get("HERALD_SCREENSHOTS") == "1" else tmp_path
    path = folder / f"onboarding-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, f"{path} looks empty"


def test_bulk_invite_email_pairing_link_extension_ready(
    browser: Any, herald: Any, inbox: Inbox, tmp_path: Path
) -> None:
    from backend.demo import ADMIN_EMAIL

    res = herald.app.test_cli_runner().invoke(
        args=["set-password", ADMIN_EMAIL, "--password-stdin"], input=PASSWORD + "\n"
    )
    assert res.exit_code == 0, res.output
    context, ext = browser

    # 1. The admin pastes two addresses (one Danish) into the console.
    admin = context.new_page()
    admin.goto(herald.base_url + "/console/login")
    expect(admin.locator("body")).not_to_contain_text("flask")
    admin.fill("#email", ADMIN_EMAIL)
    admin.fill("#password", PASSWORD)
    admin.click("button[type=submit].primary")
    admin.goto(herald.base_url + "/console/people/invitations")
    admin.fill("#emails", "Sofie Onboard <sofie.onboard@example.com>\nlars.onboard@example.com")
    admin.select_option("#language", "da")
    admin.click("#invite-form button[type=submit]")
    expect(admin.locator('[data-metric="sent"]')).to_have_text("2")
    expect(admin.locator('tr[data-email="sofie.onboard@example.com"]')).to_have_attribute(
        "data-status", "invited"
    )
    _shot(admin, "invite-en", tmp_path)
    admin.click("form[action='/console/logout'] button")  # the employee has no console session
    expect(admin.locator("#email")).to_be_visible()

    # 2. The e-mail, in Danish, with the pairing link.
    (mail,) = inbox.to("sofie.onboard@example.com")
    assert mail["Subject"].startswith("Din invitation til Herald")
    link = next(u for u in links(body(mail)) if "/console/pair/" in u)
    assert link.startswith(herald.base_url)

    # 3. The employee opens it and presses Connect: that one click pairs the extension (the page
    #    hands its one-time code to the extension through externally_connectable).
    page = context.new_page()
    page.goto(link)
    expect(page.locator("#pair-h")).to_have_text("Forbind Herald")
    page.click("#pair-connect")
    code = page.locator("#pairing-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code), code
    expect(page.locator("#pair-auto-done")).to_contain_text("Herald er forbundet", timeout=10000)
    expect(page.locator("#pair-manual")).to_be_hidden()
    auth = ext.storage("local", "herald:auth")
    assert auth["employee"]["email"] == "sofie.onboard@example.com"
    assert auth["apiBaseUrl"] == herald.base_url and "token" not in auth  # sealed
    _shot(page, "pair-da", tmp_path)
    page.reload()  # the link is single use
    expect(page.locator("#pair-problem")).to_be_visible()

    options = context.new_page()
    options.goto(ext.url("options.html"))
    expect(options.locator("#status")).to_contain_text("Sofie Onboard", timeout=10000)

    feed = context.new_page()
    feed.goto(LI + "/feed/")
    tab = ext.tab_id(LI + "/feed/")
    panel = ext.open_panel(tab)
    expect(panel.locator("#cards > li.card").first).to_be_visible(timeout=30000)
    expect(panel.locator("#banner")).to_be_hidden()

    # 5. The console shows Sofie as paired.
    admin.goto(herald.base_url + "/console/login")
    admin.fill("#email", ADMIN_EMAIL)
    admin.fill("#password", PASSWORD)
    admin.click("button[type=submit].primary")
    admin.goto(herald.base_url + "/console/people/invitations")
    expect(admin.locator('tr[data-email="sofie.onboard@example.com"]')).to_have_attribute(
        "data-status", "paired"
    )
