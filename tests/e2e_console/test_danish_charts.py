"""The Danish console in a real browser: charts format their axis ticks and tooltips with
Danish separators ("1.234,5"), like the tables under them, and English pages keep "1,234.5"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

# The configured tick and tooltip callbacks of the first chart on the page, called in the browser.
FORMATTED = """() => {
  const chart = document.querySelector('canvas[data-chart]').chart;
  const axis = chart.options.indexAxis === 'y' ? 'x' : 'y';
  const scale = chart.scales[axis];
  const tick = chart.options.scales[axis].ticks.callback.call(scale, 1234.5, 0, []);
  const tooltip = chart.options.plugins.tooltip.callbacks.label({
    dataset: chart.data.datasets[0], parsed: {x: 1234567, y: 1234567}
  });
  const labels = scale.ticks.map((t) => t.label);
  const max = Math.max(...scale.ticks.map((t) => t.value));
  return {tick, tooltip, labels, max, name: chart.data.datasets[0].label};
}"""


def test_danish_charts_use_danish_number_formats(
    phone: Any, console_server: Any, shot: Callable
) -> None:
    server = console_server
    phone.goto(server.url("/console/login"))
    phone.get_by_label("E-mail").fill(server.content_email)
    phone.get_by_label("Adgangskode").fill("nordvind console demo")
    phone.get_by_role("button", name="Log ind").click()
    phone.wait_for_url(server.url("/console/"))
    with phone.expect_navigation():
        phone.select_option("#lang-select", "da")
    try:
        phone.goto(server.url("/console/analytics/traffic"))
        phone.wait_for_function("document.querySelector('canvas[data-chart]').chart")
        da = phone.evaluate(FORMATTED)
        assert da["tick"] == "1.234,5"
        assert da["tooltip"] == f"{da['name']}: 1.234.567"
        if da["max"] >= 1000:  # the real ticks of the demo's numbers
            assert any("." in label for label in da["labels"]), da["labels"]
        shot(phone, "charts-da", full_page=False)
    finally:
        with phone.expect_navigation():
            phone.select_option("#lang-select", "en")
    phone.goto(server.url("/console/analytics/traffic"))
    phone.wait_for_function("document.querySelector('canvas[data-chart]').chart")
    en = phone.evaluate(FORMATTED)
    assert en["tick"] == "1,234.5"
    assert en["tooltip"] == f"{en['name']}: 1,234,567"
