"""Console sign-in: scrypt password hashes, lockout, session and CSRF tokens.

* Passwords are hashed with werkzeug's scrypt (salted, memory-hard); only the hash is stored.
* After ``CONSOLE_MAX_FAILED_LOGINS`` (5) wrong passwords in a row the account is locked for
  ``CONSOLE_LOCKOUT_MINUTES`` (15); while locked even the right password is refused. A correct
  sign-in resets the counter. Unknown e-mails get the same answer and cost the same time.
* The session holds the employee id, a CSRF token and the UI language. It is cleared on sign-in
  (no session fixation) and sign-out. Each request reloads the employee: a deactivated or demoted
  user loses access at once.
* Every POST under /console needs a CSRF token (Flask-WTF: form field ``csrf_token`` or header
  ``X-CSRF-Token``), signed with the app's secret and bound to the session's random value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from backend.console.blueprint import bp
from backend.extensions import csrf, db
from backend.models import Employee, utcnow
from backend.services import audit

CONSOLE_ROLES = ("content", "admin")
MIN_PASSWORD_LENGTH = 12
HASH_METHOD = "scrypt"
# Checked against when the e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=HASH_METHOD)

F = TypeVar("F", bound=Callable[..., Any])


class PasswordPolicyError(ValueError):
    """The new password does not meet the policy (length, not the e-mail)."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def check_policy(password: str, email: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip().lower() == email.strip().lower():
        raise PasswordPolicyError("the password must not be the e-mail address")


def set_password(email: str, password: str, actor_id: int | None = None) -> Employee:
    """Give a content/admin user a console password (and clear any lockout)."""
    employee = find_by_email(email)
    if employee is None:
        raise LookupError(f"no employee with e-mail {email}")
    if employee.access_role not in CONSOLE_ROLES:
        raise PermissionError(
            f"{employee.email} has the role {employee.access_role}; only content and admin "
            "users can sign in to the console"
        )
    check_policy(password, employee.email)
    employee.password_hash = hash_password(password)
    employee.failed_logins = 0
    employee.locked_until = None
    audit.record(actor_id, "console.set_password", "employee", employee.id)
    db.session.commit()
    return employee


def find_by_email(email: str) -> Employee | None:
    return db.session.scalar(
        select(Employee).where(func.lower(Employee.email) == email.strip().lower())
    )


Outcome = Literal["ok", "invalid", "locked", "forbidden"]


@dataclass(frozen=True)
class SignInResult:
    outcome: Outcome
    employee: Employee | None = None
    locked_until: dt.datetime | None = None


def sign_in(email: str, password: str, now: dt.datetime | None = None) -> SignInResult:
    """Check a password with lockout; commits the counter changes."""
    now = now or utcnow()
    max_failures = int(current_app.config["CONSOLE_MAX_FAILED_LOGINS"])
    lock_minutes = int(current_app.config["CONSOLE_LOCKOUT_MINUTES"])
    employee = find_by_email(email) if email else None
    if employee is None or not employee.password_hash or not employee.is_active:
        check_password_hash(_DUMMY_HASH, password)
        return SignInResult("invalid")
    if employee.locked_until is not None and employee.locked_until > now:
        return SignInResult("locked", locked_until=employee.locked_until)
    if not check_password_hash(employee.password_hash, password):
        employee.failed_logins = (employee.failed_logins or 0) + 1
        if employee.failed_logins >= max_failures:
            employee.locked_until = now + dt.timedelta(minutes=lock_minutes)
            employee.failed_logins = 0
            audit.record(None, "console.lockout", "employee", employee.id)
            db.session.commit()
            return SignInResult("locked", locked_until=employee.locked_until)
        db.session.commit()
        return SignInResult("invalid")
    employee.failed_logins = 0
    employee.locked_until = None
    if employee.access_role not in CONSOLE_ROLES:
        db.session.commit()
        return SignInResult("forbidden", employee=employee)
    audit.record(employee.id, "console.sign_in", "employee", employee.id)
    db.session.commit()
    return SignInResult("ok", employee=employee)


def start_session(employee: Employee) -> None:
    """A fresh session (no fixation). A language switched to before signing in is kept and
    becomes the user's own; otherwise the user's saved ``ui_language`` applies."""
    chosen = session.get("lang")
    session.clear()
    session.permanent = True
    session["uid"] = employee.id  # and a new CSRF token: Flask-WTF's lived in the old session
    if chosen in ("en", "da"):
        session["lang"] = chosen
        if employee.ui_language != chosen:
            employee.ui_language = chosen
            db.session.commit()


def end_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def current_user() -> Employee | None:
    return g.get("console_user")  # type: ignore[no-any-return]


@bp.before_request
def _load_user_and_check_csrf() -> None:
    g.console_user = None
    uid = session.get("uid")
    if uid is not None:
        employee = db.session.get(Employee, uid)
        if employee is None or not employee.is_active:
            end_session()
        else:
            g.console_user = employee
    g.pop("csrf_token", None)  # Flask-WTF's per-request cache; g can outlive a request
    if request.method == "POST":
        csrf.protect()  # Flask-WTF: 400 (CSRFError) unless the form's or header's token matches


def login_required(roles: tuple[str, ...] = CONSOLE_ROLES) -> Callable[[F], F]:
    """Redirect to sign-in without a session; 403 page for employees or the wrong role."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if user.access_role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def safe_next(target: str | None) -> str:
    """Only same-site console paths: no scheme, no host, no protocol-relative ``//``."""
    if target and target.startswith("/console") and not target.startswith("//"):
        if "\\" not in target and "://" not in target:
            return target
    return url_for("console.dashboard")
