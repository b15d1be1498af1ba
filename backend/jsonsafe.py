"""JSON from clients, parsed without the two ways it could still end in a 500: nesting deep enough
to exhaust Python's recursion (50,000 ``[``) and NUL characters, which PostgreSQL text cannot
store. Used by every JSON body (``backend.openapi.parse_json``) and by the NDJSON/CSV import.
A leaf module: standard library only.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32  # far deeper than any Herald body; 50,000 '[' must not reach the parser's stack


def json_depth_ok(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """False when brackets nest deeper than ``limit`` (strings skipped), before parsing: Python's
    json parser recurses per level and would end in a RecursionError (a 500)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:  # the usual body: nothing to walk
        return True
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def nul_fields(data: Any, path: str = "") -> list[str]:
    """Where a string (or key) holds a NUL character: PostgreSQL text cannot store one."""
    found: list[str] = []
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                found.append(where or "body")
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                if "\x00" in str(key):
                    found.append(name)
                stack.append((item, name))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{where}.{i}" if where else str(i)) for i, item in enumerate(value)
            )
    return sorted(found)


def loads(raw: bytes | str, limit: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses nesting deeper than ``limit`` with a ValueError."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if not json_depth_ok(data, limit):
        raise ValueError(f"nested deeper than {limit} levels")
    try:
        return json.loads(raw)
    except RecursionError:  # pragma: no cover - json_depth_ok keeps the depth far below
        raise ValueError(f"nested deeper than {limit} levels") from None
