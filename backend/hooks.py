"""Per-request plumbing shared by every response: request ids, security headers, the access log
and the failed-authentication limiter.

``init_app`` installs it on the Flask app. The redirect fast path (backend/api/redirect.py), which
answers some requests without entering Flask, calls :func:`request_id_from`,
:func:`fixed_headers` and :func:`log_request` so that both ways in answer and log the same.
"""

from __future__ import annotations

import logging
import time
import uuid

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from backend import extensions
from backend.auth import bearer_from_request, find_token, hash_secret
from backend.extensions import AUTH_GUESS, limiter
from backend.observability import observe_request

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DatabaseInt",
    "SECURITY_HEADERS",
    "fixed_headers",
    "init_app",
    "log_request",
    "request_id_from",
]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# The default for every response; the console's pages set their own (backend/console).
CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
UNMATCHED = "<unmatched>"

log = logging.getLogger("herald.request")


def request_id_from(incoming: str) -> str:
    """The client's ``X-Request-ID`` when it is short and printable, else a fresh one."""
    return incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex


def fixed_headers() -> list[tuple[str, str]]:
    """The security headers every response carries unless a view set its own."""
    return [*SECURITY_HEADERS.items(), ("Content-Security-Policy", CONTENT_SECURITY_POLICY)]


def log_request(request_id: str, method: str, route: str, status: int, seconds: float) -> None:
    """The access-log line and the request metrics for one answered request.

    ``route`` is the URL rule (a template such as ``/r/<code>``), never the raw path.
    """
    if log.isEnabledFor(logging.INFO):
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": method,
                "path": route,
                "status": status,
                "ms": round(seconds * 1000, 2),
            },
        )
    if route != "/metrics":  # scrapes would otherwise dominate the request metrics
        observe_request(route, method, status, seconds)


def init_app(app: Flask) -> None:
    """Install the URL converter, proxy handling, the hooks and the rate limiter (whose checks
    run between them). Call it before any blueprint is registered."""
    extensions.issued_token_check = presents_issued_token
    app.url_map.converters["int"] = DatabaseInt
    if app.config["PROXY_COUNT"]:
        # Reverse proxies in front of the app: trust that many X-Forwarded-* hops, so rate limits
        # and click counting see the client's address, not the proxy's.
        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )

    @app.before_request
    def _start() -> None:
        g.request_id = request_id_from(request.headers.get("X-Request-ID", ""))
        g.started = time.perf_counter()

    # Before-request functions run in registration order and after-request ones in reverse: so the
    # request has an id before the limiter may refuse it, and _finish has decided whether a 401
    # was a guess before the limiter counts it.
    limiter.init_app(app)

    @app.after_request
    def _finish(resp: Response) -> Response:
        for key, value in fixed_headers():
            resp.headers.setdefault(key, value)
        if request.path.startswith("/api/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        resp.headers["X-Request-ID"] = g.get("request_id", "")
        setattr(g, AUTH_GUESS, resp.status_code == 401 and _is_a_guess())  # read by the limiter
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        route = request.url_rule.rule if request.url_rule else UNMATCHED
        log_request(g.get("request_id", ""), request.method, route, resp.status_code, elapsed)
        return resp


def _is_a_guess() -> bool:
    """A 401 for credentials is a guess unless the token is one we issued (expired or revoked):
    a whole office behind one NAT address must not be locked out by its stale extension tokens."""
    if not request.headers.get("Authorization"):
        return False
    return not presents_issued_token()


def presents_issued_token() -> bool:
    """The bearer token is one Herald issued (live or not: authenticate() decides the rest).
    Also the guessing limit's exemption (``extensions.issued_token_check``)."""
    raw = bearer_from_request()
    if not raw:
        return False
    try:
        known = find_token(hash_secret(raw))
    except Exception:  # noqa: BLE001 - database down: no exemption; the 503 path is elsewhere
        return False
    return known is not None


class DatabaseInt(IntegerConverter):
    """``<int:...>`` ids that fit the database's INTEGER columns (0 to 2**31 - 1).

    Larger numbers do not match the URL at all, so they are a plain 404 (with Flask's default
    converter PostgreSQL refused them with an error that became a 500).
    """

    # Every decimal number up to 2147483647, digit by digit.
    regex = (
        r"(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
        r"|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
        r"|21474836[0-3][0-9]|214748364[0-7])"
    )
