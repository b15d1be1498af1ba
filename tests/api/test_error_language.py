"""API error messages come from the gettext catalogues: worded in the caller's language
(Accept-Language, else the employee's own ``ui_language``), English by default; the code and
the one JSON error shape never change with the language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from backend.i18n import TRANSLATIONS_DIR
from tests.api.test_errors import assert_error

BACKEND = Path(__file__).resolve().parents[2] / "backend"
ERROR_KEY = re.compile(r"""(?:lazy_translate|translate)\(\s*["'](error\.[a-z0-9_.]+)["']""")


def test_english_by_default(client: Any, content_headers: dict[str, str]) -> None:
    err = assert_error(
        client.get("/api/v1/articles/424242", headers=content_headers), 404, "not_found"
    )
    assert err["message"] == "article 424242 not found"


def test_danish_accept_language_gets_danish_with_the_same_code(
    client: Any, content_headers: dict[str, str]
) -> None:
    resp = client.get(
        "/api/v1/articles/424242",
        headers={**content_headers, "Accept-Language": "da-DK,da;q=0.9,en;q=0.5"},
    )
    err = assert_error(resp, 404, "not_found")
    assert err["message"] == "artikel 424242 findes ikke"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "missing bearer token"),
        ("da", "bearer-token mangler"),
        ("fr", "missing bearer token"),
    ],
)
def test_401_before_the_caller_is_known(client: Any, language: str, message: str) -> None:
    resp = client.get("/api/v1/me", headers={"Accept-Language": language})
    assert assert_error(resp, 401, "unauthorized")["message"] == message


def test_the_employees_own_language_without_accept_language(client: Any, headers_for: Any) -> None:
    headers = headers_for("content", ui_language="da")
    err = assert_error(client.get("/api/v1/articles/7", headers=headers), 404, "not_found")
    assert err["message"] == "artikel 7 findes ikke"
    # the browser's stated language wins over the account setting
    resp = client.get("/api/v1/articles/7", headers={**headers, "Accept-Language": "en"})
    assert assert_error(resp, 404, "not_found")["message"] == "article 7 not found"


def test_werkzeug_errors_are_translated_too(client: Any) -> None:
    da = {"Accept-Language": "da"}
    assert (
        assert_error(client.get("/api/v1/no-such-thing", headers=da), 404, "not_found")["message"]
        == "ikke fundet"
    )
    resp = client.delete("/api/v1/openapi.json", headers=da)
    assert assert_error(resp, 405, "method_not_allowed")["message"] == (
        "metoden er ikke tilladt for denne URL"
    )


def test_a_role_refusal_fills_in_its_values_in_danish(
    client: Any, employee_headers: dict[str, str]
) -> None:
    resp = client.get("/api/v1/articles", headers={**employee_headers, "Accept-Language": "da"})
    message = assert_error(resp, 403, "forbidden")["message"]
    assert message.startswith("dette endpoint kræver en af rollerne ")
    assert message.endswith("; dit token har rollen employee")


def _catalogue(lang: str) -> dict[str, str]:
    with open(TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return {str(m.id): str(m.string) for m in read_po(f, locale=lang) if m.id}


def test_every_error_key_in_the_code_is_in_both_catalogues() -> None:
    used = {
        key
        for path in BACKEND.rglob("*.py")
        if "migrations" not in path.parts
        for key in ERROR_KEY.findall(path.read_text(encoding="utf-8"))
    }
    assert len(used) > 60  # the services' errors, not an empty scan
    en, da = _catalogue("en"), _catalogue("da")
    assert sorted(used - en.keys()) == []
    assert sorted(used - da.keys()) == []
    assert sum(en[key] != da[key] for key in used) > 0.9 * len(used)
