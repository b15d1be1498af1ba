"""``flask --app wsgi set-password EMAIL``: give a content or admin user a console password.

The password is prompted for (twice, hidden) or read from standard input with
``--password-stdin`` (first line), so it never appears in the shell history or process list.
"""

from __future__ import annotations

import sys

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("set-password")
    @click.argument("email")
    @click.option(
        "--password-stdin", is_flag=True, help="Read the password from the first line of stdin"
    )
    def set_password_command(email: str, password_stdin: bool) -> None:
        """Set the console password of a content/admin user (and clear any lockout)."""
        from backend.console.auth import PasswordPolicyError, set_password

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
