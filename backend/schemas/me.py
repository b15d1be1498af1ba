"""The employee's own lists: saved articles and the personal queue of reminders to post."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from backend.schemas.common import Out, Strict

Caption = Annotated[str, StringConstraints(strip_whitespace=True, max_length=3000)]


class SavedIn(Strict):
    article_id: int = Field(ge=1, le=2**31 - 1)


class QueueIn(Strict):
    article_id: int = Field(ge=1, le=2**31 - 1)
    due_at: dt.datetime
    caption: Caption = ""

    @field_validator("due_at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("due_at needs a time zone, e.g. 2026-12-08T09:00:00+01:00")
        return value.astimezone(dt.UTC)


class ArticleBrief(Out):
    article_id: int
    title: str
    url: str
    summary: str
    image_url: str | None
    language: str


class SavedOut(Out):
    article: ArticleBrief
    saved_at: dt.datetime


class SavedList(Out):
    items: list[SavedOut]


class QueueOut(Out):
    id: int
    article: ArticleBrief
    due_at: dt.datetime
    caption: str
    created_at: dt.datetime


class QueueList(Out):
    items: list[QueueOut]


class Removed(Out):
    removed: bool = True
