"""Integrity (admin): numbers that look gamed — repeat shares, implausible engagement reports,
self-clicks — flagged by ``backend.services.shares`` and ``services.clicks`` (issue #13).

In works-council mode the page shows the counts only: who was flagged is a per-person view, which
``backend.services.works_council`` keeps from everyone but that person (the flagged numbers stay
out of every figure either way)."""

from __future__ import annotations

import datetime as dt

from flask import render_template
from sqlalchemy import func, select

from backend.console.auth import login_required
from backend.console.blueprint import bp
from backend.extensions import db
from backend.models import INTEGRITY_KINDS, Click, Employee, IntegrityFlag, TrackedLink, utcnow
from backend.services import works_council as policy

DAYS = 30
MAX_ROWS = 200


@bp.route("/integrity")
@login_required(("admin",))
def integrity() -> str:
    since = utcnow() - dt.timedelta(days=DAYS)
    flags = list(
        db.session.scalars(
            select(IntegrityFlag)
            .where(IntegrityFlag.created_at >= since)
            .order_by(IntegrityFlag.created_at.desc(), IntegrityFlag.id.desc())
            .limit(MAX_ROWS)
        )
    )
    counts = dict(
        db.session.execute(
            select(IntegrityFlag.kind, func.count(IntegrityFlag.id))
            .where(IntegrityFlag.created_at >= since)
            .group_by(IntegrityFlag.kind)
        ).all()
    )
    self_clicks = dict(
        db.session.execute(
            select(TrackedLink.employee_id, func.count(Click.id))
            .join(TrackedLink, TrackedLink.id == Click.link_id)
            .where(Click.ua_class == "self", Click.created_at >= since)
            .group_by(TrackedLink.employee_id)
            .order_by(func.count(Click.id).desc())
            .limit(20)
        ).all()
    )
    counts["self_click"] = (
        db.session.scalar(
            select(func.count(Click.id)).where(Click.ua_class == "self", Click.created_at >= since)
        )
        or 0
    )
    per_person = policy.per_person_allowed()
    if not per_person:
        flags, self_clicks = [], {}
    ids = {f.employee_id for f in flags} | set(self_clicks)
    people = {e.id: e for e in db.session.scalars(select(Employee).where(Employee.id.in_(ids)))}
    return render_template(
        "console/integrity.html",
        flags=flags,
        counts=[(kind, int(counts.get(kind, 0))) for kind in INTEGRITY_KINDS],
        self_clicks=sorted(self_clicks.items(), key=lambda kv: -kv[1]),
        people=people,
        days=DAYS,
        per_person=per_person,
    )
