"""A real HTTP server around a WSGI app, in a thread, for browser and end-to-end tests.

Werkzeug's development server (3.1) calls the response iterable's ``close()`` at the end of a
``finally`` block that first drains the socket; when the browser has already reset the connection
(Chromium does when a page navigates away while a favicon or stylesheet is in flight), that drain
raises ``ConnectionResetError`` and ``close()`` is never called. A static file's handle is then
closed only by the garbage collector, whose ``ResourceWarning`` pytest reports against whichever
test happens to be running. :class:`ClosingHandler` closes the iterable whatever happened, as
PEP 3333 asks of a server.
"""

from __future__ import annotations

from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

APP_ITER = "herald.tests.app_iter"


class ClosingHandler(WSGIRequestHandler):
    """Werkzeug's handler, plus: the app's iterable is always closed once the request is over."""

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            environ: dict[str, Any] = getattr(self, "environ", None) or {}
            app_iter = environ.pop(APP_ITER, None)
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()  # a second close() after werkzeug's own is harmless (files, Response)


def _remember_iter(app: Any) -> Any:
    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        app_iter = app(environ, start_response)
        environ[APP_ITER] = app_iter
        return app_iter

    return wrapped


def live_server(app: Any, host: str = "127.0.0.1", port: int = 0) -> BaseWSGIServer:
    """A threaded server for ``app`` (not yet serving: run ``serve_forever`` in a thread)."""
    return make_server(
        host, port, _remember_iter(app), threaded=True, request_handler=ClosingHandler
    )
