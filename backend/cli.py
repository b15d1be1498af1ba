"""Flask CLI commands, all registered here: ``flask --app wsgi <command>``.

Each command is a thin shell over a service function (backend/services): it parses options, calls
the service inside the app context Flask provides, and prints the result. Services know nothing of
click. The content team's model commands are ``python -m training`` (training/).
"""

from __future__ import annotations

import smtplib
import sys
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app

from backend.console.auth import PasswordPolicyError, set_password
from backend.demo import load_demo
from backend.services.analytics.rollups import rollup_clicks
from backend.services.digest import SmtpSettings, send_digests
from backend.services.employees import create_admin as _create_admin
from backend.services.privacy import apply_retention, erase_employee
from backend.services.webhooks import deliver_due

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
    """Every ``flask`` command of Herald."""
    for group in (_database, _people, _privacy, _analytics, _digests, _webhooks, _workers):
        group(app)


def _workers(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--workers", default=3, show_default=True, help="Worker threads.")
    def worker_command(workers: int) -> None:
        """Run background jobs and periodic work (the task queue's consumer)."""
        from backend import tasks

        click.echo(f"herald worker: queue {tasks.queue_url(app)}, {workers} threads")
        tasks.run_worker(app, workers)

    @app.cli.command("partition-clicks")
    @click.option("--ahead", default=3, show_default=True, help="Months to create ahead.")
    def partition_command(ahead: int) -> None:
        """PostgreSQL: turn clicks into monthly partitions (copies the table under a lock)."""
        from backend.services import partitions

        try:
            made = partitions.partition_clicks(ahead=ahead)
        except partitions.PartitionError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"clicks partitioned: {made} monthly partitions")


def _database(app: Flask) -> None:
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

    @app.cli.command("seed-demo")
    @click.option("--seed", default=7, show_default=True, type=int)
    def seed_demo(seed: int) -> None:
        """Load the demo company (idempotent: running it twice adds nothing)."""
        summary = load_demo(seed=seed)
        click.echo(summary)


def _people(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default=None, help="Display name (default: the e-mail's local part)")
    def create_admin(email: str, name: str | None) -> None:
        """Create (or promote) an admin and print a new admin API token (last line, token only).

        The token expires after HERALD_ADMIN_TOKEN_TTL_DAYS (30); rotate it with
        POST /api/v1/auth/rotate before then."""
        token, employee = _create_admin(email, name, app.config["ADMIN_TOKEN_TTL_DAYS"])
        click.echo(f"admin {employee.email} (id {employee.id}); API token:", err=True)
        click.echo(token)

    @app.cli.command("set-password")
    @click.argument("email")
    @click.option(
        "--password-stdin", is_flag=True, help="Read the password from the first line of stdin"
    )
    def set_password_command(email: str, password_stdin: bool) -> None:
        """Set the console password of a content/admin user (and clear any lockout)."""
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt(
                "New console password", hide_input=True, confirmation_prompt=True
            )
        try:
            employee = set_password(email, password)
        except (LookupError, PermissionError, PasswordPolicyError) as exc:
            raise click.ClickException(str(exc.args[0]) if exc.args else str(exc)) from None
        click.echo(f"console password set for {employee.email} ({employee.access_role})")


def _privacy(app: Flask) -> None:
    @app.cli.command("retention")
    @click.option("--months", type=int, default=None, help="Default: HERALD_CLICK_RETENTION_MONTHS")
    @click.option("--dry-run", is_flag=True, help="Only count what would be aggregated")
    def retention(months: int | None, dry_run: bool) -> None:
        """Aggregate raw clicks older than the retention period into daily counts, delete them;
        delete Idempotency-Key records older than HERALD_IDEMPOTENCY_KEY_DAYS."""
        months = months or int(current_app.config["CLICK_RETENTION_MONTHS"])
        result = apply_retention(months, dry_run=dry_run)
        verb = "would aggregate" if dry_run else "aggregated and deleted"
        click.echo(f"{verb} {result['clicks_aggregated']} clicks older than {result['cutoff']}")
        verb = "would delete" if dry_run else "deleted"
        click.echo(
            f"{verb} {result['idempotency_keys_deleted']} Idempotency-Key records older than "
            f"{result['idempotency_cutoff']}"
        )

    @app.cli.command("erase-employee")
    @click.argument("employee_id", type=int)
    def erase(employee_id: int) -> None:
        """Erase one employee's personal data (keeps anonymous aggregates)."""
        summary = erase_employee(employee_id, None)
        click.echo(f"erased employee {employee_id}: {summary}")


def _analytics(app: Flask) -> None:
    @app.cli.command("rollup-clicks")
    def rollup_command() -> None:
        """Materialise closed UTC days of clicks into click_daily_aggregates (incremental)."""
        result = rollup_clicks()
        click.echo(
            f"rolled up {result.days} days ({result.groups} link-day rows written); "
            f"clicks up to id {result.state.high_water} before {result.state.through} included"
        )


def _digests(app: Flask) -> None:
    @app.cli.command("send-digests")
    @click.option(
        "--only", type=click.Choice(["employee", "company"]), default=None,
        help="Send only one kind of digest.",
    )  # fmt: skip
    @click.option(
        "--company-to", "company_to", multiple=True, metavar="EMAIL",
        help="Also send the company digest to this address (repeatable).",
    )  # fmt: skip
    @click.option("--force", is_flag=True, help="Send again even if sent since Monday.")
    def send_digests_command(only: str | None, company_to: tuple[str, ...], force: bool) -> None:
        """Send this week's digests to everyone who opted in (consent digest_email)."""
        cfg = current_app.config
        if not cfg["SMTP_HOST"]:
            raise click.ClickException("SMTP_HOST is not set (HERALD_SMTP_HOST); nothing sent")
        smtp = SmtpSettings(
            host=str(cfg["SMTP_HOST"]),
            port=int(cfg["SMTP_PORT"]),
            sender=str(cfg["SMTP_FROM"]),
            company=str(cfg["COMPANY_NAME"]),
        )
        try:
            result = send_digests(smtp, only=only, extra_company_recipients=company_to, force=force)
        except (OSError, smtplib.SMTPException) as exc:
            raise click.ClickException(
                f"cannot reach SMTP server {smtp.host}:{smtp.port}: {exc}"
            ) from None
        click.echo(
            f"sent {result.employee_sent} employee and {result.company_sent} company digests; "
            f"skipped {result.skipped} already sent this week; failed {len(result.failed)}"
        )
        for line in result.failed:
            click.echo(f"failed: {line}", err=True)
        if result.failed:
            raise SystemExit(1)


def _webhooks(app: Flask) -> None:
    @app.cli.command("deliver-webhooks")
    def deliver_webhooks() -> None:
        """Send the outbound webhook deliveries that are due, once (the worker does it on its own:
        each delivery is a task that retries with backoff, and a sweep runs every minute)."""
        report = deliver_due()
        click.echo(
            f"attempted {report.attempted}, delivered {report.delivered}, "
            f"retrying {report.retrying}, failed {report.failed}"
        )
