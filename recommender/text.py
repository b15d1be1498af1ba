"""Text preparation: what exactly gets embedded, with documented bounds.

* Articles: ``title. summary. lead`` where the lead is the first ``ARTICLE_LEAD_WORDS`` words of the
  body, and the whole is capped at ``ARTICLE_MAX_CHARS`` characters. The encoder then truncates at
  its own token limit (96 word pieces for the ONNX MiniLM, 128 for torch MiniLM; see ``encoders``).
* Context (the page the employee is looking at): the API accepts at most ``CONTEXT_MAX_CHARS``
  characters (longer input is cut, not rejected); the encoder sees the first ``CONTEXT_MAX_WORDS``
  words. The context text is used for one request only and never stored or logged.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

ARTICLE_LEAD_WORDS = 60
ARTICLE_MAX_CHARS = 1200
CONTEXT_MAX_CHARS = 5000
# The opening of a post says what it is about. 48 words encode in ~5 ms with the ONNX MiniLM
# (64: ~8 ms, up to the 96-piece cut), with the same results on the language benchmark's post
# and paragraph queries; and less of other people's text is read.
CONTEXT_MAX_WORDS = 48
# BM25 costs next to nothing per word, so the lexical match reads more of the page.
CONTEXT_LEXICAL_WORDS = 128
ROLE_MAX_CHARS = 600

_WS = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)

STOPWORDS = frozenset(
    """the and for with that this from your you are our was were have has had not but all can will
    about into over more most than then they them their there what when where which while who how
    why its it's also just like new one two out off per via been being would could should may might
    og det der til med som for ikke den har han hun jeg vil kan skal var fra men ved eller efter
    over under alle også hvor hvad når sig sin sine vores dine din mit min blev bliver være
    """.split()
)


def normalise_space(text: str) -> str:
    """NFC-normalise and collapse whitespace."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def first_words(text: str, n: int) -> str:
    return " ".join(normalise_space(text).split(" ")[:n]) if text else ""


def article_text(title: str, summary: str = "", body: str = "") -> str:
    """The text embedded for an article: title, summary and the lead of the body, bounded."""
    lead = first_words(body, ARTICLE_LEAD_WORDS)
    parts = [normalise_space(title), normalise_space(summary), lead]
    joined = ". ".join(p.rstrip(".") for p in parts if p)
    return joined[:ARTICLE_MAX_CHARS]


def context_text(text: str | None) -> str:
    """The part of the page text that is embedded (empty when there is nothing usable)."""
    if not text:
        return ""
    return first_words(text[:CONTEXT_MAX_CHARS], CONTEXT_MAX_WORDS)


def context_lexical_text(text: str | None) -> str:
    """The part of the page text matched lexically (BM25): the first ``CONTEXT_LEXICAL_WORDS``."""
    if not text:
        return ""
    return first_words(text[:CONTEXT_MAX_CHARS], CONTEXT_LEXICAL_WORDS)


def role_text(*parts: str | None) -> str:
    """Job title, role description, department and interests joined into one short text."""
    return normalise_space(". ".join(p for p in parts if p))[:ROLE_MAX_CHARS]


def content_hash(text: str, encoder_name: str = "") -> str:
    """sha256 of the embedded text (and encoder), the key for incremental embedding."""
    return hashlib.sha256(f"{encoder_name}\x00{text}".encode()).hexdigest()


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(normalise_space(text)) if s.strip()]


def keywords(text: str) -> set[str]:
    """Lower-cased content words (3+ letters, no stopwords) for overlap-based explanations."""
    return {w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in STOPWORDS}
