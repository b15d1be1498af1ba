"""Every text the console shows exists in English and Danish."""

from __future__ import annotations

import re
from pathlib import Path

from backend.console.strings import STRINGS

CONSOLE = Path(__file__).resolve().parents[2] / "backend" / "console"
LITERAL = re.compile(r"""\bt\(\s*['"]([a-z0-9_.]+)['"]""")


def test_both_languages_are_filled_in() -> None:
    for key, (en, da) in STRINGS.items():
        assert en.strip() and da.strip(), key


def test_every_literal_key_exists() -> None:
    files = list(CONSOLE.rglob("*.html")) + list(CONSOLE.glob("*.py"))
    missing = set()
    for path in files:
        for key in LITERAL.findall(path.read_text(encoding="utf-8")):
            if not key.endswith("."):
                if key not in STRINGS:
                    missing.add(f"{path.name}: {key}")
    assert not missing, sorted(missing)


def test_placeholders_match() -> None:
    field = re.compile(r"{(\w+)}")
    for key, (en, da) in STRINGS.items():
        assert set(field.findall(en)) == set(field.findall(da)), key
