"""Flask CLI commands: ``flask --app wsgi <command>``."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app

from backend.extensions import db

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", current_app.config["SQLALCHEMY_DATABASE_URI"])
    return cfg


def upgrade_database(revision: str = "head") -> None:
    """Apply Alembic migrations up to ``revision`` (inside an app context)."""
    command.upgrade(alembic_config(), revision)


def register_cli(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    @click.argument("revision", default="head")
    def db_upgrade(revision: str) -> None:
        """Apply database migrations (creates the database on first run)."""
        upgrade_database(revision)
        click.echo(f"database at {revision}")

    @app.cli.command("db-downgrade")
    @click.argument("revision")
    def db_downgrade(revision: str) -> None:
        """Revert database migrations down to REVISION."""
        command.downgrade(alembic_config(), revision)

    @app.cli.command("db-revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message: str) -> None:
        """Autogenerate a migration from the models (review it before committing)."""
        command.revision(alembic_config(), message=message, autogenerate=True)

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default=None, help="Display name (default: the e-mail's local part)")
    def create_admin(email: str, name: str | None) -> None:
        """Create (or promote) an admin and print a new admin API token (last line, token only)."""
        from backend.services.employees import create_admin as _create

        token, employee = _create(email, name)
        click.echo(f"admin {employee.email} (id {employee.id}); API token:", err=True)
        click.echo(token)

    @app.cli.command("seed-demo")
    @click.option("--seed", default=7, show_default=True, type=int)
    def seed_demo(seed: int) -> None:
        """Load the demo company (idempotent: running it twice adds nothing)."""
        from backend.demo import load_demo

        summary = load_demo(seed=seed)
        click.echo(summary)

    # Resource owners add their commands in their own modules as ``register_cli(app)``.
    import importlib

    for name in CLI_MODULES:
        module = importlib.import_module(name)
        module.register_cli(app)
    _ = db  # the commands above run inside the app context Flask provides


# Modules that contribute CLI commands (each defines ``register_cli(app: Flask) -> None``).
CLI_MODULES: tuple[str, ...] = (
    "backend.services.privacy",
    "backend.services.analytics.rollups",
    "backend.services.digest",
    "backend.services.webhooks",
    "backend.console.cli",
)
