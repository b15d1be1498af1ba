"""Ambassador discovery: employees ranked by activity, network size and fit with the themes.
A per-person ranking: refused in works-council mode."""

from __future__ import annotations

import math
import re
from collections import Counter

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Article, Employee
from backend.schemas.analytics import Ambassador, AmbassadorReport
from backend.services import works_council as policy
from backend.services.analytics.clicks import click_counts
from backend.services.analytics.counts import share_counts
from backend.services.analytics.participation import employee_filter
from backend.services.analytics.query import CLICK, SHARE, Filters, Period, Query

AMBASSADOR_WEIGHTS = {"activity": 0.4, "network": 0.3, "fit": 0.3}
THEME_COUNT = 10
_WORD = re.compile(r"[a-z0-9æøåäöü]+")


def content_themes(period: Period, filters: Filters) -> Counter[str]:
    """Tag frequencies over approved articles published (or approved) in the period, else all."""
    stmt = select(Article.tags).where(Article.status == "approved")
    if filters.campaign_id is not None:
        stmt = stmt.where(Article.campaign_id == filters.campaign_id)
    recent = stmt.where(
        func.coalesce(Article.published_at, Article.created_at) >= period.start,
        func.coalesce(Article.published_at, Article.created_at) < period.end,
    )
    counts: Counter[str] = Counter()
    for tags in db.session.scalars(recent):
        counts.update({t.strip().lower() for t in tags or [] if t.strip()})
    if not counts:
        for tags in db.session.scalars(stmt):
            counts.update({t.strip().lower() for t in tags or [] if t.strip()})
    return counts


def _terms(emp: Employee) -> tuple[set[str], set[str]]:
    interests = {i.strip().lower() for i in emp.interests or [] if i.strip()}
    words = set(_WORD.findall(f"{emp.role_text} {emp.job_title}".lower()))
    for i in interests:
        words.update(_WORD.findall(i))
    return interests, words


def _matches(theme: str, interests: set[str], words: set[str]) -> bool:
    if theme in interests:
        return True
    parts = _WORD.findall(theme)
    return bool(parts) and all(p in words for p in parts)


def ambassadors(period: Period, filters: Filters, limit: int) -> AmbassadorReport:
    """Active employees ranked by activity, network size and fit with the content themes.
    A per-person ranking: refused in works-council mode."""
    policy.require_per_person("ambassador discovery")
    counts = content_themes(period, filters)
    themes = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:THEME_COUNT]
    theme_weight = dict(themes)
    theme_total = sum(theme_weight.values())
    emps = list(
        db.session.scalars(
            select(Employee).where(Employee.is_active.is_(True), *employee_filter(filters))
        )
    )
    share_n = {
        k: v["shares"]
        for k, v in share_counts(Query(SHARE, period, filters, by="employee")).items()
    }
    click_n = {
        k: v["unique_clicks"]
        for k, v in click_counts(Query(CLICK, period, filters, by="employee")).items()
    }

    def activity_raw(e: Employee) -> float:
        return float(share_n.get(e.id, 0) + click_n.get(e.id, 0) / 10.0)

    max_act = max((activity_raw(e) for e in emps), default=0.0)
    max_net = max((e.network_size for e in emps), default=0)
    items = []
    for e in emps:
        act = math.log1p(activity_raw(e)) / math.log1p(max_act) if max_act else 0.0
        net = math.log1p(e.network_size) / math.log1p(max_net) if max_net else 0.0
        interests, words = _terms(e)
        matched = [t for t, _ in themes if _matches(t, interests, words)]
        fit = sum(theme_weight[t] for t in matched) / theme_total if theme_total else 0.0
        w = AMBASSADOR_WEIGHTS
        score = 100 * (w["activity"] * act + w["network"] * net + w["fit"] * fit)
        explanation = (
            f"{share_n.get(e.id, 0)} shares and {click_n.get(e.id, 0)} unique clicks in the period "
            f"(activity {act:.2f}); network of {e.network_size} (network {net:.2f}); "
            + (
                f"matches themes {', '.join(matched)} (fit {fit:.2f})"
                if matched
                else "matches none of the current themes (fit 0.00)"
            )
        )
        items.append(
            Ambassador(
                employee_id=e.id,
                name=e.name,
                team=e.team,
                department=e.department,
                score=round(score, 1),
                activity=round(act, 3),
                network=round(net, 3),
                fit=round(fit, 3),
                shares=share_n.get(e.id, 0),
                unique_clicks=click_n.get(e.id, 0),
                network_size=e.network_size,
                matched_themes=matched,
                explanation=explanation,
            )
        )
    items.sort(key=lambda a: (-a.score, a.employee_id))
    return AmbassadorReport(
        period=period.out(),
        filters=filters.out(),
        themes=[t for t, _ in themes],
        weights=AMBASSADOR_WEIGHTS,
        items=items[:limit],
    )
