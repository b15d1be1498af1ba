"""Translations: gettext catalogues read by Flask-Babel, for the console, the digest e-mails and
any other text Herald shows people.

The catalogues are ``backend/translations/<lang>/LC_MESSAGES/messages.po`` (English and Danish),
compiled to ``messages.mo`` next to them; both are committed, and a test fails when a ``.mo`` no
longer matches its ``.po`` (``make translations`` compiles them). Message ids are stable keys
(``nav.home``, ``digest.hello``), so a wording change touches only the catalogues; the English
catalogue holds the English text. Values are filled in with ``str.format`` (``{name}``).

Add a text: put the key with its English text in ``en/…/messages.po`` and its Danish text in
``da/…/messages.po``, run ``make translations``, then use ``t("the.key")`` (console) or
:func:`translate`. The browser extension keeps its own ``chrome.i18n`` messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from babel import numbers as babel_numbers
from flask import Flask, g, has_request_context, request
from flask_babel import LazyString, force_locale, format_decimal, get_locale, gettext, refresh

from backend.extensions import babel

__all__ = [
    "LANGUAGES",
    "TRANSLATIONS_DIR",
    "format_number",
    "format_percent",
    "in_language",
    "choose_language",
    "init_app",
    "lazy_translate",
    "translate",
]

LANGUAGES = ("en", "da")
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
# Set by the console for its pages (the language switcher, the user's setting); elsewhere the
# request's Accept-Language decides, and outside a request English.
LANGUAGE_KEY = "herald_language"


def _selected_language() -> str:
    """The console's choice, else the request's Accept-Language, else the signed-in employee's
    own language (``ui_language``), else English."""
    if not has_request_context():
        return "en"
    chosen = g.get(LANGUAGE_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    accepted = request.accept_languages.best_match(LANGUAGES)
    if accepted:
        return str(accepted)
    principal = g.get("principal")  # set by backend.auth once the caller is known
    language = getattr(principal, "language", None)
    return str(language) if language in LANGUAGES else "en"


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=_selected_language,
        default_locale="en",
        default_translation_directories=str(TRANSLATIONS_DIR),
    )

    @app.before_request
    def _forget_the_last_language() -> None:
        # Flask-Babel keeps the chosen locale in ``g``, which outlives a request when an app
        # context was pushed around it (tests, CLI): every request chooses afresh.
        g.pop(LANGUAGE_KEY, None)
        refresh()


def choose_language(lang: str) -> None:
    """Use ``lang`` for the rest of this request (the console's choice for its pages)."""
    setattr(g, LANGUAGE_KEY, lang)
    refresh()


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def translate(key: str, **values: Any) -> str:
    """The text for ``key`` in the current language, with ``{name}`` values filled in.

    An unknown key comes back as itself, so a missing text is visible, never blank.
    """
    text = str(gettext(key))
    return text.format(**values) if values else text


def lazy_translate(key: str, **values: Any) -> LazyString:
    """:func:`translate`, deferred until the text is shown: an API error raised in a service is
    worded in the language of the response that carries it (``backend.errors``)."""
    return LazyString(translate, key, **values)


def refresh_language() -> None:
    """Choose the language again (the caller may have become known since it was first chosen)."""
    refresh()


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Translate in ``lang`` inside the block (an e-mail in its recipient's language)."""
    with force_locale(lang if lang in LANGUAGES else "en"):
        yield


def format_number(value: Any, digits: int = 0) -> str:
    """1,234.5 in English, 1.234,5 in Danish (Babel's CLDR data); an em dash for missing values."""
    if value is None:
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return str(format_decimal(number, format=pattern))


def number_symbols() -> dict[str, str]:
    """The current language's decimal and group separators from Babel's CLDR data ("," and "."
    in Danish), for the console's charts, which format their axis ticks and tooltips with them
    so that a chart reads like the table under it."""
    locale = get_locale() or "en"
    return {
        "decimal": babel_numbers.get_decimal_symbol(locale),
        "group": babel_numbers.get_group_symbol(locale),
    }


def format_percent(value: Any, digits: int = 0) -> str:
    """A share (0.125) as a percentage ("12.5 %"), in the current language's digits."""
    if value is None:
        return "—"
    return format_number(float(value) * 100, digits) + " %"
