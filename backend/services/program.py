"""Recognition: points per action, leaderboards, streaks, guidelines, training cards, my stats.

Points are computed from the tracked data on read (aggregate SQL per employee), never stored, so
changing a weight re-scores history consistently. See docs/analytics.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from backend.errors import Conflict, Forbidden, NotFound
from backend.extensions import db
from backend.i18n import lazy_translate
from backend.models import (
    SHARE_CONFIRMED,
    Employee,
    Guideline,
    GuidelineAck,
    Share,
    TrainingCard,
    utcnow,
)
from backend.schemas.program import (
    GuidelineCreate,
    GuidelineStatus,
    Leaderboard,
    LeaderboardEntry,
    LeaderboardSettings,
    MyArticle,
    MyCampaignProgress,
    MyStats,
    PointsWeights,
    TrainingCardCreate,
    TrainingCardUpdate,
)
from backend.services import analytics as an
from backend.services import audit, settings_store, works_council
from backend.services import campaigns as campaign_svc

POINTS_SETTING = "program.points_weights"
LEADERBOARD_SETTING = "program.leaderboard"
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

# --- settings ----------------------------------------------------------------------------------


def points_weights() -> PointsWeights:
    return settings_store.load_model(PointsWeights, POINTS_SETTING)


def update_points_weights(data: PointsWeights, actor_id: int | None) -> PointsWeights:
    settings_store.store(POINTS_SETTING, data.model_dump(), actor_id)
    return data


def leaderboard_settings() -> LeaderboardSettings:
    return settings_store.load_model(LeaderboardSettings, LEADERBOARD_SETTING)


def update_leaderboard_settings(
    data: LeaderboardSettings, actor_id: int | None
) -> LeaderboardSettings:
    settings_store.store(LEADERBOARD_SETTING, data.model_dump(), actor_id)
    return data


# --- periods -----------------------------------------------------------------------------------


def period_start(period: str, now: dt.datetime) -> dt.datetime:
    """Start of the current calendar week (Monday), month, quarter or year, in UTC."""
    now = now.astimezone(dt.UTC)
    if period == "week":
        return an.week_start(now)
    if period == "month":
        return dt.datetime(now.year, now.month, 1, tzinfo=dt.UTC)
    if period == "quarter":
        return dt.datetime(now.year, 3 * ((now.month - 1) // 3) + 1, 1, tzinfo=dt.UTC)
    if period == "year":
        return dt.datetime(now.year, 1, 1, tzinfo=dt.UTC)
    return EPOCH


def calendar_period(period: str, now: dt.datetime | None = None) -> an.Period:
    now = now or utcnow()
    return an.Period(period_start(period, now), now + dt.timedelta(microseconds=1))


# --- points ------------------------------------------------------------------------------------

ACTIONS = ("share", "click", "reaction", "comment", "repost", "lead", "sale", "guideline_ack")


def action_counts(period: an.Period) -> dict[int, dict[str, int]]:
    """Per employee: counts of every point-earning action in the period (aggregate SQL)."""
    out: dict[int, dict[str, int]] = {}

    def bucket(emp_id: Any) -> dict[str, int]:
        return out.setdefault(int(emp_id), dict.fromkeys(ACTIONS, 0))

    none = an.Filters()
    for emp_id, v in an.share_counts(an.Query(an.SHARE, period, none, by="employee")).items():
        b = bucket(emp_id)
        b["share"], b["reaction"] = v["shares"], v["reactions"]
        b["comment"], b["repost"] = v["comments"], v["reposts"]
    for emp_id, v in an.click_counts(an.Query(an.CLICK, period, none, by="employee")).items():
        bucket(emp_id)["click"] = v["unique_clicks"]
    for r in an.conversion_rows(an.Query(an.CONVERSION, period, none, by="employee")):
        if r["key"] is None:
            continue
        b = bucket(r["key"])
        b["lead"] += r["leads"] + r["signups"]
        b["sale"] += r["sales"]
    acks = select(GuidelineAck.employee_id, func.count(GuidelineAck.id)).where(
        GuidelineAck.acknowledged_at >= period.start, GuidelineAck.acknowledged_at < period.end
    )
    for emp_id, n in db.session.execute(acks.group_by(GuidelineAck.employee_id)):
        bucket(emp_id)["guideline_ack"] = int(n)
    return out


def points_of(counts: dict[str, int], weights: PointsWeights) -> float:
    w = weights.model_dump()
    return round(float(sum(counts.get(a, 0) * w[a] for a in ACTIONS)), 1)


def points_by_employee(period: an.Period) -> dict[int, float]:
    weights = points_weights()
    return {e: points_of(c, weights) for e, c in action_counts(period).items()}


# --- leaderboards ------------------------------------------------------------------------------

_ADJECTIVES = (
    "Amber", "Brave", "Calm", "Clever", "Swift", "Bright", "Bold", "Keen", "Lucky", "Merry",
    "Noble", "Quiet", "Rapid", "Sunny", "Witty", "Zesty",
)  # fmt: skip
_ANIMALS = (
    "Otter", "Falcon", "Lynx", "Heron", "Badger", "Puffin", "Fox", "Orca", "Owl", "Hare",
    "Seal", "Wren", "Elk", "Crane", "Marten", "Moose",
)  # fmt: skip


def pseudonym(public_ref: str) -> str:
    """A stable, non-reversible display name derived from the employee's public reference."""
    digest = hashlib.sha256(f"herald-pseudonym:{public_ref}".encode()).digest()
    number = digest[2] * 256 + digest[3]
    return f"{_ADJECTIVES[digest[0] % 16]} {_ANIMALS[digest[1] % 16]} {number:05d}"


