"""One error hierarchy and one JSON error shape for every failure.

Every error a client can see has the body
``{"error": {"code": "...", "message": "...", "details": [...]}}``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, Response, jsonify
from flask_babel import LazyString
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from backend.extensions import limiter
from backend.i18n import refresh_language, translate

log = logging.getLogger("herald.errors")


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """A pydantic error as the ``details`` of the JSON error shape: field, message, type."""
    details = []
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = ".".join(str(part) for part in err["loc"])
        details.append({"field": loc, "message": err["msg"], "type": err["type"]})
    return details


class HeraldError(Exception):
    """Base of every error Herald raises on purpose."""


class ConfigError(HeraldError):
    """The configuration is unusable (e.g. insecure production settings)."""


class APIError(HeraldError):
    """An error with an HTTP status, rendered in the one JSON error shape.

    ``message`` is a catalogue text (``lazy_translate("error.…", value=…)``, see backend/i18n.py),
    worded when it is read: the response's language for the API, the console's for its pages,
    English elsewhere. The ``code`` never changes with the language; clients branch on it.
    """

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str | LazyString,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self._message = message
        self.details = details or []
        self.headers = headers or {}

    @property
    def message(self) -> str:
        return str(self._message)

    def __str__(self) -> str:
        return self.message


class BadRequest(APIError):
    status, code = 400, "bad_request"


class Unauthorized(APIError):
    status, code = 401, "unauthorized"


class Forbidden(APIError):
    status, code = 403, "forbidden"


class NotFound(APIError):
    status, code = 404, "not_found"


class Conflict(APIError):
    status, code = 409, "conflict"


class PayloadTooLarge(APIError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(APIError):
    status, code = 415, "unsupported_media_type"


class ValidationFailed(APIError):
    status, code = 422, "validation_error"


class ServiceUnavailable(APIError):
    status, code = 503, "service_unavailable"


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    resp = jsonify({"error": {"code": code, "message": message, "details": details or []}})
    resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _is_db_unavailable(exc: BaseException) -> bool:
    """True when ``exc``, or an error it wraps, means the database cannot be reached right now.

    Serialising a response can be what touches the database first after a commit (expired ORM
    attributes are reloaded); pydantic then wraps the driver's error in a ValidationError, and
    the request must still answer 503, not 500.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if _is_db_unavailable_one(current):
            return True
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        errors = getattr(current, "errors", None)
        if type(current).__name__ == "ValidationError" and callable(errors):
            # pydantic keeps only "<ExceptionName>: <message>" of an attribute that failed to load
            for item in errors(include_url=False):
                if item.get("type") != "get_attribute_error":
                    continue
                wrapped = str((item.get("ctx") or {}).get("error", ""))
                if _names_db_unavailable(wrapped):
                    return True
    return False


def _names_db_unavailable(text: str) -> bool:
    name, _, message = text.partition(":")
    if name in {"PendingRollbackError", "DisconnectionError"}:
        return True
    message = message.lower()
    return name in {"OperationalError", "InterfaceError"} and (
        "psycopg" in message or any(needle in message for needle in _UNAVAILABLE_NEEDLES)
    )


_UNAVAILABLE_NEEDLES = (
    "connection",
    "server closed",
    "terminating",
    "could not connect",
    "database is locked",
    "unable to open database",
    "the database system is",
)


def _is_db_unavailable_one(exc: BaseException) -> bool:
    """True when ``exc`` itself means the database cannot be reached right now.

    Decided by type first: psycopg's OperationalError family is what a server that is shutting
    down, starting up, refusing or dropping connections raises; SQLAlchemy's pool and
    "invalid transaction" errors follow from one of those earlier in the same request. SQLite's
    OperationalError also covers bugs ("no such table"), so for it only lock/open failures count.
    """
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.DisconnectionError | sa_exc.PendingRollbackError):
        return True
    if isinstance(exc, sa_exc.TimeoutError):  # pool exhausted while connections hang
        return True
    orig = getattr(exc, "orig", exc)
    module = type(orig).__module__.split(".")[0]
    if module == "psycopg" and isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return True
    name = type(orig).__name__
    text = str(exc).lower()
    return name in {"OperationalError", "InterfaceError"} and any(
        needle in text for needle in _UNAVAILABLE_NEEDLES
    )


