"""Caption drafts: the content team's caption in the article's language when there is one, otherwise
the article's key sentence with framing for the employee's role. Drafts vary per employee (a stable
hash of employee and article picks the template) so colleagues do not all post the same text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from recommender.text import sentences

MAX_KEY_SENTENCE_CHARS = 220

# Framings by department keyword; "{key}" is the key sentence. English and Danish.
_FRAMINGS: dict[str, dict[str, Sequence[str]]] = {
    "en": {
        "sales": (
            "Customers keep asking me about this. {key}",
            "Worth a read if you're weighing your options: {key}",
            "A good one to share with the teams I work with. {key}",
        ),
        "engineering": (
            "Interesting read from our engineers. {key}",
            "The technical details here are worth a look: {key}",
            "How we approach this, in short: {key}",
        ),
        "marketing": (
            "Proud of this one. {key}",
            "Fresh from our team: {key}",
            "If you follow our work, don't miss this. {key}",
        ),
        "": (
            "Worth a read: {key}",
            "Sharing this from our team. {key}",
            "This caught my eye this week. {key}",
            "Good read. {key}",
        ),
    },
    "da": {
        "": (
            "Værd at læse: {key}",
            "Deler lige denne fra os. {key}",
            "Den her fangede min opmærksomhed. {key}",
        ),
    },
}


def key_sentence(title: str, summary: str) -> str:
    """The summary's first sentence if it is informative, else the title."""
    first = next(iter(sentences(summary)), "")
    key = first if len(first.split()) >= 5 else title.strip()
    if len(key) > MAX_KEY_SENTENCE_CHARS:
        key = key[: MAX_KEY_SENTENCE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return key


def _variant(employee_id: int, article_id: int, n: int) -> int:
    digest = hashlib.sha256(f"{employee_id}:{article_id}".encode()).digest()
    return int.from_bytes(digest[:4], "little") % n


def draft_caption(
    *,
    employee_id: int,
    article_id: int,
    title: str,
    summary: str,
    language: str,
    department: str = "",
    team_captions: Sequence[tuple[str, str]] = (),
) -> str:
    """A caption for this employee and article; ``team_captions`` are ``(language, text)`` pairs."""
    team = [text for lang, text in team_captions if lang == language and text.strip()]
    if team:
        return team[_variant(employee_id, article_id, len(team))]
    framings = _FRAMINGS.get(language, _FRAMINGS["en"])
    dept = department.lower()
    key_name = next((k for k in framings if k and k in dept), "")
    options = framings[key_name]
    template = options[_variant(employee_id, article_id, len(options))]
    return template.format(key=key_sentence(title, summary))
