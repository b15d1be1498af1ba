"""The redirect's fast path (a cached code answered in front of Flask) and the click writer's
group commit: same answer, same click row, same logs and metrics as the Flask view; every click
committed before its caller returns, a bad row failing only its own caller."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.api.redirect import FastRedirect
from backend.extensions import db
from backend.models import Click, Share, TrackedLink, utcnow
from backend.services import clicks as tracking

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
ROUTE = "/r/<code>"

# Employees share from their own address; the clicks in these tests come from another one
# (a click from the sharer's address is a self-click, see test_self_clicks_*).
SHARER_ADDRESS = {"REMOTE_ADDR": "198.51.100.200"}


@pytest.fixture
def flask_requests(app: Flask) -> list[str]:
    """Paths of the requests that went through Flask (its before_request hooks ran)."""
    seen: list[str] = []

    @app.before_request
    def _seen() -> None:
        from flask import request

        seen.append(request.path)

    return seen


@pytest.fixture
def link(
    flask_requests: list[str],
    client: Any,
    headers_for: Any,
    make_employee: Any,
    make_article: Any,
) -> str:
    """A fresh tracked link (its code not cached yet)."""
    article = make_article(canonical_url="https://www.example.com/post?lang=da")
    resp = client.post(
        "/api/v1/shares",
        json={"article_id": article.id, "network": "linkedin"},
        headers=headers_for(employee=make_employee()),
        environ_base=SHARER_ADDRESS,
    )
    assert resp.status_code == 201, resp.json
    flask_requests.clear()
    return "/r/" + resp.json["code"]


def _flask(app: Flask) -> Any:
    """A test client for the app behind the fast path: its requests always go through Flask."""
    from werkzeug.test import Client

    assert isinstance(app.wsgi_app, FastRedirect)
    return Client(app.wsgi_app.wsgi_app)


def _clicks() -> list[Click]:
    db.session.rollback()  # a fresh snapshot: the clicks were committed on other connections
    return list(db.session.scalars(select(Click).order_by(Click.id)))


def _comparable(resp: Any) -> dict[str, Any]:
    headers = dict(resp.headers)
    assert len(headers.pop("X-Request-ID")) == 32
    return {"status": resp.status, "headers": headers, "body": resp.data}


def test_the_fast_path_sits_in_front_of_flask(app: Flask) -> None:
    assert isinstance(app.wsgi_app, FastRedirect)


def test_the_proxy_fix_stays_outermost(make_app: Callable[..., Flask]) -> None:
    """Behind a proxy the fast path must see the client address that ProxyFix restores."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    other = make_app(PROXY_COUNT=1)
    assert isinstance(other.wsgi_app, ProxyFix)
    assert isinstance(other.wsgi_app.app, FastRedirect)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_known_code_gets_the_same_answer_without_flask(
    app: Flask, client: Any, link: str, flask_requests: list[str], method: str
) -> None:
    """Flask's view, the fast path looking the code up, and the fast path from its cache all
    give one answer; only the first enters Flask."""
    by_flask = _flask(app).open(link, method=method, headers={"User-Agent": CHROME})
    assert flask_requests == [link]
    app.extensions["herald_redirect_cache"].clear()
    first = client.open(link, method=method, headers={"User-Agent": CHROME})
    assert flask_requests == [link]  # not cached: the fast path looked it up itself
    second = client.open(link, method=method, headers={"User-Agent": CHROME})
    assert flask_requests == [link]  # cached
    assert by_flask.status_code == 302
    assert _comparable(first) == _comparable(by_flask)
    assert _comparable(second) == _comparable(by_flask)
    assert second.headers["Location"].startswith("https://www.example.com/post?lang=da&utm_")
    assert second.headers["Cache-Control"] == "no-store"
    assert second.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert len(_clicks()) == 3


def test_an_unknown_or_refused_code_is_answered_by_flask(
    app: Flask, client: Any, link: str, flask_requests: list[str]
) -> None:
    """What the fast path cannot redirect to (no such code; a stored URL the allow-list now
    refuses) gets Flask's 404 page, and no click is stored."""
    resp = client.get("/r/Zz9Zz9Zz")
    assert resp.status_code == 404 and "Link not found" in resp.text
    app.config["REDIRECT_ALLOWED_DOMAINS"] = ["other.example"]
    refused = client.get(link)
    assert refused.status_code == 404 and "Location" not in refused.headers
    assert flask_requests == ["/r/Zz9Zz9Zz", link]
    assert _clicks() == []