def opted_out(employee: Employee) -> bool:
    """Personal opt-out: the flag, or the leaderboard consent withdrawn."""
    return (
        bool(employee.leaderboard_opt_out) or (employee.consents or {}).get("leaderboard") is False
    )


@dataclass
class _Ranked:
    employee: Employee
    points: float
    rank: int


def _active_employees() -> list[Employee]:
    return list(db.session.scalars(select(Employee).where(Employee.is_active.is_(True))))


def ranking(period: an.Period) -> tuple[list[_Ranked], dict[int, float], list[Employee]]:
    """Competition ranking (1, 2, 2, 4) of active employees who did not opt out."""
    points = points_by_employee(period)
    people = _active_employees()
    eligible = sorted(
        (e for e in people if not opted_out(e)), key=lambda e: (-points.get(e.id, 0.0), e.id)
    )
    ranked: list[_Ranked] = []
    for i, e in enumerate(eligible):
        p = points.get(e.id, 0.0)
        rank = ranked[-1].rank if ranked and ranked[-1].points == p else i + 1
        ranked.append(_Ranked(e, p, rank))
    return ranked, points, people


def person_entries(
    ranked: list[_Ranked], limit: int, pseudo: bool, me: int | None
) -> list[LeaderboardEntry]:
    """The person board: people with points, names or pseudonyms (then without their team)."""
    entries: list[LeaderboardEntry] = []
    for r in ranked:
        if r.points <= 0 or len(entries) >= limit:
            break
        entries.append(
            LeaderboardEntry(
                rank=r.rank,
                name=pseudonym(r.employee.public_ref) if pseudo else r.employee.name,
                team=None if pseudo else r.employee.team,
                points=r.points,
                is_me=r.employee.id == me,
            )
        )
    return entries


