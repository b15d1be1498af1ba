"""Conversions from the company website/CRM (signed webhook) and the integrations that send them."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from backend.auth import Principal
from backend.openapi import ADMIN_ONLY, CONTENT_ROLES, PUBLIC, REGISTRY, endpoint, parse_json_body
from backend.schemas.tracking import (
    ConversionIn,
    ConversionList,
    ConversionOut,
    ConversionQuery,
    IntegrationCreate,
    IntegrationOut,
    IntegrationUpdate,
    IntegrationWithSecret,
)
from backend.services import conversions as svc

bp = Blueprint("conversions", __name__)


@endpoint(
    bp,
    "/conversions",
    method="POST",
    roles=PUBLIC,
    auth="hmac",
    response=ConversionOut,
    status=201,
    tags=["conversions"],
    extra_responses={
        200: "Already recorded: the stored conversion with this external_id",
        400: "Malformed JSON",
        401: "Unknown integration, bad signature or timestamp outside the 5-minute window",
        404: "Unknown tracked code, employee reference or article URL",
        409: "Nonce (or this exact signed request) already used",
        415: "Wrong content type",
        422: "Invalid fields",
    },
)
def create_conversion() -> Response:
    """Record a lead, signup or sale, attributed to the employee, article and campaign.

    Signed with the integration's secret: ``X-Herald-Signature: sha256=HMAC(secret,
    timestamp + "." + body)`` with ``X-Herald-Integration`` (id or name), ``X-Herald-Timestamp``
    (Unix seconds, within 5 minutes) and a single-use ``X-Herald-Nonce``. The signature is checked
    before the body is read. See docs/tracking.md for curl and Python examples.
    """
    signed = svc.SignedRequest(
        integration_id=request.headers.get("X-Herald-Integration", ""),
        timestamp=request.headers.get("X-Herald-Timestamp", ""),
        nonce=request.headers.get("X-Herald-Nonce", ""),
        signature=request.headers.get("X-Herald-Signature", ""),
        body=request.get_data(cache=True),
    )
    integration = svc.verify(signed)
    data = parse_json_body(ConversionIn)
    assert isinstance(data, ConversionIn)
    row, created = svc.record_conversion(integration, signed, data)
    resp = jsonify(ConversionOut.model_validate(row).model_dump(mode="json"))
    resp.status_code = 201 if created else 200
    return resp


# The body is parsed inside the view (after the signature check); document it all the same.
next(s for s in REGISTRY if s.func_name == "create_conversion").body = ConversionIn


@endpoint(
    bp,
    "/conversions",
    roles=CONTENT_ROLES,
    query=ConversionQuery,
    response=ConversionList,
    tags=["conversions"],
)
def list_conversions(query: ConversionQuery) -> ConversionList:
    """Conversions, newest first, filtered by period, type, employee, article or campaign."""
    rows, total = svc.list_conversions(query)
    return ConversionList(
        items=[ConversionOut.model_validate(r) for r in rows],
        total=total,
        limit=query.limit,
        offset=query.offset,
    )


@endpoint(
    bp,
    "/integrations",
    method="POST",
    roles=ADMIN_ONLY,
    body=IntegrationCreate,
    response=IntegrationWithSecret,
    status=201,
    tags=["conversions"],
    extra_responses={409: "An integration with this name exists"},
)
def create_integration(principal: Principal, body: IntegrationCreate) -> IntegrationWithSecret:
    """Register a website/CRM; the response shows its signing secret once."""
    return IntegrationWithSecret.model_validate(svc.create_integration(body, principal.employee_id))


@endpoint(
    bp,
    "/integrations",
    roles=ADMIN_ONLY,
    response=list[IntegrationOut],
    tags=["conversions"],
)
def list_integrations() -> list[IntegrationOut]:
    """Integrations (secrets are never listed)."""
    return [IntegrationOut.model_validate(r) for r in svc.list_integrations()]


@endpoint(
    bp,
    "/integrations/<int:integration_id>",
    roles=ADMIN_ONLY,
    response=IntegrationOut,
    tags=["conversions"],
)
def get_integration(integration_id: int) -> IntegrationOut:
    """One integration (without its secret)."""
    return IntegrationOut.model_validate(svc.get_integration(integration_id))


@endpoint(
    bp,
    "/integrations/<int:integration_id>",
    method="PATCH",
    roles=ADMIN_ONLY,
    body=IntegrationUpdate,
    response=IntegrationOut,
    tags=["conversions"],
)
def update_integration(
    principal: Principal, integration_id: int, body: IntegrationUpdate
) -> IntegrationOut:
    """Turn an integration off (its signed requests get 401) or on again."""
    return IntegrationOut.model_validate(
        svc.set_integration_active(integration_id, body.active, principal.employee_id)
    )


@endpoint(
    bp,
    "/integrations/<int:integration_id>/rotate-secret",
    method="POST",
    roles=ADMIN_ONLY,
    response=IntegrationWithSecret,
    tags=["conversions"],
)
def rotate_integration_secret(principal: Principal, integration_id: int) -> IntegrationWithSecret:
    """Replace the signing secret (the old one stops working at once); shown once."""
    return IntegrationWithSecret.model_validate(
        svc.rotate_integration_secret(integration_id, principal.employee_id)
    )
