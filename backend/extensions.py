"""Flask extension singletons, bound to the app in create_app()."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
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
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def discard_session() -> None:
    """End the request's session even when its connection is gone.

    ``Session.close()`` rolls back the open transaction; when the database has just dropped the
    connection (a restart, a failover) that rollback raises. Raised from a teardown, it would
    replace a response that was already made — often the 2xx of a committed write — with the
    server's HTML 500. Here the connection is invalidated instead (returned to no pool, never
    reused) and the session dropped, so the answer goes out and the next request reconnects.
    """
    import logging

    try:
        db.session.remove()
    except Exception:  # noqa: BLE001 - the connection is gone; nothing is left to roll back
        logging.getLogger("herald.db").warning("closing the session failed; connection discarded")
        try:
            db.session.registry().invalidate()
        except Exception:  # noqa: BLE001
            pass
        db.session.registry.clear()
