"""What the browser extension needs besides suggestions: the selector pack and extraction health."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from backend.openapi import ANY_ROLE, endpoint
from backend.schemas.extension import ExtractionAccepted, ExtractionReport
from backend.services import extraction_health, selector_pack

bp = Blueprint("extension", __name__)


@endpoint(
    bp,
    "/extension/selector-pack",
    roles=ANY_ROLE,
    tags=["extension"],
    extra_responses={304: "Not modified (If-None-Match)", 503: "The configured pack is invalid"},
)
def get_selector_pack() -> Response:
    """The LinkedIn selector pack (data only).

    The extension checks daily and keeps its bundled pack when this one is invalid or not newer."""
    pack = selector_pack.served_pack(current_app.config.get("SELECTOR_PACK_PATH"))
    etag = f'"pack-{pack["version"]}"'
    if request.headers.get("If-None-Match") == etag:
        resp = Response(status=304)
    else:
        resp = jsonify(pack)
    resp.headers["ETag"] = etag
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


@endpoint(
    bp,
    "/extension/extraction-health",
    method="POST",
    roles=ANY_ROLE,
    body=ExtractionReport,
    response=ExtractionAccepted,
    status=202,
    tags=["extension"],
)
def report_extraction(body: ExtractionReport) -> ExtractionAccepted:
    """Count one page the extension read (page kind, DOM, rule, item count, versions; never
    text)."""
    extraction_health.record(body)
    return ExtractionAccepted()
