"""Confirmed shares (issue #15), the extension's side: once the employee's post carrying a tracked
link is on the page, the built extension sends that link's code, and nothing else, to
``POST /api/v1/me/shares/confirm``.

The page is a real LinkedIn capture (feed-2026-1 from ../shared/data/linkedin-dom). The employee's
post is one of its posts with the tracked link put into its text by this test (as LinkedIn's
composer leaves a pasted link): the only hand-made part of the page. The request is checked where
it arrives, at the Herald test server; the endpoint itself is the backend's (when this branch's
backend does not serve it yet, the request is still checked and the server's answer is a 404).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import linkedin_dom as L
from tests.e2e.test_flow import SHARES, wait_for
from tests.e2e.test_pack_and_health import FEED, paired_built, serve

pytestmark = pytest.mark.e2e

CONFIRM = ("POST", "/api/v1/me/shares/confirm")
# Where a post's text starts in the 2026 feed (the named rule postText:2026-text-box).
TEXT_BOX = 'data-testid="expandable-text-box"'


@pytest.fixture
def real_feed() -> bytes:
    root = L.data_dir()
    if root is None:
        pytest.skip(L.SKIP_REASON)
    page = next(p for p in L.pages(root) if p.name == "feed-2026-1")
    return page.path.read_bytes()


def with_link_in_third_post(html: bytes, tracked_url: str) -> bytes:
    """The capture with `tracked_url` added to the text of its third post."""
    text = html.decode("utf-8")
    at = -1
    for _ in range(3):
        at = text.index(TEXT_BOX, at + 1)
    close = text.index(">", at) + 1
    shown = tracked_url.split("://", 1)[1]
    link = f' <a href="{tracked_url}">{shown}</a> '
    return (text[:close] + link + text[close:]).encode("utf-8")


def load_feed(context: Any, ext: Any) -> Any:
    tab = context.new_page()
    tab.goto(FEED, wait_until="domcontentloaded")
    tab_id = ext.tab_id(FEED)
    wait_for(lambda: ext.settled_context_of(tab_id), what="feed context")
    return tab


def test_the_employees_post_with_the_tracked_link_sends_its_code(
    launch: Callable[..., Any], built_extension: Path, herald: Any, real_feed: bytes
) -> None:
    herald.require(SHARES)
    context, ext = paired_built(launch, built_extension, herald)
    sent_before = len(herald.recorder.sent(*CONFIRM))

    # Before any share there is nothing to look for: no request.
    serve(context, FEED, real_feed)
    load_feed(context, ext).close()

    # The employee shares an article (the panel's Share button sends the same message).
    token = ext.token()
    items = herald.api("POST", "/api/v1/suggestions", token=token, body={"limit": 5})["items"]
    res = ext.send(
        "share:create",
        {"article_id": items[0]["article_id"], "idempotencyKey": "confirm-e2e-1", "title": "t"},
    )
    assert res["ok"], res
    tracked = res["data"]["tracked_url"]
    code = tracked.rsplit("/r/", 1)[1]
    assert ext.send("shares:pending")["ok"] is False  # only a LinkedIn page may ask

    # The feed without the employee's post: still nothing.
    load_feed(context, ext).close()
    time.sleep(1.0)
    assert len(herald.recorder.sent(*CONFIRM)) == sent_before

    # The employee's post is on the page: its code, and only its code, is sent.
    serve(context, FEED, with_link_in_third_post(real_feed, tracked))
    tab = load_feed(context, ext)
    wait_for(lambda: len(herald.recorder.sent(*CONFIRM)) > sent_before, what="the confirm request")
    assert herald.recorder.sent(*CONFIRM)[sent_before:] == [{"codes": [code]}]
    tab.close()

    if herald.has_route(CONFIRM[1], CONFIRM[0]):
        # Accepted: the share is marked confirmed in the extension and not sent again.
        def confirmed() -> bool:
            shares = ext.storage("local", "herald:shares") or {}
            return any(s.get("confirmedAt") for s in shares.values() if s["tracked_url"] == tracked)

        wait_for(confirmed, what="the share marked confirmed")
        load_feed(context, ext).close()
        time.sleep(1.0)
        assert len(herald.recorder.sent(*CONFIRM)) == sent_before + 1
