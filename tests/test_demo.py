from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.demo import ADMIN_EMAIL, MARKER_KEY, generate, load_demo
from backend.extensions import db
from backend.models import (
    Article,
    Campaign,
    Click,
    Conversion,
    Employee,
    EngagementEvent,
    Guideline,
    Mention,
    ProfileSnapshot,
    Setting,
    Share,
    ShareEngagement,
    SuggestionImpression,
    TrackedLink,
    TrainingCard,
)

NOW = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.UTC)


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def fingerprint() -> dict[str, Any]:
    """Everything but database ids, to compare two loads."""
    return {
        "employees": db.session.execute(
            select(Employee.email, Employee.network_size, Employee.public_ref).order_by(
                Employee.email
            )
        ).all(),
        "articles": db.session.execute(
            select(Article.canonical_url, Article.status, Article.published_at).order_by(
                Article.canonical_url
            )
        ).all(),
        "codes": sorted(db.session.scalars(select(TrackedLink.code))),
        "clicks": count(Click),
        "events": Counter(db.session.scalars(select(EngagementEvent.type))),
        "conversions": db.session.scalar(select(func.sum(Conversion.value))),
    }


@pytest.fixture
def demo(app: Any) -> str:
    return load_demo(seed=7, now=NOW)


def test_demo_company_is_believable(demo: str) -> None:
    employees = db.session.scalars(select(Employee)).all()
    assert 38 <= len(employees) <= 45
    departments = Counter(e.department for e in employees)
    assert set(departments) == {"Sales", "Engineering", "HR", "Marketing", "Leadership"}
    assert any(e.languages == ["en"] for e in employees)
    assert any("da" in e.languages for e in employees)
    assert {e.location for e in employees} == {"Copenhagen", "Aarhus"}
    admin = db.session.scalar(select(Employee).where(Employee.email == ADMIN_EMAIL))
    assert admin is not None and admin.access_role == "admin"
    assert len({e.public_ref for e in employees}) == len(employees)

    articles = db.session.scalars(select(Article)).all()
    assert len(articles) >= 150
    languages = Counter(a.language for a in articles)
    assert languages["en"] >= 60 and languages["da"] >= 60
    assert len({(a.language, a.title) for a in articles}) == len(articles)
    assert Counter(a.status for a in articles)["approved"] >= 120
    assert all(a.canonical_url.startswith("https://www.nordvind.example/") for a in articles)
    assert all(len(a.body) > 200 and a.summary for a in articles)
    danish = [a for a in articles if a.language == "da"]
    assert sum("æ" in a.body or "ø" in a.body or "å" in a.body for a in danish) > len(danish) / 2
    assert any(a.captions for a in articles)
    assert any(a.expires_at and a.expires_at > NOW for a in articles)

    campaigns = db.session.scalars(select(Campaign)).all()
    assert {c.slug for c in campaigns} == {"nis2-ready", "cloud-cost-control", "join-nordvind"}
    metrics = {g.metric for c in campaigns for g in c.goals}
    assert {"shares", "participation", "leads"} <= metrics
    assert "seed 7" in demo and "create-admin " + ADMIN_EMAIL in demo


