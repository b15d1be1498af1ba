"""Mentions: employees flag LinkedIn posts about the company; the content team resolves them."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from backend.auth import Principal
from backend.openapi import ANY_ROLE, CONTENT_ROLES, endpoint
from backend.schemas.tracking import (
    MentionCreate,
    MentionList,
    MentionOut,
    MentionQuery,
    MentionResolve,
)
from backend.services import mentions as svc

bp = Blueprint("mentions", __name__)


@endpoint(
    bp,
    "/mentions",
    method="POST",
    roles=ANY_ROLE,
    body=MentionCreate,
    response=MentionOut,
    status=201,
    tags=["mentions"],
    extra_responses={200: "I already flagged this URL; the open mention is returned"},
)
def create_mention(principal: Principal, body: MentionCreate) -> Response:
    """Flag a LinkedIn post about the company (its URL and a snippet of at most 500 characters)."""
    row, created = svc.create_mention(principal.employee_id, body)
    resp = jsonify(MentionOut.model_validate(row).model_dump(mode="json"))
    resp.status_code = 201 if created else 200
    return resp


@endpoint(
    bp,
    "/mentions",
    roles=CONTENT_ROLES,
    query=MentionQuery,
    response=MentionList,
    tags=["mentions"],
)
def list_mentions(query: MentionQuery) -> MentionList:
    """Flagged mentions, newest first, optionally only open or resolved ones."""
    rows, total = svc.list_mentions(query)
    return MentionList(
        items=[MentionOut.model_validate(r) for r in rows],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )


@endpoint(
    bp,
    "/mentions/<int:mention_id>/resolve",
    method="POST",
    roles=CONTENT_ROLES,
    body=MentionResolve,
    response=MentionOut,
    tags=["mentions"],
    extra_responses={409: "Already resolved"},
)
def resolve_mention(principal: Principal, mention_id: int, body: MentionResolve) -> MentionOut:
    """Mark a mention handled, with an optional note."""
    return MentionOut.model_validate(svc.resolve_mention(mention_id, body, principal.employee_id))
