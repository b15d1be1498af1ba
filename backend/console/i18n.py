"""English and Danish for the console.

The language is, in order: the one chosen in this session (the switcher), the signed-in user's
``ui_language``, the browser's Accept-Language, English. Strings live in ``STRINGS`` as
``key: (english, danish)`` pairs, so a missing translation is a syntax error, not a blank.
``t(key, **values)`` formats with ``str.format``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, request, session

from backend.console.blueprint import bp
from backend.console.strings import STRINGS

LANGUAGES = ("en", "da")
LANGUAGE_NAMES = {"en": "English", "da": "Dansk"}


def current_language() -> str:
    lang = g.get("console_lang")
    if lang:
        return str(lang)
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        lang = chosen
    else:
        user = g.get("console_user")
        if user is not None and user.ui_language in LANGUAGES:
            lang = user.ui_language
        else:
            lang = request.accept_languages.best_match(LANGUAGES) or "en"
    g.console_lang = lang
    return str(lang)


def t(key: str, **values: Any) -> str:
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if current_language() == "da" else pair[0]
    return text.format(**values) if values else text


def fmt_number(value: Any, digits: int = 0) -> str:
    """1,234.5 in English, 1.234,5 in Danish; an em dash for missing values."""
    if value is None:
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:,.{digits}f}"
    if current_language() == "da":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def fmt_percent(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    return fmt_number(float(value) * 100, digits) + " %"


def fmt_date(value: dt.datetime | dt.date | None, with_time: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
        if with_time:
            return value.strftime("%Y-%m-%d %H:%M") + " UTC"
        value = value.date()
    return value.isoformat()


bp.add_app_template_global(t, "t")
bp.add_app_template_filter(fmt_number, "num")
bp.add_app_template_filter(fmt_percent, "pct")
bp.add_app_template_filter(fmt_date, "date")


@bp.context_processor
def _lang() -> dict[str, Any]:
    return {"lang": current_language(), "languages": LANGUAGES, "language_names": LANGUAGE_NAMES}