def test_a_lookup_that_fails_is_answered_by_flask_without_a_second_look(
    app: Flask, client: Any, link: str, flask_requests: list[str], monkeypatch: Any
) -> None:
    """The database fails the fast path's lookup: Flask's error handlers answer that error (503
    in the JSON shape); the view does not look again, which against an unreachable server would
    wait for the connect timeout a second time."""
    import sqlite3

    from backend.services import links

    calls: list[str] = []

    def unavailable(code: str, **_kw: Any) -> Any:
        calls.append(code)
        raise sa.exc.OperationalError(
            "SELECT", {}, sqlite3.OperationalError("unable to open database file")
        )

    monkeypatch.setattr(links, "resolve", unavailable)
    resp = client.get(link, headers={"User-Agent": CHROME})
    assert resp.status_code == 503
    assert resp.json["error"]["code"] == "service_unavailable"
    assert "Location" not in resp.headers
    assert len(calls) == 1 and flask_requests == [link]
    assert _clicks() == []


@pytest.mark.parametrize(
    ("method", "headers", "ua_class", "is_bot"),
    [
        ("GET", {"User-Agent": CHROME}, "desktop", False),
        ("GET", {"User-Agent": "LinkedInBot/1.0 (compatible; Mozilla/5.0)"}, "bot", True),
        ("HEAD", {"User-Agent": CHROME}, "desktop", True),
        ("GET", {"User-Agent": CHROME, "Sec-Purpose": "prefetch;prerender"}, "desktop", True),
        ("GET", {"User-Agent": CHROME, "X-Moz": "prefetch"}, "desktop", True),
    ],
)
def test_the_fast_path_stores_the_same_click(
    app: Flask,
    client: Any,
    link: str,
    flask_requests: list[str],
    method: str,
    headers: dict[str, str],
    ua_class: str,
    is_bot: bool,
) -> None:
    extra = {"Referer": "https://www.linkedin.com/feed/", **headers}
    env = {"REMOTE_ADDR": "198.51.100.7"}
    _flask(app).open(link, method=method, headers=extra, environ_base=env)  # Flask
    client.open(link, method=method, headers=extra, environ_base=env)  # fast path
    assert len(flask_requests) == 1
    by_flask, by_fast_path = _clicks()
    for click in (by_flask, by_fast_path):
        assert (click.ua_class, click.is_bot, click.referrer_host) == (
            ua_class,
            is_bot,
            "www.linkedin.com",
        )
    assert by_fast_path.link_id == by_flask.link_id
    assert by_fast_path.visitor_hash == by_flask.visitor_hash  # same salt, day, address, agent
    assert "198.51.100.7" not in repr(tuple(db.session.execute(select(Click.__table__)).all()))


def test_the_fast_path_echoes_a_sane_request_id(client: Any, link: str) -> None:
    client.get(link)
    echoed = client.get(link, headers={"X-Request-ID": "trace-42"})
    assert echoed.headers["X-Request-ID"] == "trace-42"
    replaced = client.get(link, headers={"X-Request-ID": "x" * 65})
    assert len(replaced.headers["X-Request-ID"]) == 32 and replaced.headers["X-Request-ID"] != (
        "x" * 65
    )


