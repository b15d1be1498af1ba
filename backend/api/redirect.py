"""``GET/HEAD /r/<code>``: record the click, then 302 to the article's registered URL with UTMs.

Outside /api/v1 and exempt from the per-token rate limit: this is what people click on LinkedIn.

Two ways in, one answer. The Flask view below handles every request it is given. In front of Flask
sits :class:`FastRedirect`, a small WSGI dispatcher for the common case: ``GET``/``HEAD`` of a
well-formed code without credentials. It resolves the code with the same function as the view
(``links.resolve``: the target cache, else one query, the same URL checks), stores the click the
same way (same row, committed before answering) and answers with the same status and headers
(security headers, ``X-Request-ID``), the same JSON log line and the same metrics as Flask's hooks,
for a fraction of the CPU (Flask's request context, routing, limiter and hooks cost about three
times the redirect itself, and as much again as the lookup of a code not cached yet). Everything
else — an unknown, refused or malformed code, another method, credentials — goes through Flask
unchanged, and so does the answer to a database error.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import EnvironHeaders
from werkzeug.middleware.proxy_fix import ProxyFix

from backend import hooks
from backend.extensions import db, limiter
from backend.services import cache_sync, clicks, links

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

bp = Blueprint("redirect", __name__)

ROUTE = "/r/<code>"
CACHE_KEY = "herald_redirect_cache"
WRITER_KEY = "herald_click_writer"
CLICK_ERROR = "herald.click_error"  # environ key: a click the fast path failed to store
LOOKUP_ERROR = "herald.lookup_error"  # environ key: a code the fast path failed to look up
NOT_FOUND_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Link not found</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}
</style>
</head><body><h1>Link not found</h1>
<p>This link does not exist or is no longer available. Check that it was copied completely.</p>
</body></html>
"""


def _cache(app: Flask) -> links.TargetCache:
    cache = app.extensions.get(CACHE_KEY)
    if cache is None:
        ttl = float(app.config["REDIRECT_CACHE_TTL"])
        cache = app.extensions[CACHE_KEY] = links.TargetCache(ttl=ttl)
        cache_sync.watcher(app).on_change(cache_sync.CONTENT, cache.clear)
    return cache


def _writer(app: Flask) -> clicks.ClickWriter:
    writer = app.extensions.get(WRITER_KEY)
    if writer is None:
        with app.app_context():
            writer = app.extensions[WRITER_KEY] = clicks.ClickWriter(db.engine)
        cache_sync.watcher(app).on_change(cache_sync.SHARES, writer.forget_settled)
    return writer


@bp.route("/r/<path:_rest>", methods=["GET", "HEAD"], merge_slashes=False)
@limiter.exempt
def not_a_link(_rest: str) -> Response:
    """Anything under /r/ that is not a single code (``/r//evil.example``, ``/r/a/b``)."""
    return Response(NOT_FOUND_HTML, status=404, mimetype="text/html")


@bp.route(ROUTE, methods=["GET", "HEAD"], merge_slashes=False)
@limiter.exempt
def follow(code: str) -> Response:
    """Record a click on a tracked link and redirect (302) to the article."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    failed_lookup = request.environ.pop(LOOKUP_ERROR, None)
    if failed_lookup is not None:
        # The fast path's lookup failed (the database is unavailable, say): answer that error
        # as any other, without a second attempt that would wait for the same timeout again.
        raise failed_lookup
    target = links.resolve(
        code,
        utm_medium=app.config["UTM_MEDIUM"],
        cache=_cache(app),
        allowed_domains=app.config.get("REDIRECT_ALLOWED_DOMAINS") or (),
    )
    if target is None:
        return Response(NOT_FOUND_HTML, status=404, mimetype="text/html")
    failed = request.environ.pop(CLICK_ERROR, None)
    if failed is not None:
        # The fast path could not store this click: answer that failure as any other (503 when
        # the database is unavailable). Not a second attempt, which might store the click twice.
        raise failed
    # The answer is built first and the click stored after: a click is only ever stored for a
    # redirect that is actually sent (the Location is ASCII, so the header cannot fail).
    resp = Response(status=302)
    resp.headers["Location"] = target.location
    resp.headers["Cache-Control"] = "no-store"  # every click must reach us
    resp.autocorrect_location_header = False
    clicks.record_click(
        target.link_id,
        method=request.method,
        headers=request.headers,
        remote_addr=request.remote_addr or "",
        salt=app.config["CLICK_SALT"],
        writer=_writer(app),
        sharer_addrs=target.sharer_addrs,
        is_self=_is_sharer(target.employee_id),
    )
    return resp


def _is_sharer(employee_id: int) -> bool:
    """The request carries the sharer's own credentials: a bearer token or a console session of
    theirs. (The fast path passes any request with an Authorization header to this view.)"""
    from flask import session

    from backend.auth import authenticate, bearer_from_request
    from backend.errors import APIError

    cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
    # Only look at the session when a console cookie came (reading it adds "Vary: Cookie").
    if cookie in request.cookies and session.get("uid") == employee_id:
        return True
    raw = bearer_from_request()
    if not raw:
        return False
    try:
        return authenticate(raw).employee_id == employee_id
    except APIError:
        return False


# --- the fast path ------------------------------------------------------------------------------


def _fixed_headers() -> list[tuple[str, str]]:
    """What Flask's view and hooks add to every redirect besides Location and X-Request-ID."""
    return [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Cache-Control", "no-store"),
        *hooks.fixed_headers(),
        ("Content-Length", "0"),
    ]


