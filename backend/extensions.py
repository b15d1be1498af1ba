"""Flask extension singletons, bound to the app in create_app()."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import Babel
from flask_limiter import ApplicationLimit, Limiter
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def rate_limit_key() -> str:
    """The limiter's key: per bearer token where one is presented, else per client address."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return "tok:" + hashlib.sha256(value.strip().encode("utf-8")).hexdigest()[:16]
    return "ip:" + (request.remote_addr or "unknown")


# Token guessing: the per-token limit cannot stop it (every guess is a new token), so failed
# authentications are counted per client address, in the limiter's storage (Redis when REDIS_URL
# is set, so shared by every worker), and once HERALD_RATELIMIT_AUTH is used up every request
# that presents credentials is refused with 429 before any lookup. Flask-Limiter tests an
# application limit with ``deduct_when`` before the request and hits it only when that returns
# true for the response; backend/hooks.py decides what counts as a guess (AUTH_GUESS).
AUTH_GUESS = "herald_auth_guess"


def _never() -> bool:
    return False


# Set by backend/hooks.py (it can see the tokens table): True when the request presents a token
# Herald issued. Keyed on the attempt, not only the address (issue #13): once an address is over
# the limit its guesses are refused, but a colleague behind the same NAT address with a real
# token is not locked out.
issued_token_check: Callable[[], bool] = _never


def _exempt_from_guess_limit() -> bool:
    return not request.headers.get("Authorization") or issued_token_check()


auth_failures = ApplicationLimit(
    lambda: str(current_app.config["RATELIMIT_AUTH"]),
    key_function=lambda: request.remote_addr or "unknown",
    scope="auth-failures",
    exempt_when=_exempt_from_guess_limit,
    deduct_when=lambda _resp: bool(g.get(AUTH_GUESS, False)),
    error_message=lambda: (
        f"{current_app.config['RATELIMIT_AUTH']} of failed authentications from this address"
    ),
)

babel = Babel()
csrf = CSRFProtect()  # the console's forms (backend/console/auth.py)

limiter = Limiter(
    key_func=rate_limit_key,  # headers: RATELIMIT_HEADERS_ENABLED (backend/config.py)
    application_limits=[auth_failures],
)


def init_db(app: Flask) -> None:
    """Bind Flask-SQLAlchemy to the app; on SQLite, set the pragmas every connection needs."""
    db.init_app(app)
    # Teardowns run in reverse order, so this one ends the session before Flask-SQLAlchemy's
    # (which then finds nothing to close) and a dropped connection cannot turn into a 500.
    app.teardown_appcontext(lambda _exc: discard_session())
    _install_sqlite_pragmas(app)


def _install_sqlite_pragmas(app: Flask) -> None:
    """WAL + busy timeout so concurrent gunicorn workers on SQLite wait instead of failing."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            if ":memory:" not in str(engine.url):
                # WAL persists in the file: set it once. Switching needs a moment without other
                # writers, so a busy database simply keeps its mode until the next connection.
                mode = cur.execute("PRAGMA journal_mode").fetchone()
                if not mode or str(mode[0]).lower() != "wal":
                    try:
                        cur.execute("PRAGMA journal_mode=WAL")
                    except dbapi_conn.OperationalError:
                        pass
            cur.close()


def discard_session() -> None:
    """End the request's session even when its connection is gone.

    ``Session.close()`` rolls back the open transaction; when the database has just dropped the
    connection (a restart, a failover) that rollback raises. Raised from a teardown, it would
    replace a response that was already made — often the 2xx of a committed write — with the
    server's HTML 500. Here the connection is invalidated instead (returned to no pool, never
    reused) and the session dropped, so the answer goes out and the next request reconnects.
    """
    try:
        db.session.remove()
    except Exception:  # noqa: BLE001 - the connection is gone; nothing is left to roll back
        logging.getLogger("herald.db").warning("closing the session failed; connection discarded")
        try:
            db.session.registry().invalidate()
        except Exception:  # noqa: BLE001
            pass
        db.session.registry.clear()
