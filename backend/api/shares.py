"""Shares and their tracked links, later engagement on them, and opt-in profile snapshots."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from backend.auth import Principal
from backend.errors import BadRequest
from backend.i18n import lazy_translate
from backend.openapi import ANY_ROLE, endpoint
from backend.schemas.common import Page
from backend.schemas.tracking import (
    EngagementIn,
    EngagementOut,
    ShareConfirmIn,
    ShareConfirmOut,
    ShareCreate,
    ShareCreated,
    ShareList,
    SnapshotIn,
    SnapshotList,
    SnapshotOut,
)
from backend.services import share_confirmation
from backend.services import shares as svc
from backend.services.clicks import addr_hash

bp = Blueprint("shares", __name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= 128 or not key.isprintable() or not key.isascii():
        raise BadRequest(
            lazy_translate("error.shares.bad_idempotency_key", header=IDEMPOTENCY_HEADER)
        )
    return key


@endpoint(
    bp,
    "/shares",
    method="POST",
    roles=ANY_ROLE,
    body=ShareCreate,
    response=ShareCreated,
    status=201,
    tags=["shares"],
    extra_responses={
        404: "Unknown (or draft) article",
        409: "The article is archived or expired",
        422: "Invalid body, or the Idempotency-Key was used with another body",
    },
)
def create_share(principal: Principal, body: ShareCreate) -> Response:
    """Record that I shared an article; returns the tracked link to put in the post.

    One tracked link per (employee, article, network): sharing the same article on the same
    network again reuses it. Send an ``Idempotency-Key`` header to make retries safe: the same
    key and body return the first response (with ``Idempotent-Replayed: true``), the same key
    with a different body is refused with 422.
    """
    payload, status, replayed = svc.create_share(
        principal.employee,
        body,
        base_url=current_app.config["PUBLIC_BASE_URL"],
        idempotency_key=_idempotency_key(),
        sharer_addr_hash=addr_hash(
            str(current_app.config["CLICK_SALT"]), request.remote_addr or ""
        ),
    )
    resp = jsonify(payload)
    resp.status_code = status
    if replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


@endpoint(bp, "/me/shares", roles=ANY_ROLE, query=Page, response=ShareList, tags=["me"])
def list_my_shares(principal: Principal, query: Page) -> ShareList:
    """My shares, newest first, with human clicks and the latest engagement of each."""
    items, total = svc.list_my_shares(
        principal.employee_id,
        base_url=current_app.config["PUBLIC_BASE_URL"],
        limit=query.limit,
        offset=query.offset,
    )
    return ShareList(items=items, total=total, limit=query.limit, offset=query.offset)


@endpoint(
    bp,
    "/me/shares/confirm",
    method="POST",
    roles=ANY_ROLE,
    body=ShareConfirmIn,
    response=ShareConfirmOut,
    tags=["me"],
)
def confirm_my_shares(principal: Principal, body: ShareConfirmIn) -> ShareConfirmOut:
    """The extension saw my own posts containing these tracked links: confirm their shares.

    A share counts (points, goals, "Shares") only once confirmed: by this call, or by a counted
    click through its link. Only my own links are confirmed; unknown codes and other people's
    are ignored. ``confirmed`` is how many shares this call confirmed (0 on a repeat).
    """
    return ShareConfirmOut(
        confirmed=share_confirmation.confirm_codes(principal.employee_id, body.codes)
    )


@endpoint(
    bp,
    "/shares/<int:share_id>/engagement",
    method="POST",
    roles=ANY_ROLE,
    body=EngagementIn,
    response=EngagementOut,
    status=201,
    tags=["shares"],
    extra_responses={403: "The share belongs to another employee"},
)
def record_engagement(principal: Principal, share_id: int, body: EngagementIn) -> EngagementOut:
    """Reactions, comments and reposts seen on my own post; the latest observation wins."""
    return svc.record_engagement(principal.employee_id, share_id, body)


@endpoint(
    bp,
    "/me/snapshots",
    method="POST",
    roles=ANY_ROLE,
    body=SnapshotIn,
    response=SnapshotOut,
    status=201,
    tags=["me"],
    extra_responses={403: "The profile_snapshots consent is off"},
)
def record_snapshot(principal: Principal, body: SnapshotIn) -> SnapshotOut:
    """Connections and followers (and profile views) from my own profile, when I opted in.

    Also sets my network size to the larger of connections and followers.
    """
    return SnapshotOut.model_validate(svc.record_snapshot(principal.employee, body))


@endpoint(bp, "/me/snapshots", roles=ANY_ROLE, query=Page, response=SnapshotList, tags=["me"])
def list_snapshots(principal: Principal, query: Page) -> SnapshotList:
    """My profile snapshots, newest first."""
    rows = svc.list_snapshots(principal.employee_id, query.limit, query.offset)
    return SnapshotList(items=[SnapshotOut.model_validate(r) for r in rows])
