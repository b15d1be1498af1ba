"""``GET/HEAD /r/<code>``: record the click, then 302 to the article's registered URL with UTMs.

Outside /api/v1 and exempt from the per-token rate limit: this is what people click on LinkedIn.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from backend.extensions import limiter
from backend.services import tracking as svc

bp = Blueprint("redirect", __name__)

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


def _cache() -> svc.TargetCache:
    cache = current_app.extensions.get("herald_redirect_cache")
    if cache is None:
        ttl = float(current_app.config.get("REDIRECT_CACHE_TTL", 30))
        cache = current_app.extensions["herald_redirect_cache"] = svc.TargetCache(ttl=ttl)
    return cache


@bp.route("/r/<path:_rest>", methods=["GET", "HEAD"], merge_slashes=False)
@limiter.exempt
def not_a_link(_rest: str) -> Response:
    """Anything under /r/ that is not a single code (``/r//evil.example``, ``/r/a/b``)."""
    return Response(NOT_FOUND_HTML, status=404, mimetype="text/html")


@bp.route("/r/<code>", methods=["GET", "HEAD"], merge_slashes=False)
@limiter.exempt
def follow(code: str) -> Response:
    """Record a click on a tracked link and redirect (302) to the article."""
    target = svc.resolve(code, utm_medium=current_app.config["UTM_MEDIUM"], cache=_cache())
    if target is None:
        return Response(NOT_FOUND_HTML, status=404, mimetype="text/html")
    svc.record_click(
        target.link_id,
        method=request.method,
        headers=dict(request.headers),
        remote_addr=request.remote_addr or "",
        salt=current_app.config["CLICK_SALT"],
    )
    resp = Response(status=302)
    resp.headers["Location"] = target.location
    resp.headers["Cache-Control"] = "no-store"  # every click must reach us
    resp.autocorrect_location_header = False
    return resp