def leaderboard(
    period_name: str, by: str, limit: int, me: int | None, now: dt.datetime | None = None
) -> Leaderboard:
    """The person or team board. Works-council mode refuses the person board (even
    pseudonymous: a rank is one person's number) and leaves out teams of fewer active members
    than the minimum group size of people with points."""
    council = works_council.works_council()
    if by == "person":
        works_council.require_per_person("the person leaderboard", council)
    period = calendar_period(period_name, now)
    pseudo = leaderboard_settings().pseudonymous
    ranked, points, people = ranking(period)
    entries: list[LeaderboardEntry] = []
    if by == "person":
        entries = person_entries(ranked, limit, pseudo, me)
    else:
        # Teams count every active member, opted-out or not.
        totals: dict[str, list[float]] = {}
        my_team = None
        for e in people:
            totals.setdefault(e.team, []).append(points.get(e.id, 0.0))
            if e.id == me:
                my_team = e.team
        if council.enabled:  # the people behind a team's points are those who earned some
            totals = {
                k: v
                for k, v in totals.items()
                if sum(1 for p in v if p > 0) >= council.min_group_size
            }
        rows = sorted(totals.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
        prev: float | None = None
        rank = 0
        for i, (team, pts) in enumerate(rows[:limit]):
            total = round(sum(pts), 1)
            rank = rank if prev == total else i + 1
            prev = total
            entries.append(
                LeaderboardEntry(
                    rank=rank,
                    name=team or "(no team)",
                    team=team,
                    points=total,
                    is_me=team == my_team,
                    members=len(pts),
                    points_per_member=round(total / len(pts), 1),
                )
            )
    return Leaderboard(
        period=period_name,
        by=by,
        start=period.start,
        end=period.end,
        pseudonymous=pseudo,
        entries=entries,
    )


# --- streaks -----------------------------------------------------------------------------------


def streak_weeks(employee_id: int, now: dt.datetime | None = None) -> int:
    """Consecutive ISO weeks with at least one share, up to this week (or last week while this
    week has no share yet)."""
    now = now or utcnow()
    since = an.week_start(now) - dt.timedelta(weeks=156)
    weeks = {
        dt.date.fromisoformat(w)
        for w in db.session.scalars(
            select(an.utc_week(Share.created_at))
            .where(
                Share.employee_id == employee_id,
                Share.created_at >= since,
                Share.state == SHARE_CONFIRMED,
            )
            .distinct()
        )
    }
    cursor = an.week_start(now).date()
    if cursor not in weeks:
        cursor -= dt.timedelta(weeks=1)
    n = 0
    while cursor in weeks:
        n += 1
        cursor -= dt.timedelta(weeks=1)
    return n


# --- guidelines --------------------------------------------------------------------------------


def current_version() -> int | None:
    return db.session.scalar(select(func.max(Guideline.version)))


def create_guideline_version(data: GuidelineCreate, actor_id: int | None) -> list[Guideline]:
    version = (current_version() or 0) + 1
    rows = [Guideline(version=version, **t.model_dump()) for t in data.translations]
    db.session.add_all(rows)
    db.session.flush()
    audit.record(
        actor_id, "guideline.create", "guideline", version,
        languages=[r.language for r in rows],
    )  # fmt: skip
    db.session.commit()
    return rows


def list_guidelines() -> list[Guideline]:
    return list(
        db.session.scalars(select(Guideline).order_by(Guideline.version.desc(), Guideline.language))
    )


def current_guideline(
    employee: Employee, language: str | None = None
) -> tuple[Guideline, list[str]]:
    """The current version in the requested language, else the employee's first language that
    has a translation, else English, else any."""
    version = current_version()
    if version is None:
        raise NotFound(lazy_translate("error.program.no_guidelines_have_published_yet"))
    rows = {
        g.language: g
        for g in db.session.scalars(select(Guideline).where(Guideline.version == version))
    }
    for lang in [language, *(employee.languages or []), "en"]:
        if lang and lang in rows:
            return rows[lang], sorted(rows)
    return rows[sorted(rows)[0]], sorted(rows)


def _ack_of_version(employee_id: int, version: int) -> GuidelineAck | None:
    return db.session.scalar(
        select(GuidelineAck)
        .join(Guideline, Guideline.id == GuidelineAck.guideline_id)
        .where(GuidelineAck.employee_id == employee_id, Guideline.version == version)
        .order_by(GuidelineAck.acknowledged_at)
        .limit(1)
    )


def guideline_status(employee_id: int) -> GuidelineStatus:
    version = current_version()
    ack = _ack_of_version(employee_id, version) if version is not None else None
    return GuidelineStatus(
        current_version=version,
        acknowledged=ack is not None,
        acknowledged_at=ack.acknowledged_at if ack else None,
    )


def acknowledge(employee: Employee, guideline_id: int) -> tuple[GuidelineAck, Guideline, bool]:
    """Acknowledge the version the employee read; idempotent; a superseded version is 409."""
    guideline = db.session.get(Guideline, guideline_id)
    if guideline is None:
        raise NotFound(
            lazy_translate("error.program.guideline_not_found", guideline_id=guideline_id)
        )
    version = current_version()
    if guideline.version != version:
        raise Conflict(
            lazy_translate(
                "error.program.guideline_version_replaced",
                version=guideline.version,
                version2=version,
            )
        )
    existing = _ack_of_version(employee.id, guideline.version)
    if existing is not None:
        return existing, guideline, False
    ack = GuidelineAck(employee_id=employee.id, guideline_id=guideline.id)
    db.session.add(ack)
    audit.record(employee.id, "guideline.ack", "guideline", guideline.id, version=version)
    db.session.commit()
    return ack, guideline, True


def acknowledge_version(employee: Employee, version: int) -> tuple[GuidelineAck, Guideline, bool]:
    """Acknowledge the current version by number (the panel's ``POST /me/guidelines/
    acknowledgement``); 404 before anything is published, 409 for a superseded version."""
    current = current_version()
    if current is None:
        raise NotFound(lazy_translate("error.program.no_guidelines_have_published_yet"))
    if version != current:
        raise Conflict(
            lazy_translate(
                "error.program.guideline_version_not_current", version=version, current=current
            )
        )
    row, _languages = current_guideline(employee)
    return acknowledge(employee, row.id)


# --- training cards ----------------------------------------------------------------------------


def list_cards(language: str | None = None) -> list[TrainingCard]:
    stmt = select(TrainingCard).order_by(TrainingCard.position, TrainingCard.id)
    if language is not None:
        stmt = stmt.where(TrainingCard.language == language)
    return list(db.session.scalars(stmt))


def get_card(card_id: int) -> TrainingCard:
    card = db.session.get(TrainingCard, card_id)
    if card is None:
        raise NotFound(lazy_translate("error.program.training_card_not_found", card_id=card_id))
    return card


def create_card(data: TrainingCardCreate, actor_id: int | None) -> TrainingCard:
    card = TrainingCard(**data.model_dump())
    db.session.add(card)
    db.session.flush()
    audit.record(actor_id, "training_card.create", "training_card", card.id)
    db.session.commit()
    return card


def update_card(card_id: int, data: TrainingCardUpdate, actor_id: int | None) -> TrainingCard:
    card = get_card(card_id)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    for key, value in changes.items():
        setattr(card, key, value)
    audit.record(actor_id, "training_card.update", "training_card", card.id, fields=sorted(changes))
    db.session.commit()
    return card


def delete_card(card_id: int, actor_id: int | None) -> None:
    card = get_card(card_id)
    db.session.delete(card)
    audit.record(actor_id, "training_card.delete", "training_card", card_id)
    db.session.commit()


# --- my stats ----------------------------------------------------------------------------------


def stats_subject(viewer_id: int, viewer_role: str, employee_id: int) -> Employee:
    """The employee whose stats are read: the employee role reads only its own (403), and in
    works-council mode nobody reads anyone else's (403)."""
    if viewer_role == "employee" and employee_id != viewer_id:
        raise Forbidden(lazy_translate("error.program.employees_may_read_only_their"))
    if employee_id != viewer_id:
        works_council.require_per_person("another employee's statistics and digest")
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        raise NotFound(
            lazy_translate("error.employees.employee_not_found", employee_id=employee_id)
        )
    return employee


def my_top_articles(employee_id: int, period: an.Period, n: int = 5) -> list[MyArticle]:
    top = an.top_articles(period, an.Filters(), n, employee_id=employee_id)
    return [MyArticle(**article.model_dump()) for article in top]


def my_stats(employee: Employee, period_name: str, now: dt.datetime | None = None) -> MyStats:
    now = now or utcnow()
    period = calendar_period(period_name, now)
    none = an.Filters()
    st = an.totals_shares(period, none, employee.id)
    ct = an.totals_clicks(period, none, employee.id)
    rows = an.conversion_rows(an.Query(an.CONVERSION, period, none, employee_id=employee.id))
    ranked, points, _people = ranking(calendar_period(period_name, now))
    mine = next((r for r in ranked if r.employee.id == employee.id), None)
    campaigns = [
        MyCampaignProgress(
            campaign_id=c.id,
            name=c.name,
            goals=campaign_svc.goals_progress(c, now, employee_id=employee.id),
        )
        for c in campaign_svc.active_campaigns(now)
        if c.goals
    ]
    return MyStats(
        employee_id=employee.id,
        period=period_name,
        start=None if period_name == "all" else period.start,
        end=now,
        shares=st["shares"],
        started_shares=an.started_shares(period, none, employee.id),
        clicks=ct["clicks"],
        unique_clicks=ct["unique_clicks"],
        reactions=st["reactions"],
        comments=st["comments"],
        reposts=st["reposts"],
        leads=sum(r["leads"] + r["signups"] for r in rows),
        sales=sum(r["sales"] for r in rows),
        sales_value={r["currency"]: r["sales_value"] for r in rows if r["sales"]},
        potential_reach=st["potential_reach"],
        points=points.get(employee.id, 0.0),
        rank=None if mine is None or opted_out(employee) else mine.rank,
        ranked_employees=len(ranked),
        leaderboard_opt_out=opted_out(employee),
        streak_weeks=streak_weeks(employee.id, now),
        guideline=guideline_status(employee.id),
        campaigns=campaigns,
        top_articles=my_top_articles(employee.id, period),
    )
