"""Articles: request/response models for the content team's API and the importers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from backend.schemas.common import HttpUrlStr, Language, Out, Page, ShortText, Strict, Tag

ArticleStatus = Literal["draft", "approved", "archived"]

MAX_TAGS = 30
MAX_CAPTION_LANGUAGES = 10
MAX_CAPTIONS_PER_LANGUAGE = 10
MAX_BODY = 50_000
MAX_SUMMARY = 2_000
MAX_CAPTION = 3_000  # LinkedIn's own post limit


def _assume_utc(value: dt.datetime) -> dt.datetime:
    """Naive times are read as UTC; every time is stored as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


UTCTime = Annotated[dt.datetime, AfterValidator(_assume_utc)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_SUMMARY)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_BODY)]
CaptionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_CAPTION)
]
Slug = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=80, pattern=r"^[a-z0-9-]+$"
    ),
]
Captions = Annotated[dict[Language, list[CaptionText]], Field(max_length=MAX_CAPTION_LANGUAGES)]


def _clean_tags(tags: list[str]) -> list[str]:
    """Lower-case and de-duplicate, keeping the first-seen order."""
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(tag.lower(), None)
    return list(seen)


def _check_captions(captions: dict[str, list[str]]) -> dict[str, list[str]]:
    for lang, texts in captions.items():
        if len(texts) > MAX_CAPTIONS_PER_LANGUAGE:
            raise ValueError(
                f"at most {MAX_CAPTIONS_PER_LANGUAGE} caption variants per language "
                f"('{lang}' has {len(texts)})"
            )
    return captions


class _ArticleFields(Strict):
    @field_validator("tags", check_fields=False)
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _clean_tags(value)

    @field_validator("captions", check_fields=False)
    @classmethod
    def _captions(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        return None if value is None else _check_captions(value)

    @model_validator(mode="after")
    def _dates_in_order(self) -> _ArticleFields:
        published = getattr(self, "published_at", None)
        expires = getattr(self, "expires_at", None)
        if published is not None and expires is not None and expires <= published:
            raise ValueError("expires_at must be after published_at")
        return self


class ArticleCreate(_ArticleFields):
    """A new article; ``canonical_url`` is normalised (``services.articles.canonicalise_url``)."""

    canonical_url: HttpUrlStr
    title: Title
    summary: Summary = ""
    body: Body = ""
    # None: detected from the text (``recommender.language``), English when it cannot tell.
    language: Language | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    image_url: HttpUrlStr | None = None
    published_at: UTCTime | None = None
    expires_at: UTCTime | None = None
    status: ArticleStatus = "draft"
    campaign: Slug | None = None
    captions: Captions = Field(default_factory=dict)


class ArticleUpdate(_ArticleFields):
    """Partial update. ``null`` clears the optional fields (image, dates, campaign).

    ``captions`` replaces the variants of each language it names; an empty list removes that
    language's captions; languages not named are kept.
    """

    canonical_url: HttpUrlStr | None = None
    title: Title | None = None
    summary: Summary | None = None
    body: Body | None = None
    language: Language | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    image_url: HttpUrlStr | None = None
    published_at: UTCTime | None = None
    expires_at: UTCTime | None = None
    status: ArticleStatus | None = None
    campaign: Slug | None = None
    captions: (
        Annotated[dict[Language, list[CaptionText]], Field(max_length=MAX_CAPTION_LANGUAGES)] | None
    ) = None

    @model_validator(mode="after")
    def _not_null_required(self) -> ArticleUpdate:
        for name in ("canonical_url", "title", "summary", "body", "language", "tags", "status"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ArticleOut(Out):
    id: int
    canonical_url: str
    title: str
    summary: str
    body: str
    language: str
    tags: list[str]
    image_url: str | None
    published_at: dt.datetime | None
    expires_at: dt.datetime | None
    status: ArticleStatus
    campaign: str | None
    captions: dict[str, list[str]]
    approved_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ArticleList(Out):
    items: list[ArticleOut]
    total: int
    limit: int
    offset: int


class ArticleQuery(Page):
    status: ArticleStatus | None = None
    language: Language | None = None
    campaign: Slug | None = None
    tag: Tag | None = None
    q: ShortText | None = Field(None, description="Case-insensitive search in title and summary")
    expiring_within_days: int | None = Field(
        None, ge=0, le=3650, description="Only articles whose expires_at falls in the next N days"
    )


class ArticleDeleteOut(Out):
    id: int
    outcome: Literal["deleted", "archived"] = Field(
        description="archived when the article has share, impression, event or conversion history"
    )


class ImportQuery(Strict):
    dry_run: bool = False
    format: Literal["csv", "jsonl", "feed"] | None = Field(
        None, description="Overrides the format deduced from the content type or file name"
    )
    language: Language | None = Field(
        None, description="Language for rows (or feeds) that do not name one"
    )


class ImportRowError(Out):
    row: int = Field(description="1-based record number (the CSV header is not a record)")
    line: int = Field(description="Line in the file where the record starts")
    field: str = ""
    message: str


class ImportRowResult(Out):
    row: int
    id: int | None
    canonical_url: str
    outcome: Literal["created", "updated", "unchanged"]


class ImportReportOut(Out):
    format: str
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    failed: int
    errors: list[ImportRowError]
    items: list[ImportRowResult]
