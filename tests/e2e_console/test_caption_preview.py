"""The live preview on the article form in Chromium: caption variants typed with the form's
"---" separator show as one variant plus a count, never the raw separator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_live_preview_joins_variants_readably(
    page: Any, console_server: Any, sign_in: Callable[..., None]
) -> None:
    sign_in(page, console_server)
    page.goto(console_server.url("/console/articles/new"))
    page.fill("#title", "Preview test")
    page.fill("#captions_en", "Our new zero-trust guide\n---\nFive steps to zero trust\n---\nThird")
    caption = page.locator("[data-preview-target='caption']")
    expect(caption).to_have_text("Our new zero-trust guide")
    expect(page.locator("[data-preview-target='caption-more']")).to_have_text("+2 more variant(s)")
    page.fill("#captions_en", "Only one")
    expect(caption).to_have_text("Only one")
    expect(page.locator("[data-preview-target='caption-more']")).to_be_hidden()
