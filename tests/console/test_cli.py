"""``flask set-password``: prompt or stdin, policy and role checks, lockout cleared."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskCliRunner
from werkzeug.security import check_password_hash

from backend.extensions import db
from backend.models import Employee


def test_set_password_from_stdin(
    runner: FlaskCliRunner, make_employee: Callable[..., Employee]
) -> None:
    admin = make_employee(access_role="admin", failed_logins=3)
    result = runner.invoke(
        args=["set-password", admin.email, "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert f"console password set for {admin.email} (admin)" in result.output
    db.session.refresh(admin)
    assert admin.password_hash and check_password_hash(
        admin.password_hash, "a long enough password"
    )
    assert admin.failed_logins == 0


def test_set_password_prompt_confirms(
    runner: FlaskCliRunner, make_employee: Callable[..., Employee]
) -> None:
    user = make_employee(access_role="content")
    result = runner.invoke(
        args=["set-password", user.email], input="another long password\nanother long password\n"
    )
    assert result.exit_code == 0, result.output


def test_set_password_refusals(
    runner: FlaskCliRunner, make_employee: Callable[..., Employee]
) -> None:
    person = make_employee(access_role="employee")
    result = runner.invoke(
        args=["set-password", person.email, "--password-stdin"], input="a long enough password\n"
    )
    assert result.exit_code == 1
    assert "only content and admin users can sign in" in result.output
    result = runner.invoke(
        args=["set-password", "nobody@example.com", "--password-stdin"], input="whatever long pw\n"
    )
    assert result.exit_code == 1 and "no employee with e-mail nobody@example.com" in result.output
    admin = make_employee(access_role="admin")
    result = runner.invoke(args=["set-password", admin.email, "--password-stdin"], input="short\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.output
