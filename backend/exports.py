"""CSV downloads, written once for the API and the console.

Text cells that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) are
prefixed with ``'`` (CSV injection, OWASP). The rows come from the services, which have already
applied the privacy policy: an export shows exactly what the page or the JSON answer shows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Response

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell that cannot start a spreadsheet formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A header row, then one line per row (None as empty), CRLF line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else neutralise(row.get(c)) for c in columns])
    return buf.getvalue()


def csv_response(name: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Response:
    """A CSV attachment named ``herald-<name>.csv``."""
    resp = Response(csv_text(columns, rows), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="herald-{name}.csv"'
    return resp