def test_the_fast_path_logs_and_counts_like_flask(
    app: Flask,
    client: Any,
    link: str,
    flask_requests: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _flask(app).get(link)

    def count() -> float:
        value = REGISTRY.get_sample_value(
            "herald_http_requests_total", {"route": ROUTE, "method": "GET", "status": "302"}
        )
        return value or 0.0

    before = count()
    caplog.set_level(logging.INFO, logger="herald.request")
    caplog.clear()  # the Flask request above is logged too when INFO was already on
    resp = client.get(link, headers={"X-Request-ID": "log-me"})
    assert len(flask_requests) == 1  # the second one took the fast path (as a first one would)
    (record,) = [r for r in caplog.records if r.name == "herald.request"]
    assert record.getMessage() == "request"
    fields = {k: getattr(record, k) for k in ("request_id", "method", "path", "status")}
    assert fields == {"request_id": "log-me", "method": "GET", "path": ROUTE, "status": 302}
    assert record.ms >= 0  # type: ignore[attr-defined]
    assert resp.headers["X-Request-ID"] == "log-me"
    assert count() == before + 1


@pytest.mark.parametrize(
    ("method", "path_suffix", "headers"),
    [
        ("POST", "", {}),  # Flask answers 405
        ("GET", "", {"Authorization": "Bearer hrd_not-a-real-token"}),  # token-guessing guard
        ("GET", "/extra", {}),  # not a single code: the 404 page
    ],
)
def test_everything_else_goes_through_flask(
    client: Any,
    link: str,
    flask_requests: list[str],
    method: str,
    path_suffix: str,
    headers: dict[str, str],
) -> None:
    client.get(link)  # cached now
    flask_requests.clear()
    client.open(link + path_suffix, method=method, headers=headers)
    assert flask_requests == [link + path_suffix]


def test_a_click_the_fast_path_cannot_store_is_answered_by_flask_without_a_retry(
    app: Flask, client: Any, link: str, flask_requests: list[str]
) -> None:
    """The fast path hands the failure to Flask, whose error handlers answer it; the view raises
    it instead of inserting again (a second attempt could store the click twice)."""
    client.get(link)
    code = link.rsplit("/", 1)[1]
    # The link disappears while its target is cached: the INSERT now fails for real (foreign key).
    with db.engine.begin() as conn:
        link_id = conn.scalar(select(TrackedLink.id).where(TrackedLink.code == code))
        for table in (Click.__table__, Share.__table__):
            conn.execute(sa.delete(table).where(table.c.link_id == link_id))
        conn.execute(sa.delete(TrackedLink.__table__).where(TrackedLink.id == link_id))
    inserts: list[str] = []

    def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CLICKS"):
            inserts.append(statement)

    flask_requests.clear()
    sa.event.listen(db.engine, "before_cursor_execute", _count)
    try:
        resp = client.get(link)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", _count)
    assert flask_requests == [link]
    assert len(inserts) == 1
    assert resp.status_code == 500
    assert resp.json["error"]["code"] == "internal_error"
    assert "Location" not in resp.headers
    assert _clicks() == []


# --- the click writer ---------------------------------------------------------------------------


def _row(link_id: int, **kw: Any) -> dict[str, Any]:
    return tracking.click_row(
        link_id,
        method="GET",
        headers={"User-Agent": CHROME, **kw},
        remote_addr="192.0.2.1",
        salt="salt",
        now=utcnow(),
    )


def _link_id(link: str) -> int:
    code = link.rsplit("/", 1)[1]
    return int(db.session.scalar(select(TrackedLink.id).where(TrackedLink.code == code)) or 0)


def test_concurrent_clicks_are_all_committed_before_their_callers_return(link: str) -> None:
    engine = db.engine
    writer = tracking.ClickWriter(engine)
    link_id = _link_id(link)
    threads, per_thread = 8, 25
    start = threading.Barrier(threads)
    failures: list[BaseException] = []
    stored_when_returned: list[int] = []

    def click() -> None:
        start.wait()
        for _ in range(per_thread):
            try:
                writer.write(_row(link_id))
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)
        with engine.connect() as conn:  # what a reader sees once this caller is done
            stored_when_returned.append(int(conn.scalar(sa.text("SELECT count(*) FROM clicks"))))

    pool = [threading.Thread(target=click) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert failures == []
    assert len(_clicks()) == threads * per_thread
    assert min(stored_when_returned) >= per_thread  # at least that caller's own rows


def test_a_bad_row_fails_only_its_own_caller(link: str) -> None:
    writer = tracking.ClickWriter(db.engine)
    link_id = _link_id(link)
    batch = [
        tracking._PendingClick(_row(link_id)),
        tracking._PendingClick(_row(2_000_000_000)),  # no such link: a foreign-key violation
        tracking._PendingClick(_row(link_id, Referer="https://lnkd.in/x")),
    ]
    writer._commit(batch)  # the batch a waiting thread would commit for three callers
    assert [item.done for item in batch] == [True, True, True]
    assert [item.stored for item in batch] == [True, False, True]
    assert batch[0].error is None and batch[2].error is None
    assert isinstance(batch[1].error, IntegrityError)
    assert sorted(c.referrer_host for c in _clicks()) == ["", "lnkd.in"]


def test_a_single_bad_click_raises_in_its_caller(link: str) -> None:
    writer = tracking.ClickWriter(db.engine)
    with pytest.raises(IntegrityError):
        writer.write(_row(2_000_000_000))
    writer.write(_row(_link_id(link)))  # the writer is still usable
    assert len(_clicks()) == 1


def test_sqlite_writers_of_one_file_take_a_shared_lock_file(app: Flask, tmp_path: Path) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the lock file is for SQLite databases")
    database = tmp_path / "clicks.db"
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(
                "CREATE TABLE clicks (id INTEGER PRIMARY KEY, link_id INTEGER, created_at DATETIME,"
                " referrer_host TEXT, ua_class TEXT, is_bot BOOLEAN, visitor_hash TEXT,"
                " visitor_id TEXT)"
            ))  # fmt: skip
        writers = [tracking.ClickWriter(engine), tracking.ClickWriter(engine)]
        for writer in writers:
            writer.write(_row(1))
        assert (tmp_path / "clicks.db-clicks.lock").exists()
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM clicks")) == 2
    finally:
        engine.dispose()


