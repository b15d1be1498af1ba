"""The extension in a real Chromium on the fixture pages, without a Herald server: reading, the
storage contract, SPA navigation, no DOM changes, the side panel only on LinkedIn, pause, the
panel's states and the Danish UI."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.test_flow import spa_navigate

pytestmark = pytest.mark.e2e

LI = "https://www.linkedin.com"

# Installed in the page's own world before any script: records every DOM mutation, whoever makes it.
# Starts once the parser is done (the content script runs at document_idle, after that).
RECORD_MUTATIONS = """
window.__mutations = null;
document.addEventListener('DOMContentLoaded', () => {
  window.__mutations = [];
  new MutationObserver((records) => {
    for (const r of records) window.__mutations.push(r.type + ':' + (r.target.nodeName || ''));
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
});
"""


def wait_for(
    fn: Callable[[], Any], timeout: float = 10.0, interval: float = 0.2, what: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last value: {last!r}")


def open_linkedin(context: Any, ext: Any, path: str) -> tuple[Any, int]:
    page = context.new_page()
    page.goto(LI + path)
    return page, ext.tab_id(LI + path.split("?")[0])


def test_feed_context_is_stored_per_tab_and_follows_the_post_in_view(browser: Any) -> None:
    context, ext = browser
    page, tab = open_linkedin(context, ext, "/feed/")
    ctx = wait_for(lambda: ext.context_of(tab), what="context in session storage")
    assert set(ctx) >= {"url", "pageType", "items", "focused"}
    assert ctx["url"] == f"{LI}/feed/"
    assert ctx["pageType"] == "feed"
    assert [it["author"] for it in ctx["items"]] == ["Sofie Lund", "Peter Berg", "Lars Winther"]
    assert ctx["focused"] == 0
    assert ctx["items"][0]["urn"] == "urn:li:activity:7301111111111111111"

    # Scroll the third post into view: the IntersectionObserver moves the focus.
    page.evaluate(
        "document.querySelectorAll('.feed-shared-update-v2')[2].scrollIntoView({block: 'center'})"
    )
    ctx = wait_for(
        lambda: (c := ext.context_of(tab)) and c["focused"] == 2 and c,
        what="focus on the third post",
    )
    assert ctx["items"][ctx["focused"]]["author"] == "Lars Winther"


def test_the_content_script_never_changes_the_page(browser: Any) -> None:
    context, ext = browser
    context.add_init_script(RECORD_MUTATIONS)
    page, tab = open_linkedin(context, ext, "/feed/")
    wait_for(lambda: ext.context_of(tab), what="context")
    page.mouse.wheel(0, 1500)
    page.evaluate("document.querySelectorAll('.feed-shared-update-v2')[1].scrollIntoView()")
    time.sleep(1.5)
    assert page.evaluate("window.__mutations") == []
    # Nothing of ours in the DOM either (no marker attributes, no injected nodes).
    html = page.content()
    assert "herald" not in html.lower()


def test_spa_navigation_updates_the_context(browser: Any) -> None:
    context, ext = browser
    page, tab = open_linkedin(context, ext, "/feed/")
    wait_for(lambda: ext.context_of(tab), what="feed context")
    spa_navigate(page, "/in/sofie-lund-8a1b2c/")  # LinkedIn's router: no page load
    ctx = wait_for(
        lambda: (c := ext.context_of(tab)) and c["pageType"] == "profile" and c,
        what="profile context after pushState",
    )
    assert ctx["url"] == f"{LI}/in/sofie-lund-8a1b2c/"
    assert ctx["items"][0]["author"] == "Sofie Lund"
    assert ctx["profile"]["own"] is False


def test_2026_feed_and_public_post_through_the_extension(browser: Any, linkedin: Any) -> None:
    context, ext = browser
    linkedin.route("/feed/", "feed-2026.html")
    _, tab = open_linkedin(context, ext, "/feed/")
    ctx = wait_for(lambda: ext.context_of(tab), what="2026 feed context")
    assert [it["author"] for it in ctx["items"]] == ["Anna Madsen", "Nordlys Energy", "Freja Dahl"]
    path = "/posts/sofie-lund_zerotrust-activity-7301111111111111111-AbCd/"
    _, tab2 = open_linkedin(context, ext, path)
    ctx2 = wait_for(lambda: ext.context_of(tab2), what="public post context")
    assert ctx2["pageType"] == "post"
    assert ctx2["items"][0]["urn"] == "urn:li:activity:7301111111111111111"


def test_side_panel_is_enabled_only_on_linkedin_tabs(browser: Any) -> None:
    context, ext = browser
    other = context.new_page()
    other.goto("https://other.test/feed/")
    _, tab = open_linkedin(context, ext, "/feed/")
    wait_for(lambda: ext.context_of(tab), what="context")
    options = ext.util.evaluate(
        """async () => {
          const tabs = await chrome.tabs.query({});
          return Promise.all(tabs.map(async (t) =>
            [t.url || null, await chrome.sidePanel.getOptions({tabId: t.id})]));
        }"""
    )
    on_linkedin = [o for url, o in options if url and url.startswith(LI)]
    elsewhere = [o for url, o in options if not url]
    assert on_linkedin and all(
        o.get("enabled") and o.get("path") == "sidepanel.html" for o in on_linkedin
    ), options
    assert elsewhere and all(not o.get("enabled") or not o.get("path") for o in elsewhere), options


def test_paused_reads_and_keeps_nothing(browser: Any) -> None:
    context, ext = browser
    ext.set_storage(
        "local", {"herald:settings": {"paused": True, "apiBaseUrl": "http://127.0.0.1:9"}}
    )
    page, tab = open_linkedin(context, ext, "/feed/")
    page.evaluate("document.querySelectorAll('.feed-shared-update-v2')[2].scrollIntoView()")
    time.sleep(2)
    assert ext.context_of(tab) is None
    panel = ext.open_panel(tab)
    panel.wait_for_selector("#banner:not([hidden])")
    assert "paused" in panel.inner_text("#banner").lower()
    assert panel.text_content("#sees-note") == "Nothing from this page is sent."


def test_panel_states_without_a_server(browser: Any) -> None:
    context, ext = browser
    _, tab = open_linkedin(context, ext, "/feed/")
    wait_for(lambda: ext.context_of(tab), what="context")
    panel = ext.open_panel(tab)
    panel.wait_for_selector("#banner:not([hidden])")
    assert "server address" in panel.inner_text("#banner-text")

    # Paired, but the server can't be reached: the offline message, with a retry.
    ext.set_storage(
        "local",
        {
            "herald:settings": {"apiBaseUrl": "http://127.0.0.1:9"},
            "herald:auth": {"token": "t" * 43, "employee": {"name": "Mette Holm"}},
        },
    )
    panel.reload()
    expect(panel.locator("#suggest-state")).to_contain_text("reach the Herald")
    assert panel.inner_text("#banner-action") == "Try again"
    # What would be sent is shown even so: sanitised, names removed.
    text = panel.text_content("#sees-body") or ""
    assert "Zero trust is not a product" in text
    assert "Sofie" not in text and "Mads" not in text and "@" not in text and "+45" not in text

    # The token expired (a 401 forgot it): the re-pair state.
    ext.set_storage("local", {"herald:auth": {"expired": True, "employee": {"name": "Mette Holm"}}})
    expect(panel.locator("#banner-text")).to_contain_text("expired")
    assert panel.inner_text("#banner-action") == "Pair again"


def test_options_page_validates_the_server_address(browser: Any) -> None:
    _, ext = browser
    page = ext.context.new_page()
    page.goto(ext.url("options.html"))
    page.wait_for_selector("body[data-ready]")
    page.fill("#api-base-url", "http://herald.example.com")
    page.fill("#pairing-code", "ABCD-1234")
    page.click("#pair")
    expect(page.locator("#pair-result")).to_contain_text("https://")
    page.fill("#api-base-url", "http://127.0.0.1:9")
    page.click("#pair")
    expect(page.locator("#pair-result")).to_contain_text("reach the Herald")


def test_danish_ui(launch: Callable[..., Any]) -> None:
    context, ext = launch(lang="da")
    panel = ext.open_panel(None)
    panel.wait_for_selector("#banner:not([hidden])")
    assert panel.inner_text("#tab-suggest") == "Forslag"
    assert panel.inner_text("#tab-impact") == "Min effekt"
    assert "serveradresse" in panel.inner_text("#banner-text")
    assert panel.evaluate("document.documentElement.lang") == "da"