def _is_out_of_range(exc: BaseException) -> bool:
    """A number too large for its column (PostgreSQL's 22003): the client's value, not a bug."""
    from sqlalchemy.exc import DataError

    return isinstance(exc, DataError) and getattr(exc.orig, "sqlstate", "") == "22003"


def _is_too_large_for_sqlite(exc: BaseException) -> bool:
    """SQLite's driver cannot bind an integer of 2**63 or more (an id in a URL, an offset)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OverflowError):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


def _rollback() -> None:
    """Roll the session back; if the connection is gone, drop the session instead.

    An error handler that raised here would turn a clean 4xx/503 into gunicorn's HTML 500.
    """
    from backend.extensions import db, discard_session

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the answer must still go out
        log.warning("rollback failed; discarding the session")
        discard_session()


# The message for an HTTP error Werkzeug or Flask-Limiter raised (a route that does not exist,
# a wrong method, a body over the limit, too many requests), by status.
_HTTP_MESSAGE_KEYS = {
    400: "error.http.bad_request",
    401: "error.http.unauthorized",
    403: "error.http.forbidden",
    404: "error.http.not_found",
    405: "error.http.method_not_allowed",
    415: "error.http.unsupported_media_type",
    500: "error.http.internal_error",
    503: "error.http.service_unavailable",
}


RETRY_AFTER_FALLBACK_S = 60


def retry_after_s() -> int:
    """Seconds until the limit this request broke lets it through again: the breached limit's
    window reset, read from the limiter's storage (only on a 429; the X-RateLimit headers that
    would carry it on every response are off by default). A minute when it cannot be read."""
    try:
        hit = limiter.current_limit
        if hit is None or not hit.breached:
            return RETRY_AFTER_FALLBACK_S
        return max(1, int(hit.reset_at - time.time()))
    except Exception:  # noqa: BLE001 - storage unreachable: the 429 still goes out
        log.warning("could not read the breached rate limit's reset time", exc_info=True)
        return RETRY_AFTER_FALLBACK_S


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(APIError)
    def _api_error(exc: APIError) -> Response:
        _rollback()
        refresh_language()  # the caller (and their own language) may be known only by now
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        _rollback()
        refresh_language()
        status = exc.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        key = _HTTP_MESSAGE_KEYS.get(status)
        # Werkzeug's own wording is replaced by ours (in the caller's language); a description
        # written for this request (abort(404, "…")) is kept as it is.
        generic = exc.description == type(exc).description
        message = translate(key) if key and generic else (exc.description or exc.name)
        if status == 413:
            limit = app.config["MAX_CONTENT_LENGTH"]
            message = translate("error.http.payload_too_large", limit=limit)
        headers: dict[str, str] = {}
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(sorted(exc.valid_methods))  # type: ignore[attr-defined]
        if status == 429:
            message = translate("error.http.rate_limited", limit=exc.description)
            headers["Retry-After"] = str(retry_after_s())
        return error_response(status, code, message, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        _rollback()
        if _is_db_unavailable(exc):
            log.warning("database unavailable: %s", type(exc).__name__)
            return error_response(
                503,
                "service_unavailable",
                translate("error.http.database_unavailable"),
                headers={"Retry-After": "2"},
            )
        if isinstance(exc, RecursionError):
            return error_response(400, "bad_request", translate("error.http.nested_too_deeply"))
        if _is_out_of_range(exc) or _is_too_large_for_sqlite(exc):
            return error_response(422, "validation_error", translate("error.http.out_of_range"))
        log.exception("unhandled error")
        if app.debug:
            return error_response(500, "internal_error", f"{type(exc).__name__}: {exc}")
        return error_response(500, "internal_error", translate("error.http.internal_error"))
