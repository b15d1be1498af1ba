"""Fixtures for the services' tests (shares, clicks, conversions, mentions, webhooks): articles
inserted directly, and a real local webhook receiver."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask, g

from backend.extensions import db
from backend.models import Article, Campaign


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The webhook receiver in these tests listens on 127.0.0.1, which a deployment must allow
    explicitly (tests/services/webhooks/test_webhook_addresses.py covers the default, which
    refuses it)."""
    return {**app_config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True}


@pytest.fixture(autouse=True)
def _fresh_principal_per_request(request: pytest.FixtureRequest) -> None:
    """The ``app`` fixture keeps one app context open, so test-client requests share ``g`` and
    ``g.principal`` would leak from one request to the next; production has a context per request.
    (Tests that use no app, such as plain service functions, are left alone.)
    """
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")

    @app.before_request
    def _forget_principal() -> None:
        g.pop("principal", None)


@pytest.fixture
def make_article(app: Any) -> Callable[..., Article]:
    def _make(**kw: Any) -> Article:
        n = secrets.token_hex(4)
        defaults: dict[str, Any] = {
            "canonical_url": f"https://www.example.com/blog/post-{n}",
            "title": f"Post {n}",
            "status": "approved",
            "approved_at": dt.datetime.now(dt.UTC),
        }
        defaults.update(kw)
        article = Article(**defaults)
        db.session.add(article)
        db.session.commit()
        return article

    return _make


@pytest.fixture
def make_campaign(app: Any) -> Callable[..., Campaign]:
    def _make(**kw: Any) -> Campaign:
        n = secrets.token_hex(3)
        defaults: dict[str, Any] = {"slug": f"spring-{n}", "name": f"Spring {n}"}
        defaults.update(kw)
        campaign = Campaign(**defaults)
        db.session.add(campaign)
        db.session.commit()
        return campaign

    return _make


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that records POSTs and answers with ``status``."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, in order; then 200

    def json(self, i: int) -> dict[str, Any]:
        return json.loads(self.requests[i].body)  # type: ignore[no-any-return]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.requests.append(Received(self.path, dict(self.headers), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