def test_history_is_consistent(demo: str) -> None:
    start = NOW - dt.timedelta(days=90)
    assert count(SuggestionImpression) > 1000
    assert db.session.scalar(select(func.min(SuggestionImpression.created_at))) >= start
    assert db.session.scalar(select(func.max(Click.created_at))) < NOW
    events = Counter(db.session.scalars(select(EngagementEvent.type)))
    assert set(events) == {"shown", "opened", "shared", "dismissed", "saved"}
    assert events["shown"] > events["opened"] > events["shared"] > 0
    shares = db.session.scalars(select(Share)).all()
    assert len(shares) == events["shared"]
    assert len({(s.employee_id, s.article_id) for s in shares}) == len(shares)
    # Everyone shares approved articles, after they were published, in a language they read.
    for share in shares:
        article = db.session.get(Article, share.article_id)
        person = db.session.get(Employee, share.employee_id)
        assert article is not None and person is not None
        assert article.status == "approved" and article.language in person.languages
        assert article.published_at is not None and article.published_at <= share.created_at
    # Sales and marketing share more per head than engineering.
    per_dept = Counter(db.session.get(Employee, s.employee_id).department for s in shares)  # type: ignore[union-attr]
    heads = Counter(db.session.scalars(select(Employee.department)))
    assert (
        per_dept["Marketing"] / heads["Marketing"] > per_dept["Engineering"] / heads["Engineering"]
    )
    assert per_dept["Sales"] / heads["Sales"] > per_dept["Engineering"] / heads["Engineering"]

    codes = db.session.scalars(select(TrackedLink.code)).all()
    assert all(re.fullmatch(r"[A-Za-z0-9]{8}", c) for c in codes)
    clicks = db.session.scalars(select(Click)).all()
    bots = [c for c in clicks if c.is_bot]
    assert 0 < len(bots) < len(clicks) / 2
    humans = [c for c in clicks if not c.is_bot]
    assert len({c.visitor_hash for c in humans}) < len(humans)
    assert all(len(c.visitor_hash) == 64 for c in clicks)
    kinds = Counter(db.session.scalars(select(Conversion.type)))
    assert kinds["lead"] > 0 and kinds["signup"] > 0
    assert count(ShareEngagement) > 0
    snapshots = db.session.scalars(
        select(ProfileSnapshot).order_by(ProfileSnapshot.employee_id, ProfileSnapshot.taken_at)
    ).all()
    by_person: dict[int, list[int]] = {}
    for snap in snapshots:
        by_person.setdefault(snap.employee_id, []).append(snap.connections or 0)
    assert len(by_person) >= 20
    assert all(series[-1] >= series[0] for series in by_person.values())
    assert count(Mention) >= 3
    assert {(g.version, g.language) for g in db.session.scalars(select(Guideline))} == {
        (1, "en"), (1, "da"), (2, "en"), (2, "da")
    }  # fmt: skip
    assert count(TrainingCard) >= 5


def test_loading_twice_adds_nothing(demo: str) -> None:
    before = fingerprint()
    again = load_demo(seed=7, now=NOW + dt.timedelta(days=1))
    assert again.startswith("demo company Nordvind Digital is already loaded; nothing added")
    assert fingerprint() == before
    marker = db.session.get(Setting, MARKER_KEY)
    assert marker is not None and marker.value["seed"] == 7


def test_same_seed_same_data(app: Any) -> None:
    first = generate(seed=11, now=NOW)
    assert first.created
    snapshot = fingerprint()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    db.session.expire_all()
    second = generate(seed=11, now=NOW.replace(tzinfo=None))
    assert second.counts == first.counts
    assert fingerprint() == snapshot


def test_seed_demo_cli(runner: Any) -> None:
    result = runner.invoke(args=["seed-demo", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "loaded demo company Nordvind Digital (seed 3)" in result.output
    again = runner.invoke(args=["seed-demo", "--seed", "3"])
    assert "already loaded" in again.output


def test_demo_admin_can_use_the_api(demo: str, client: Any, token_for: Any) -> None:
    admin = db.session.scalar(select(Employee).where(Employee.email == ADMIN_EMAIL))
    headers = {"Authorization": f"Bearer {token_for(admin, 'admin')}"}
    resp = client.get("/api/v1/articles", query_string={"language": "da"}, headers=headers)
    assert resp.status_code == 200
    assert resp.json["total"] >= 60
    resp = client.get("/api/v1/articles", query_string={"campaign": "nis2-ready"}, headers=headers)
    assert resp.json["total"] > 5


def test_every_demo_campaign_goal_has_progress(demo: str, client: Any, token_for: Any) -> None:
    """Each goal the demo creates uses a metric the goal service computes, on a sane scale."""
    admin = db.session.scalar(select(Employee).where(Employee.email == ADMIN_EMAIL))
    assert admin is not None
    headers = {"Authorization": f"Bearer {token_for(admin, 'content')}"}
    campaigns = db.session.scalars(select(Campaign)).all()
    assert campaigns
    for campaign in campaigns:
        resp = client.get(f"/api/v1/campaigns/{campaign.id}/progress", headers=headers)
        assert resp.status_code == 200, resp.json
        stack = list(resp.json["goals"])
        while stack:
            goal = stack.pop()
            stack.extend(goal.get("sub_goals", []))
            assert goal["actual"] is not None, goal
            if goal["metric"] == "participation":
                assert 1 <= goal["target"] <= 100, goal
