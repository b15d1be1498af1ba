"""A dashboard's CSV download holds what its page shows (issue #15): the rows behind the page's
main chart (the API report's rows for the same filters, ``section`` = the report's name, e.g.
``traffic-by-day``) followed by every table on the page (``section`` = the table's title, with
the table's columns, e.g. Traffic's clicks by article). A table the page leaves out (a
per-person table in works-council mode) is left out here too: the CSV is built from the same
``Dashboard`` the page renders."""

from __future__ import annotations

from typing import Any

from backend.console.dashboards import Dashboard

SECTION = "section"


def board_csv(board: Dashboard) -> tuple[list[str], list[dict[str, Any]]]:
    columns = [SECTION, *board.csv_columns]
    rows: list[dict[str, Any]] = [{SECTION: board.csv_name, **r} for r in board.csv_rows]
    for table in board.tables:
        keys = ["key", *(key for key, _label in table.columns if key != "key")]
        for key in keys:
            if key not in columns:
                columns.append(key)
        rows += [{SECTION: table.title, **{k: r.get(k) for k in keys}} for r in table.rows]
    return columns, rows
