"""The console blueprint object, shared by every console module."""

from __future__ import annotations

from flask import Blueprint, Response, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)

bp = Blueprint(
    "console",
    "backend.console",
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.after_request
def _console_headers(resp: Response) -> Response:
    """Blueprint hooks run before the app's, so this CSP wins over the API's default."""
    resp.headers.setdefault("Content-Security-Policy", CSP)
    if request.endpoint != "console.static":
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp
