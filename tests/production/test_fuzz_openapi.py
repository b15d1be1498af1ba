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
