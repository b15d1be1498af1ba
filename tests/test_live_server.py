"""The test suite's live server (tests/live_server.py) closes a response whose client went away.

Werkzeug's server drains the socket before it closes the response; a browser that reset the
connection makes that drain raise. Which packet arrives when is a race on a real socket, so the
drain's failure is produced here directly: werkzeug.serving's selector raises what a reset raises.
"""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import werkzeug.serving
from werkzeug.serving import make_server

from tests.live_server import live_server


class Body:
    def __init__(self) -> None:
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        yield b"hello"

    def close(self) -> None:
        self.closed.set()


class ResetSelector:
    """What the drain in werkzeug's ``execute`` meets when the peer has reset the connection."""

    def register(self, *args: Any) -> None:
        pass

    def select(self, timeout: float | None = None) -> list[Any]:
        raise ConnectionResetError(104, "Connection reset by peer")

    def close(self) -> None:
        pass


@pytest.mark.parametrize("closing", [True, False], ids=["live_server", "plain_werkzeug"])
def test_a_reset_connection_still_closes_the_body(
    closing: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = Body()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
        return body

    monkeypatch.setattr(
        werkzeug.serving, "selectors", SimpleNamespace(DefaultSelector=ResetSelector, EVENT_READ=1)
    )
    server = live_server(app) if closing else make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=5) as resp:
            assert resp.read() == b"hello"
        body.closed.wait(2)
    finally:
        server.shutdown()
        server.server_close()
    if closing:
        assert body.closed.is_set()
    else:
        # Why tests/live_server.py exists; once werkzeug closes here too, use make_server again.
        assert not body.closed.is_set()
