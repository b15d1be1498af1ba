"""The ``endpoint`` decorator: parse → authorise → call → serialise, and the OpenAPI 3.1 document.

Views stay thin::

    @endpoint(bp, "/me", method="PATCH", body=MeUpdate, response=EmployeeOut, roles=ANY_ROLE)
    def update_me(principal: Principal, body: MeUpdate) -> EmployeeOut: ...

The decorator rejects a wrong content type (415), malformed JSON (400) and invalid fields (422 with
per-field details), checks the bearer token's role (401/403), and turns the returned pydantic
model, dict or list into JSON with the declared status. Every decorated view is listed in the
OpenAPI document.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, TypeAdapter, ValidationError

from backend import jsonsafe
from backend.auth import current_principal
from backend.errors import (
    BadRequest,
    Forbidden,
    UnsupportedMediaType,
    ValidationFailed,
    validation_details,
)
from backend.extensions import limiter
from backend.i18n import lazy_translate

ANY_ROLE: tuple[str, ...] = ("employee", "content", "admin")
CONTENT_ROLES: tuple[str, ...] = ("content", "admin")
ADMIN_ONLY: tuple[str, ...] = ("admin",)
PUBLIC: tuple[str, ...] = ()


@dataclass
class EndpointSpec:
    blueprint: str
    rule: str
    method: str
    func_name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    roles: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    status: int
    extra_responses: dict[int, str] = field(default_factory=dict)
    content_types: tuple[str, ...] = ("application/json",)
    auth: str = "bearer"  # bearer | none | hmac


REGISTRY: list[EndpointSpec] = []


def parse_json(raw: bytes) -> Any:
    """Bytes of a JSON document → Python, or the one JSON error (never a 500): malformed, nested
    deeper than ``jsonsafe.MAX_DEPTH``, or with a NUL in any string."""
    try:
        data = jsonsafe.loads(raw or b"null")
    except ValueError as exc:
        raise BadRequest(lazy_translate("error.request.malformed_json", exc=exc)) from None
    bad = jsonsafe.nul_fields(data)
    if bad:
        raise ValidationFailed(
            lazy_translate("error.request.request_body_invalid"),
            details=[
                {"field": f, "message": "must not contain NUL characters", "type": "value_error"}
                for f in bad
            ],
        )
    return data


def parse_json_body(model: type[BaseModel]) -> BaseModel:
    mimetype = request.mimetype
    if mimetype != "application/json":
        raise UnsupportedMediaType(
            lazy_translate(
                "error.request.expected_content_type_application_json", mimetype=mimetype or "none"
            )
        )
    data = parse_json(request.get_data(cache=True))
    if data is None:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            lazy_translate("error.request.request_body_invalid"), details=validation_details(exc)
        ) from None


def _is_list_field(annotation: Any) -> bool:
    if get_origin(annotation) in (list, tuple, set):
        return True
    return any(_is_list_field(arg) for arg in get_args(annotation))


def parse_query(model: type[BaseModel]) -> BaseModel:
    bad = [key for key, value in request.args.items(multi=True) if "\x00" in key + value]
    if bad:
        raise ValidationFailed(
            lazy_translate("error.request.query_parameters_are_invalid"),
            details=[
                {"field": k, "message": "must not contain NUL characters", "type": "value_error"}
                for k in sorted(set(bad))
            ],
        )
    data: dict[str, Any] = {}
    for key in request.args:
        info = model.model_fields.get(key)
        if info is not None and _is_list_field(info.annotation):
            values: list[str] = []
            for item in request.args.getlist(key):
                values.extend(v for v in item.split(",") if v)
            data[key] = values
        else:
            data[key] = request.args.get(key)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(
            lazy_translate("error.request.query_parameters_are_invalid"),
            details=validation_details(exc),
        ) from None


def to_response(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        return to_response(result[0], result[1])
    payload: Any
    if isinstance(result, BaseModel):
        payload = result.model_dump(mode="json")
    elif isinstance(result, list):
        payload = [r.model_dump(mode="json") if isinstance(r, BaseModel) else r for r in result]
    elif result is None:
        resp = Response(status=204 if status == 200 else status)
        return resp
    else:
        payload = result
    resp = jsonify(payload)
    resp.status_code = status
    return resp


def endpoint(
    bp: Blueprint,
    rule: str,
    *,
    method: str = "GET",
    roles: Iterable[str] = ANY_ROLE,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    summary: str = "",
    tags: Iterable[str] = (),
    rate_limit: str | Callable[[], str] | None = None,
    rate_limit_key: Callable[[], str] | None = None,
    extra_responses: dict[int, str] | None = None,
    content_types: Iterable[str] = ("application/json",),
    auth: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Register a JSON API view on ``bp``; see the module docstring."""
    roles_t = tuple(roles)
    auth_kind = auth or ("bearer" if roles_t else "none")

    def decorator(func: Callable[..., Any]) -> Callable[..., Response]:
        params = inspect.signature(func).parameters

        @functools.wraps(func)
        def view(**url_args: Any) -> Response:
            kwargs: dict[str, Any] = dict(url_args)
            if roles_t:
                principal = current_principal()
                if principal.role not in roles_t:
                    raise Forbidden(
                        lazy_translate(
                            "error.request.role_not_allowed",
                            roles=", ".join(roles_t),
                            role=principal.role,
                        )
                    )
                if "principal" in params:
                    kwargs["principal"] = principal
            if body is not None:
                kwargs["body"] = parse_json_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return to_response(func(**kwargs), status)

        wrapped: Callable[..., Response] = view
        if rate_limit is not None:
            wrapped = limiter.limit(rate_limit, key_func=rate_limit_key)(wrapped)
        bp.add_url_rule(rule, endpoint=func.__name__, view_func=wrapped, methods=[method])
        doc = inspect.getdoc(func) or ""
        first, _, rest = doc.partition("\n")
        REGISTRY.append(
            EndpointSpec(
                blueprint=bp.name,
                rule=rule,
                method=method,
                func_name=func.__name__,
                summary=summary or first.strip(),
                description=rest.strip(),
                tags=tuple(tags) or (bp.name,),
                roles=roles_t,
                body=body,
                query=query,
                response=response,
                status=status,
                extra_responses=dict(extra_responses or {}),
                content_types=tuple(content_types),
                auth=auth_kind,
            )
        )
        return wrapped

    return decorator


