"""SCIM 2.0 provisioning of employees (RFC 7643/7644) under ``/scim/v2``, for the company's
identity provider (Entra ID, Okta, ...). Payloads are validated and serialized by scim2-models.

* Auth: an admin API token as ``Authorization: Bearer`` (``flask create-admin``).
* ``POST /Users`` creates an employee (``userName`` = e-mail). An employee who already exists
  with that e-mail but is not yet provisioned is adopted (linked) instead of duplicated.
* ``PUT``/``PATCH`` update name, e-mail, title, language and ``active``; ``active: false``
  deactivates: the employee stays with all their shares, clicks and points (history is kept) and
  their tokens are revoked. ``DELETE`` does the same and unlinks the SCIM identity, after which
  the resource answers 404 as RFC 7644 §3.6 asks.
* Filters: ``userName eq "..."`` and ``externalId eq "..."`` (what IdPs send before creating).
* Errors use SCIM's own error body (``urn:ietf:params:scim:api:messages:2.0:Error``), which SCIM
  clients require, instead of the API's JSON error shape.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, json, request, url_for
from pydantic import ValidationError
from scim2_models import (
    Context,
    Email,
    Error,
    ListResponse,
    Meta,
    Name,
    ServiceProviderConfig,
    User,
)
from werkzeug.exceptions import HTTPException

from backend.auth import authenticate, bearer_from_request
from backend.errors import APIError, Unauthorized
from backend.services import scim as svc

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
CONTENT_TYPE = "application/scim+json"
_FILTER = re.compile(r'^\s*(userName|externalId)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)
MAX_COUNT = 200


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(payload), status=status, mimetype=CONTENT_TYPE, headers=headers or {}
    )


@bp.errorhandler(ScimError)
def _scim_error(exc: ScimError) -> Response:
    body = Error(status=exc.status, scim_type=exc.scim_type, detail=exc.detail)
    return _json(body.model_dump(), exc.status)


@bp.errorhandler(APIError)
def _api_error(exc: APIError) -> Response:
    return _scim_error(ScimError(exc.status, exc.message))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return _scim_error(ScimError(exc.code or 500, exc.description or exc.name))


@bp.before_request
def _admin_only() -> None:
    try:
        principal = authenticate(bearer_from_request())
    except Unauthorized as exc:
        raise ScimError(401, exc.message) from None
    if principal.role != "admin":
        raise ScimError(403, "SCIM provisioning needs an admin token")


def _location(employee_id: int) -> str:
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    return base + url_for("scim.get_user", user_id=employee_id)


def _to_scim(view: svc.ScimUser) -> dict[str, Any]:
    e = view.employee
    user: User[Any] = User(
        id=str(e.id),
        external_id=view.external_id,
        user_name=e.email,
        display_name=e.name,
        name=Name(formatted=e.name),
        emails=[Email(value=e.email, primary=True, type="work")],
        title=e.job_title or None,
        preferred_language=(e.languages or ["en"])[0],
        active=e.is_active,
        meta=Meta(
            resource_type="User",
            created=e.created_at,
            last_modified=e.updated_at,
            location=_location(e.id),
        ),
    )
    return user.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def _body() -> dict[str, Any]:
    payload = request.get_json(force=True, silent=True)
    if not isinstance(payload, dict):
        raise ScimError(400, "the body must be a JSON object", "invalidSyntax")
    return payload


def _changes(user: User[Any]) -> svc.UserChanges:
    """What a SCIM User says about an employee (unset attributes stay None)."""
    email = user.user_name
    if user.emails:
        primary = next((m for m in user.emails if m.primary), user.emails[0])
        email = email or (str(primary.value) if primary.value else None)
    name = user.display_name or (user.name.formatted if user.name else None)
    if not name and user.name and (user.name.given_name or user.name.family_name):
        name = " ".join(p for p in (user.name.given_name, user.name.family_name) if p)
    return svc.UserChanges(
        email=email,
        name=name,
        job_title=user.title,
        language=user.preferred_language or user.locale,
        active=user.active,
        external_id=user.external_id,
    )


def _parse_user(context: Context) -> svc.UserChanges:
    try:
        user: User[Any] = User.model_validate(_body(), scim_ctx=context)
    except ValidationError as exc:
        raise ScimError(400, _first_error(exc), "invalidValue") from None
    return _changes(user)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    return f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid"))


def _apply(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except svc.ScimConflict as exc:
        raise ScimError(409, str(exc), "uniqueness") from None
    except svc.ScimNotFound as exc:
        raise ScimError(404, str(exc)) from None
    except svc.ScimInvalid as exc:
        raise ScimError(400, str(exc), "invalidValue") from None


@bp.get("/ServiceProviderConfig")
def service_provider_config() -> Response:
    config = ServiceProviderConfig.model_validate(
        {
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_COUNT},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "Bearer token",
                    "description": "An admin API token from Herald",
                }
            ],
        }
    )
    return _json(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@bp.get("/Users")
def list_users() -> Response:
    field = value = None
    raw_filter = request.args.get("filter")
    if raw_filter:
        match = _FILTER.match(raw_filter)
        if match is None:
            raise ScimError(
                400, 'supported filters: userName eq "..." and externalId eq "..."', "invalidFilter"
            )
        field, value = match.group(1).lower(), match.group(2).replace('\\"', '"')
    try:
        start = max(1, int(request.args.get("startIndex", 1)))
        count = min(MAX_COUNT, max(0, int(request.args.get("count", 100))))
    except ValueError:
        raise ScimError(400, "startIndex and count must be integers", "invalidValue") from None
    users, total = svc.search(field, value, start - 1, count)
    page = ListResponse[User[Any]].model_validate(
        {
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": len(users),
            "Resources": [_to_scim(u) for u in users],
        }
    )
    return _json(page.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


@bp.post("/Users")
def create_user() -> Response:
    changes = _parse_user(Context.RESOURCE_CREATION_REQUEST)
    view = _apply(svc.provision, changes)
    return _json(_to_scim(view), 201, {"Location": _location(view.employee.id)})


@bp.get("/Users/<int:user_id>")
def get_user(user_id: int) -> Response:
    return _json(_to_scim(_apply(svc.get, user_id)))


@bp.put("/Users/<int:user_id>")
def replace_user(user_id: int) -> Response:
    changes = _parse_user(Context.RESOURCE_REPLACEMENT_REQUEST)
    return _json(_to_scim(_apply(svc.update, user_id, changes)))


_PATCH_PATHS = {
    "active": "active",
    "username": "email",
    "displayname": "name",
    "name.formatted": "name",
    "title": "job_title",
    "preferredlanguage": "language",
    "externalid": "external_id",
    'emails[type eq "work"].value': "email",
}


@bp.patch("/Users/<int:user_id>")
def patch_user(user_id: int) -> Response:
    """PatchOp with ``replace``/``add`` on the attributes above (with or without a path)."""
    body = _body()
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "Operations must be a non-empty list", "invalidSyntax")
    values: dict[str, Any] = {}
    for op in operations:
        if not isinstance(op, dict) or str(op.get("op", "")).lower() not in ("replace", "add"):
            raise ScimError(400, "only replace and add operations are supported", "invalidSyntax")
        path = op.get("path")
        value = op.get("value")
        items = {str(path): value}.items() if path else (value or {}).items()
        for key, item in items:
            target = _PATCH_PATHS.get(str(key).lower())
            if target is None:
                raise ScimError(400, f"unsupported path: {key}", "invalidPath")
            values[target] = item
    if "active" in values:
        values["active"] = _boolean(values["active"])
    changes = svc.UserChanges(**{k: (None if v is None else v) for k, v in values.items()})
    return _json(_to_scim(_apply(svc.update, user_id, changes)))


def _boolean(value: Any) -> bool:
    """``true``/``false`` as JSON booleans or as the strings some IdPs send ("False")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ScimError(400, "active must be true or false", "invalidValue")


@bp.delete("/Users/<int:user_id>")
def delete_user(user_id: int) -> Response:
    _apply(svc.deprovision, user_id)
    return Response(status=204)
