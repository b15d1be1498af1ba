"""Each person's recent sharing and activity (the console's People list).
Per person: refused in works-council mode."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import SHARE_CONFIRMED, EngagementEvent, Share
from backend.services import works_council as policy


@dataclass(frozen=True)
class PersonActivity:
    shares: int
    last_share: dt.datetime | None
    last_activity: dt.datetime | None


def person_activity(ids: Sequence[int], since: dt.datetime) -> dict[int, PersonActivity]:
    """Per employee id: shares since ``since``, the last share, the last panel activity."""
    policy.require_per_person("each person's sharing and activity")
    if not ids:
        return {}
    shares = {
        int(row[0]): (int(row[1]), row[2])
        for row in db.session.execute(
            select(Share.employee_id, func.count(), func.max(Share.created_at))
            .where(
                Share.employee_id.in_(ids),
                Share.created_at >= since,
                Share.state == SHARE_CONFIRMED,
            )
            .group_by(Share.employee_id)
        )
    }
    activity = dict(
        db.session.execute(
            select(EngagementEvent.employee_id, func.max(EngagementEvent.created_at))
            .where(EngagementEvent.employee_id.in_(ids))
            .group_by(EngagementEvent.employee_id)
        ).all()
    )
    out = {}
    for emp_id in ids:
        count, last = shares.get(emp_id, (0, None))
        out[emp_id] = PersonActivity(count, last, activity.get(emp_id))
    return out
