"""Suggestions for the side panel, engagement events, and the model versions in service."""

from __future__ import annotations

from flask import Blueprint

from backend.auth import Principal
from backend.openapi import ANY_ROLE, CONTENT_ROLES, endpoint
from backend.schemas.suggestions import (
    EventIn,
    EventOut,
    ModelsOut,
    SuggestionRequest,
    SuggestionsOut,
)
from backend.services import suggestions as svc

bp = Blueprint("suggestions", __name__)


@endpoint(
    bp,
    "/suggestions",
    method="POST",
    roles=ANY_ROLE,
    body=SuggestionRequest,
    response=SuggestionsOut,
    tags=["suggestions"],
)
def post_suggestions(principal: Principal, body: SuggestionRequest) -> SuggestionsOut:
    """Articles I am most likely to share now, with reasons and a caption draft.

    ``context.text`` (what I am looking at) is cut at 5,000 characters, of which the first 48
    words are embedded; it is used for this request only and never stored. An empty list comes
    with a ``reason``. ``degraded`` is true while the published model cannot be used and a
    popularity/freshness fallback is served.
    """
    return svc.suggest(principal.employee, body)


@endpoint(
    bp,
    "/events",
    method="POST",
    roles=ANY_ROLE,
    body=EventIn,
    response=EventOut,
    status=201,
    tags=["suggestions"],
)
def post_event(principal: Principal, body: EventIn) -> EventOut:
    """Record that I opened, shared, dismissed or saved a suggested article.

    Pass the ``request_id`` of the suggestions response so the event joins back to the impression
    for training; dismissed and shared articles are not suggested to me again.
    """
    return svc.record_event(principal.employee, body)


@endpoint(bp, "/models", roles=CONTENT_ROLES, response=ModelsOut, tags=["suggestions"])
def get_models() -> ModelsOut:
    """Model versions, the active one, and what this worker is serving."""
    return svc.list_models()
