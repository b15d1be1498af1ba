"""Language of a text (a page in view, an article without a declared language).

``lingua-language-detector`` (offline: its n-gram models ship inside the wheel), restricted to
``LANGUAGES`` and in low-accuracy mode: ~0.1 ms for a post, and the first call loads the models
(~50 ms, a few MB per language). Too little text to tell (< ``MIN_LETTERS`` letters, or the
best language under ``MIN_CONFIDENCE``) → None:
callers fall back to what they know (the article's declared language, the employee's languages).
"""

from __future__ import annotations

import threading
from typing import Any

LANGUAGES = ("en", "da", "sv", "nb", "de")
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.6  # below: None (short titles in a mix of languages guess badly)

_lock = threading.Lock()
_detector: Any = None


def _get() -> Any:
    global _detector
    with _lock:
        if _detector is None:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, c.upper()) for c in LANGUAGES]
            _detector = (
                LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
                .with_low_accuracy_mode()
                .build()
            )
        return _detector


def detect(text: str | None) -> str | None:
    """ISO 639-1 code of ``text``'s language among ``LANGUAGES``, or None when unsure."""
    if not text or sum(ch.isalpha() for ch in text[:400]) < MIN_LETTERS:
        return None
    ranked = _get().compute_language_confidence_values(text[:2000])
    if not ranked or ranked[0].value < MIN_CONFIDENCE:
        return None
    return str(ranked[0].language.iso_code_639_1.name).lower()
