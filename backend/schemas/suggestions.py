"""Request and response models for suggestions, engagement events and model versions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from backend.schemas.common import HttpUrlStr, Out, Strict
from recommender.text import CONTEXT_MAX_CHARS

PageType = Literal["feed", "post", "profile", "company", "search", "article", "other"]
ClientEventType = Literal["opened", "shared", "dismissed", "saved"]
MAX_LIMIT = 20


def _truncate_context(value: Any) -> Any:
    """Huge page text is cut at ``CONTEXT_MAX_CHARS`` (documented), never rejected."""
    if isinstance(value, str):
        return value[:CONTEXT_MAX_CHARS]
    return value


ContextText = Annotated[str, BeforeValidator(_truncate_context)]


class SuggestionContext(Strict):
    """What the employee is looking at. ``text`` is used for this request only, never stored."""

    url: HttpUrlStr | None = None
    page_type: PageType = "other"
    text: ContextText | None = None


class SuggestionRequest(Strict):
    context: SuggestionContext | None = None
    limit: int = Field(5, ge=1, le=MAX_LIMIT)


class SuggestionItem(Out):
    article_id: int
    url: str
    title: str
    summary: str
    image_url: str | None
    language: str
    score: float = Field(
        description="what the list is sorted by, in [0, 1], non-increasing down the list"
    )
    relevance: float | None = Field(
        None,
        description="how well the article matches the page in view, in [0, 1] (1 = the best "
        "match among the candidates); null without a page context",
    )
    reasons: list[str]
    caption: str


class SuggestionsOut(Out):
    request_id: str
    model_version: str
    degraded: bool = False
    reason: str | None = Field(None, description="why the list is empty, when it is")
    items: list[SuggestionItem]


class EventIn(Strict):
    article_id: int = Field(ge=1)
    type: ClientEventType
    request_id: str | None = Field(None, min_length=1, max_length=36)


class EventOut(Out):
    id: int
    article_id: int
    type: str
    request_id: str | None
    created_at: dt.datetime


class ModelVersionOut(Out):
    version: str
    encoder: str
    status: str
    metrics: dict[str, Any]
    created_at: dt.datetime
    activated_at: dt.datetime | None


class ModelsOut(Out):
    active: str | None
    serving: str
    degraded: bool
    reasons: list[str]
    items: list[ModelVersionOut]
