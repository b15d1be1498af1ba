"""The extension's selector pack and extraction-health reports (counts only, never text)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PageKind = Literal[
    "feed",
    "activity",
    "post",
    "profile",
    "company",
    "company-posts",
    "search-posts",
    "search-people",
    "search",
    "article",
    "other",
]
DomGeneration = Literal["classic", "2026", "guest", "unknown"]
RULE_KEYS = (
    "post postText postAuthor postUrn postLink mentionedPerson reactionsCount commentsCount "
    "repostsCount profileName profileHeadline profileAbout profileTopCard ownProfileMarker "
    "profileViews companyName companyAbout companyTagline articleTitle articleBody articleAuthor "
    "feedContainer hiddenText domMarker"
).split()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class PackRule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    dom: Literal["classic", "2026", "guest", "generic"]
    css: str = Field(min_length=1, max_length=2000)
    attr: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{0,63}$")
    re: str | None = Field(default=None, max_length=1000)
    notInside: str | None = Field(default=None, min_length=1, max_length=2000)  # noqa: N815

    @field_validator("re")
    @classmethod
    def _valid_re(cls, value: str | None) -> str | None:
        return None if value is None else _regex(value)


class PackFallback(_Strict):
    containers: list[str] = Field(min_length=1, max_length=40)
    authorLabels: list[str] = Field(max_length=40)  # noqa: N815
    actorLinks: str = Field(min_length=1, max_length=2000)  # noqa: N815
    excludeInside: str = Field(min_length=1, max_length=2000)  # noqa: N815
    minTextChars: int = Field(ge=1, le=1000)  # noqa: N815

    @field_validator("authorLabels")
    @classmethod
    def _valid_labels(cls, value: list[str]) -> list[str]:
        return [_regex(v) for v in value]


class SelectorPack(_Strict):
    """The schema extension/lib/pack.js checks too (the browser also parses every CSS selector)."""

    format: Literal[1]
    version: int = Field(ge=1)
    released: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    notes: str | None = Field(default=None, max_length=5000)
    rules: dict[str, list[PackRule]]
    fallback: PackFallback

    @field_validator("rules")
    @classmethod
    def _known_keys(cls, value: dict[str, list[PackRule]]) -> dict[str, list[PackRule]]:
        unknown = sorted(set(value) - set(RULE_KEYS))
        missing = sorted(set(RULE_KEYS) - set(value))
        if unknown or missing:
            raise ValueError(f"unknown rule keys {unknown}, missing rule keys {missing}")
        for key, rules in value.items():
            ids = [r.id for r in rules]
            if len(ids) != len(set(ids)):
                raise ValueError(f"duplicate rule ids in {key}")
            if len(rules) > 40:
                raise ValueError(f"more than 40 rules in {key}")
        return value


class ExtractionReport(_Strict):
    """One page the extension read: what kind, which DOM, which rule matched, how many items."""

    page_kind: PageKind
    dom: DomGeneration
    rule: str = Field(pattern=r"^[A-Za-z0-9:+_-]{1,120}$")
    items: int = Field(ge=0, le=1000)
    pack_version: int = Field(ge=0, le=10**9)
    extension_version: str = Field(pattern=r"^\d{1,5}(\.\d{1,5}){0,3}$")


class ExtractionAccepted(BaseModel):
    accepted: bool = True
