"""The analytics dashboards: for a date range and team, the headline tiles, the charts (Chart.js
configs with the data table under each), the tables and the CSV rows of each page. Built on
``backend.services.analytics``, whose reports apply works-council mode themselves: a per-person
table the service refuses is left out here with a note.

The pages live in ``reach`` (traffic, reach, shares, EMV) and ``people`` (participation, growth,
conversions, top) on the pieces in ``base``; add a page there and name it in ``DASHBOARDS``."""

from __future__ import annotations

from collections.abc import Callable

from backend.console.dashboards.base import Chart, Dashboard, Scope, Table, parse_scope
from backend.console.dashboards.people import conversions, growth, participation, top
from backend.console.dashboards.reach import emv, reach, shares, traffic

__all__ = ["DASHBOARDS", "Chart", "Dashboard", "Scope", "Table", "parse_scope"]

DASHBOARDS: dict[str, Callable[[Scope], Dashboard]] = {
    "traffic": traffic,
    "reach": reach,
    "shares": shares,
    "participation": participation,
    "growth": growth,
    "conversions": conversions,
    "top": top,
    "emv": emv,
}