def _pool_traffic(engine: sa.Engine) -> dict[str, int]:
    """Counts of the engine's pool checkouts and checkins from now on (each checkout pings)."""
    counts = {"checkout": 0, "checkin": 0}

    def _on(name: str) -> Callable[..., None]:
        def _count(*_args: Any) -> None:
            counts[name] += 1

        return _count

    for name in counts:
        sa.event.listen(engine, name, _on(name))
    return counts


def test_a_writer_keeps_its_connection_while_clicks_queue_behind_a_commit(link: str) -> None:
    """The committer that finds a click queued behind it leaves the connection to that click's
    thread (no second checkout, so no second ping); the last committer returns it to the pool."""
    engine = db.engine
    writer = tracking.ClickWriter(engine)
    link_id = _link_id(link)
    writer.write(_row(link_id))  # confirms the link's share: later batches need no other read
    traffic = _pool_traffic(engine)
    second: list[threading.Thread] = []

    def _queue_another(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if second or not statement.lstrip().upper().startswith("INSERT INTO CLICKS"):
            return
        # While the first batch is being written, another click arrives and waits for it.
        second.append(threading.Thread(target=writer.write, args=(_row(link_id),)))
        second[0].start()
        deadline = time.monotonic() + 10
        while not writer._queue and time.monotonic() < deadline:
            time.sleep(0.001)
        assert writer._queue, "the second click never queued"

    sa.event.listen(engine, "before_cursor_execute", _queue_another)
    try:
        writer.write(_row(link_id))
        second[0].join(10)
    finally:
        sa.event.remove(engine, "before_cursor_execute", _queue_another)
    assert traffic == {"checkout": 1, "checkin": 1}
    assert len(_clicks()) == 3  # the second click came in its own batch, after the first


def test_an_idle_or_failed_writer_returns_its_connection(link: str) -> None:
    """A connection is only skipped over by the ping while it was just in use: once nobody waits,
    or after a failed batch, the next batch checks one out again (and the pool pings it)."""
    engine = db.engine
    writer = tracking.ClickWriter(engine)
    link_id = _link_id(link)
    writer.write(_row(link_id))  # confirms the link's share: later batches need no other read
    traffic = _pool_traffic(engine)
    writer.write(_row(link_id))
    assert traffic == {"checkout": 1, "checkin": 1}
    with pytest.raises(IntegrityError):
        writer.write(_row(2_000_000_000))
    assert traffic == {"checkout": 2, "checkin": 2}
    writer.write(_row(link_id))
    assert traffic == {"checkout": 3, "checkin": 3}


def test_a_connection_lost_while_the_writer_was_idle_costs_no_click(link: str) -> None:
    """PostgreSQL restarted (or a proxy dropped idle connections) between two clicks: the next
    click is stored, because a connection from the pool is pinged before use."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("server-side connection loss is a PostgreSQL matter")
    writer = tracking.ClickWriter(engine)
    link_id = _link_id(link)
    writer.write(_row(link_id))  # the pool now holds a connection the writer used
    db.session.close()  # the test's own connection goes back to the pool too
    with engine.connect() as conn:
        ours = conn.scalar(sa.text("SELECT pg_backend_pid()"))
        killed = conn.scalar(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> :me"
            ),
            {"me": ours},
        )
    assert killed >= 1
    writer.write(_row(link_id))
    assert len(_clicks()) == 2