class FastRedirect:
    """WSGI middleware answering ``GET``/``HEAD /r/<code>`` of a known code without entering Flask.

    It only ever answers a 302 for a target ``links.resolve`` returned (from the cache, or looked
    up and checked as the view would); it stores the click first. Any other request is passed to
    ``wsgi_app`` (Flask), which then does the whole request its usual way: an unknown or refused
    code (the view's 404 page), and a failure to look the code up or to store the click, which the
    view then raises (instead of trying again) for Flask's error handlers to answer.
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app
        self.config = app.config
        with app.app_context():
            self.engine = db.engine
        self.cache = _cache(app)
        self.stamps = cache_sync.watcher(app)
        self.writer = _writer(app)
        self.salt = str(app.config["CLICK_SALT"])
        self.headers = _fixed_headers()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        method: str = environ.get("REQUEST_METHOD", "")
        if (
            not path.startswith("/r/")
            or method not in ("GET", "HEAD")
            or "HTTP_AUTHORIZATION" in environ  # Flask's hooks count token guesses
            or "herald_console=" in environ.get("HTTP_COOKIE", "")  # maybe the sharer: the view
            or not links.CODE_RE.match(code := path[3:])
        ):
            return self.wsgi_app(environ, start_response)
        self.stamps.poll()  # another node may have changed a link: drop stale targets
        started = time.perf_counter()
        target = self.cache.get(code)
        if target is None:
            try:
                target = links.resolve(
                    code,
                    utm_medium=self.config["UTM_MEDIUM"],
                    cache=self.cache,
                    allowed_domains=self.config.get("REDIRECT_ALLOWED_DOMAINS") or (),
                    engine=self.engine,
                )
            except Exception as exc:  # noqa: BLE001 - nothing was answered yet: Flask answers it
                environ[LOOKUP_ERROR] = exc
                return self.wsgi_app(environ, start_response)
            if target is None:  # unknown or refused: the view's 404 page
                return self.wsgi_app(environ, start_response)
        try:
            clicks.record_click(
                target.link_id,
                method=method,
                headers=EnvironHeaders(environ),
                remote_addr=environ.get("REMOTE_ADDR", ""),
                salt=self.salt,
                writer=self.writer,
                sharer_addrs=target.sharer_addrs,
            )
        except Exception as exc:  # noqa: BLE001 - nothing was answered yet: Flask answers it
            environ[CLICK_ERROR] = exc
            return self.wsgi_app(environ, start_response)
        request_id = hooks.request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(
            "302 FOUND",
            [("Location", target.location), *self.headers, ("X-Request-ID", request_id)],
        )
        hooks.log_request(request_id, method, ROUTE, 302, time.perf_counter() - started)
        return [b""]


@bp.record_once
def _install_fast_path(state: BlueprintSetupState) -> None:
    """Put :class:`FastRedirect` in front of Flask, behind ProxyFix when there is one (so that it
    sees the client address, as the view does)."""
    app = cast(Flask, state.app)
    outer: Any = app.wsgi_app
    if isinstance(outer, ProxyFix):
        outer.app = FastRedirect(app, outer.app)
    else:
        app.wsgi_app = FastRedirect(app, outer)  # type: ignore[method-assign]