# --- OpenAPI document ------------------------------------------------------------------------

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}

_STATUS_TEXT = {
    400: "Malformed request",
    401: "Missing, invalid, expired or revoked token",
    403: "The token's role may not use this endpoint",
    404: "Not found",
    409: "Conflict",
    413: "Body over the size limit",
    415: "Wrong content type",
    422: "Validation failed",
    429: "Rate limited",
    503: "Temporarily unavailable",
}


def _openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params: list[dict[str, Any]] = []

    def repl(match: re.Match[str]) -> str:
        conv, name = match.group(1), match.group(2)
        schema: dict[str, Any] = {"type": "integer"} if conv == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    path = re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule)
    return path, params


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, model: Any, mode: str) -> dict[str, Any]:
        if isinstance(model, type) and issubclass(model, BaseModel):
            schema = model.model_json_schema(
                ref_template="#/components/schemas/{model}",
                mode=mode,  # type: ignore[arg-type]
            )
            name = model.__name__
        else:
            schema = TypeAdapter(model).json_schema(
                ref_template="#/components/schemas/{model}",
                mode=mode,  # type: ignore[arg-type]
            )
            name = ""
        for key, sub in schema.pop("$defs", {}).items():
            self.components.setdefault(key, sub)
        if name:
            self.components.setdefault(name, schema)
            return {"$ref": f"#/components/schemas/{name}"}
        return schema


def _offers_csv(query: type[BaseModel] | None) -> bool:
    """A query with a ``format`` parameter that accepts "csv" means the view can answer CSV."""
    if query is None or "format" not in query.model_fields:
        return False
    schema = query.model_json_schema(mode="validation")
    return "csv" in json.dumps(schema.get("properties", {}).get("format", {}))


def build_openapi() -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    # The prefix is given at registration (``register_blueprint(bp, url_prefix=...)``), so the
    # blueprint's own ``url_prefix`` is usually None: take the full rule from the URL map.
    rules: dict[tuple[str, str], str] = {}
    for url_rule in current_app.url_map.iter_rules():
        for method in url_rule.methods or ():
            rules[(url_rule.endpoint, method)] = url_rule.rule
    for spec in REGISTRY:
        full_rule = rules.get((f"{spec.blueprint}.{spec.func_name}", spec.method))
        if full_rule is None:
            continue
        path, params = _openapi_path(full_rule)
        op: dict[str, Any] = {
            "operationId": f"{spec.blueprint}_{spec.func_name}",
            "summary": spec.summary,
            "tags": list(spec.tags),
            "responses": {},
        }
        if spec.description:
            op["description"] = spec.description
        if spec.query is not None:
            qschema = spec.query.model_json_schema(mode="validation")
            required = set(qschema.get("required", []))
            for name, prop in qschema.get("properties", {}).items():
                params.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in required,
                        "schema": prop,
                        "explode": False,
                        "style": "form",
                    }
                )
        if params:
            op["parameters"] = params
        if spec.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schemas.ref(spec.body, "validation")}},
            }
        if spec.auth == "bearer":
            op["security"] = [{"bearerAuth": []}]
            op["x-roles"] = list(spec.roles)
        elif spec.auth == "hmac":
            op["security"] = [{"hmacSignature": []}]
        else:
            op["security"] = []
        ok: dict[str, Any] = {"description": spec.extra_responses.get(spec.status, "OK")}
        if spec.status == 204:
            ok = {"description": "No content"}
        elif spec.response is not None:
            ok["content"] = {
                "application/json": {"schema": schemas.ref(spec.response, "serialization")}
            }
        elif spec.status != 302:
            ok["content"] = {"application/json": {"schema": {}}}
        if "content" in ok and _offers_csv(spec.query):
            ok["content"]["text/csv"] = {"schema": {"type": "string"}}
        op["responses"][str(spec.status)] = ok
        codes: set[int] = {429, 503}
        if spec.auth != "none":
            codes |= {401}
        if spec.auth == "bearer" and spec.roles != ANY_ROLE:
            codes.add(403)
        if spec.body is not None:
            codes |= {400, 413, 415, 422}
        if spec.query is not None:
            codes.add(422)
        if "<" in spec.rule:
            codes.add(404)
        for code in spec.extra_responses:
            codes.add(code)
        codes.discard(spec.status)  # an extra description of the success answer, not an error
        for code in sorted(codes):
            op["responses"][str(code)] = {
                "description": spec.extra_responses.get(code, _STATUS_TEXT.get(code, "Error")),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        paths.setdefault(path, {})[spec.method.lower()] = op
    schemas.components["Error"] = _ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Herald API",
            "version": "1",
            "description": "Employee advocacy: suggestions, share tracking, analytics.",
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "hmacSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Herald-Signature",
                    "description": "HMAC-SHA256 over timestamp + '.' + body, see docs",
                },
            },
        },
    }
