"""Schemathesis over every operation in /api/v1/openapi.json, in process, with a valid admin token.

Admin tokens may call every bearer endpoint, so each operation is exercised past authentication.
Checks: no 5xx, documented status codes, documented content types, responses match their schema.
Hypothesis examples per operation: ``HERALD_FUZZ_EXAMPLES`` (default 15; CI can raise it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("HERALD_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_operation_answers_within_its_schema(
    app: Flask, headers_for: Callable[..., dict[str, str]]
) -> None:
    app.config["RATELIMIT_ENABLED"] = False
    auth = headers_for("admin")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def exercise(case: Any) -> None:
            headers = {
                k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
            }
            headers.update(auth)
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            exercise()
        except BaseException as exc:  # noqa: BLE001 - collect every failure (groups too), then report
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations > 10
    assert failures == [], "\n\n".join(failures)


# --- explicit examples (issue #13): deep nesting and NUL on every operation -------------------

DEEP_JSON = b"[" * 50_000 + b"]" * 50_000


def _concrete(path: str) -> str:
    """A path template with every parameter filled in (ids: 1)."""
    import re

    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_operation_refuses_deep_nesting_and_nul_with_a_4xx(
    app: Flask, client: Any, headers_for: Callable[..., dict[str, str]]
) -> None:
    """Each operation, called with 50,000 nested ``[`` as its JSON body, with a NUL in a body
    field and with a NUL in a query parameter, answers a documented 4xx in the one JSON error
    shape — never a 5xx (on PostgreSQL a NUL used to reach the driver)."""
    app.config["RATELIMIT_ENABLED"] = False
    auth = headers_for("admin")
    spec = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    problems: list[str] = []
    for template, item in spec["paths"].items():
        path = (
            "/api/v1" + _concrete(template)
            if not template.startswith("/api/")
            else _concrete(template)
        )
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            documented = {int(code) for code in op.get("responses", {}) if code.isdigit()}
            attempts: list[tuple[str, dict[str, Any]]] = [
                ("query NUL", {"query_string": {"q": "a\x00b"}}),
            ]
            if "requestBody" in op:
                attempts += [
                    ("deep JSON", {"data": DEEP_JSON, "content_type": "application/json"}),
                    ("body NUL", {"json": {"name": "a\x00b", "title": "x\x00"}}),
                ]
            for label, kwargs in attempts:
                resp = client.open(path, method=method.upper(), headers=auth, **kwargs)
                checked += 1
                where = f"{method.upper()} {template} ({label}): {resp.status_code}"
                if resp.status_code >= 500:
                    problems.append(where + " " + resp.get_data(as_text=True)[:200])
                    continue
                if resp.status_code >= 400:
                    if documented and resp.status_code not in documented:
                        problems.append(where + " not documented")
                    body = resp.get_json(silent=True)
                    if not (isinstance(body, dict) and set(body) == {"error"}):
                        problems.append(where + " not the JSON error shape")
    assert checked > 50
    assert problems == [], "\n".join(problems)
