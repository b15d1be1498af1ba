"""English and Danish for the console: a thin layer over the gettext catalogues (backend/i18n.py).

The language is, in order: the one chosen in this session (the switcher), the signed-in user's
``ui_language``, the browser's Accept-Language, English. ``t(key, **values)`` is the catalogue's
text for ``key`` filled in with ``str.format``; numbers are formatted by Babel for that language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, request, session

from backend import i18n
from backend.console.blueprint import bp

LANGUAGES = i18n.LANGUAGES
LANGUAGE_NAMES = {"en": "English", "da": "Dansk"}


def current_language() -> str:
    lang = g.get(i18n.LANGUAGE_KEY)
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
    i18n.choose_language(str(lang))  # what Flask-Babel's locale selector reads
    return str(lang)


def t(key: str, **values: Any) -> str:
    current_language()  # before Flask-Babel picks (and keeps) this request's locale
    return i18n.translate(key, **values)


def fmt_number(value: Any, digits: int = 0) -> str:
    """1,234.5 in English, 1.234,5 in Danish; an em dash for missing values."""
    current_language()
    return i18n.format_number(value, digits)


def fmt_percent(value: Any, digits: int = 0) -> str:
    current_language()
    return i18n.format_percent(value, digits)


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
    lang = current_language()
    return {
        "lang": lang,
        "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES,
        "number_symbols": i18n.number_symbols(),
    }
