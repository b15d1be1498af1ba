"""The committed Alembic revisions build exactly the schema the models describe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from backend import create_app
from backend.cli import upgrade_database
from backend.extensions import db


def test_migrations_match_models(database_url: str, app: Any) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations differ; generate a revision: {diff}"


def test_upgrade_from_empty_sqlite_then_downgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "ARTIFACTS_DIR": str(tmp_path / "a")})
    with app.app_context():
        upgrade_database()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"employees", "articles", "shares", "clicks", "alembic_version"} <= tables
        upgrade_database()  # running it twice is safe
        from alembic import command

        from backend.cli import alembic_config

        command.downgrade(alembic_config(), "base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
