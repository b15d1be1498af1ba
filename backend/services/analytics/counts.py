"""Share and conversion counts per key of a ``Query`` (building blocks of the reports, also
used by campaigns, program and digest)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import distinct, func, select

from backend.extensions import db
from backend.models import Conversion, Share, ShareEngagement
from backend.schemas.analytics import ValueByCurrency
from backend.services.analytics.query import CONVERSION, SHARE, Filters, Period, Query


def latest_engagement(before: dt.datetime | None = None) -> Any:
    """Subquery: the latest ShareEngagement per share (observed before ``before``)."""
    rn = (
        func.row_number()
        .over(
            partition_by=ShareEngagement.share_id,
            order_by=(ShareEngagement.observed_at.desc(), ShareEngagement.id.desc()),
        )
        .label("rn")
    )
    inner = select(
        ShareEngagement.share_id,
        ShareEngagement.reactions,
        ShareEngagement.comments,
        ShareEngagement.reposts,
        rn,
    )
    if before is not None:
        inner = inner.where(ShareEngagement.observed_at < before)
    sub = inner.subquery()
    return (
        select(sub.c.share_id, sub.c.reactions, sub.c.comments, sub.c.reposts)
        .where(sub.c.rn == 1)
        .subquery("latest_engagement")
    )


def share_counts(q: Query) -> dict[Any, dict[str, Any]]:
    le = latest_engagement(q.period.end)
    stmt = q.select(
        func.count(Share.id).label("shares"),
        func.count(distinct(Share.employee_id)).label("sharers"),
        func.coalesce(func.sum(Share.network_size_at_share), 0).label("reach"),
        func.coalesce(func.sum(le.c.reactions), 0).label("reactions"),
        func.coalesce(func.sum(le.c.comments), 0).label("comments"),
        func.coalesce(func.sum(le.c.reposts), 0).label("reposts"),
    ).outerjoin(le, le.c.share_id == Share.id)
    return {
        r.key: {
            "label": r.label,
            "shares": int(r.shares),
            "sharers": int(r.sharers),
            "potential_reach": int(r.reach),
            "reactions": int(r.reactions),
            "comments": int(r.comments),
            "reposts": int(r.reposts),
        }
        for r in db.session.execute(stmt)
    }


def conversion_rows(q: Query) -> list[dict[str, Any]]:
    """One row per (key, currency): lead/signup/sale counts and values."""
    is_ = Conversion.type
    stmt = q.select(
        Conversion.currency.label("currency"),
        func.sum(sa.case((is_ == "lead", 1), else_=0)).label("leads"),
        func.sum(sa.case((is_ == "signup", 1), else_=0)).label("signups"),
        func.sum(sa.case((is_ == "sale", 1), else_=0)).label("sales"),
        func.coalesce(func.sum(sa.case((is_ == "sale", Conversion.value), else_=0.0)), 0.0).label(
            "sales_value"
        ),
        func.coalesce(func.sum(Conversion.value), 0.0).label("total_value"),
        grouped=False,
    )
    if q.by is not None:
        key, label = q.dimension()
        stmt = stmt.group_by(key, label, Conversion.currency)
    else:
        stmt = stmt.group_by(Conversion.currency)
    return [
        {
            "key": getattr(r, "key", None),
            "label": getattr(r, "label", None),
            "currency": r.currency,
            "leads": int(r.leads or 0),
            "signups": int(r.signups or 0),
            "sales": int(r.sales or 0),
            "sales_value": round(float(r.sales_value or 0), 2),
            "total_value": round(float(r.total_value or 0), 2),
        }
        for r in db.session.execute(stmt)
    ]


def totals_shares(
    period: Period, filters: Filters, employee_id: int | None = None
) -> dict[str, int]:
    q = Query(SHARE, period, filters, employee_id=employee_id, by=None)
    le = latest_engagement(period.end)
    stmt = q.select(
        func.count(Share.id),
        func.count(distinct(Share.employee_id)),
        func.coalesce(func.sum(Share.network_size_at_share), 0),
        func.coalesce(func.sum(le.c.reactions), 0),
        func.coalesce(func.sum(le.c.comments), 0),
        func.coalesce(func.sum(le.c.reposts), 0),
        grouped=False,
    ).outerjoin(le, le.c.share_id == Share.id)
    r = db.session.execute(stmt).one()
    return {
        "shares": int(r[0]),
        "sharers": int(r[1]),
        "potential_reach": int(r[2]),
        "reactions": int(r[3]),
        "comments": int(r[4]),
        "reposts": int(r[5]),
    }


def totals_conversions(
    period: Period, filters: Filters, employee_id: int | None = None
) -> dict[str, Any]:
    rows = conversion_rows(Query(CONVERSION, period, filters, employee_id=employee_id))
    return {
        "leads": sum(r["leads"] for r in rows),
        "signups": sum(r["signups"] for r in rows),
        "sales": sum(r["sales"] for r in rows),
        "sales_value": [
            ValueByCurrency(currency=r["currency"], sales=r["sales"], value=r["sales_value"])
            for r in sorted(rows, key=lambda r: r["currency"])
            if r["sales"]
        ],
    }


def conversion_people(q: Query) -> dict[str, int]:
    """Per key of ``q.by``: the distinct employees credited with a conversion in the period."""
    stmt = q.select(func.count(distinct(Conversion.employee_id)).label("people"))
    return {str(r.key): int(r.people or 0) for r in db.session.execute(stmt)}
