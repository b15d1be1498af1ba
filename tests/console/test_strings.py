"""Every text the console and the digest e-mails show exists in English and Danish, in the gettext
catalogues (backend/translations), and the committed .mo files are those catalogues compiled."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask

from backend.i18n import LANGUAGES, TRANSLATIONS_DIR, format_number, format_percent, translate

BACKEND = Path(__file__).resolve().parents[2] / "backend"
LITERAL = re.compile(r"""\bt\(\s*['"]([a-z0-9_.]+)['"]""")
EMAIL_KEY = re.compile(r"\bt\.([a-z_]+)")
FIELD = re.compile(r"{(\w+)}")


def _catalog(lang: str) -> Catalog:
    with open(TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _texts(lang: str) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in _catalog(lang) if m.id}


def test_both_languages_are_filled_in_for_the_same_keys() -> None:
    en, da = _texts("en"), _texts("da")
    assert en.keys() == da.keys()
    assert len(en) > 400  # the console and the digest, not an empty catalogue
    for key in en:
        assert en[key].strip() and da[key].strip(), key


def test_danish_is_not_a_copy_of_english() -> None:
    en, da = _texts("en"), _texts("da")
    differing = sum(en[key] != da[key] for key in en)
    assert differing > 0.9 * len(en)


def test_every_literal_key_exists() -> None:
    keys = _texts("en").keys()
    files = list((BACKEND / "console").rglob("*.html")) + list((BACKEND / "console").glob("*.py"))
    missing = set()
    for path in files:
        for key in LITERAL.findall(path.read_text(encoding="utf-8")):
            if not key.endswith(".") and key not in keys:
                missing.add(f"{path.name}: {key}")
    for path in (BACKEND / "templates" / "email").glob("*.*"):
        # Each e-mail reads its own catalogue prefix (services/digest.py, invitations.py).
        prefix = "invite_email" if path.stem == "invitation" else "digest"
        for key in EMAIL_KEY.findall(path.read_text(encoding="utf-8")):
            if f"{prefix}.{key}" not in keys:
                missing.add(f"{path.name}: {prefix}.{key}")
    assert not missing, sorted(missing)


def test_placeholders_match() -> None:
    en, da = _texts("en"), _texts("da")
    for key in en:
        assert set(FIELD.findall(en[key])) == set(FIELD.findall(da[key])), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_mo_is_the_compiled_po(lang: str) -> None:
    """`make translations` after editing a .po; a stale .mo would show old texts."""
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(lang))
    compiled.seek(0)
    with open(TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        committed = read_mo(f)
    fresh = read_mo(compiled)
    assert {m.id: m.string for m in committed if m.id} == {m.id: m.string for m in fresh if m.id}


def test_translate_reads_the_catalogue_of_the_chosen_language(app: Flask) -> None:
    from backend.i18n import in_language

    with in_language("da"):
        assert translate("nav.home") == "Forside"
        assert translate("digest.hello", name="Mette") == "Hej Mette,"
    with in_language("en"):
        assert translate("nav.home") == "Home"
        assert translate("no.such.key") == "no.such.key"


@pytest.mark.parametrize(
    ("lang", "value", "digits", "number", "percent"),
    [
        ("en", 1234.5, 1, "1,234.5", "123,450.0 %"),
        ("da", 1234.5, 1, "1.234,5", "123.450,0 %"),
        ("en", 0.125, 0, "0", "12 %"),
        ("da", 0.125, 1, "0,1", "12,5 %"),
        ("da", -1234567, 0, "-1.234.567", "-123.456.700 %"),
    ],
)
def test_numbers_follow_the_language(
    app: Flask, lang: str, value: float, digits: int, number: str, percent: str
) -> None:
    from backend.i18n import in_language

    with in_language(lang):
        assert format_number(value, digits) == number
        assert format_percent(value, digits) == percent
        assert format_number(None) == "—"
