"""Factories that insert tracking rows directly (their APIs belong to other modules)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy import select

from backend.extensions import db
from backend.models import (
    Article,
    Campaign,
    Click,
    Conversion,
    Employee,
    ProfileSnapshot,
    Share,
    ShareEngagement,
    TrackedLink,
    utcnow,
)
from backend.services import works_council
from backend.services.works_council import WorksCouncil

NOW = dt.datetime(2025, 3, 12, 12, 0, tzinfo=dt.UTC)  # a Wednesday


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


class Factory:
    """Direct inserts with sensible defaults; every method commits."""

    def __init__(self, make_employee: Callable[..., Employee]) -> None:
        self.make_employee = make_employee

    def _add(self, row: Any) -> Any:
        db.session.add(row)
        db.session.commit()
        return row

    def employee(self, **kw: Any) -> Employee:
        kw.setdefault("created_at", NOW - dt.timedelta(days=400))
        return self.make_employee(**kw)

    def campaign(self, **kw: Any) -> Campaign:
        n = secrets.token_hex(3)
        kw.setdefault("slug", f"campaign-{n}")
        kw.setdefault("name", f"Campaign {n}")
        return self._add(Campaign(**kw))  # type: ignore[no-any-return]

    def article(self, **kw: Any) -> Article:
        n = secrets.token_hex(4)
        kw.setdefault("canonical_url", f"https://example.com/blog/{n}")
        kw.setdefault("title", f"Article {n}")
        kw.setdefault("status", "approved")
        kw.setdefault("published_at", NOW - dt.timedelta(days=3))
        return self._add(Article(**kw))  # type: ignore[no-any-return]

    def link(self, employee: Employee, article: Article, network: str = "linkedin") -> TrackedLink:
        existing = db.session.scalar(
            select(TrackedLink).where(
                TrackedLink.employee_id == employee.id,
                TrackedLink.article_id == article.id,
                TrackedLink.network == network,
            )
        )
        if existing is not None:
            return existing  # type: ignore[no-any-return]
        return self._add(  # type: ignore[no-any-return]
            TrackedLink(
                code=secrets.token_urlsafe(6)[:8],
                employee_id=employee.id,
                article_id=article.id,
                network=network,
            )
        )

    def share(
        self,
        employee: Employee,
        article: Article,
        at: dt.datetime,
        network: str = "linkedin",
        network_size: int | None = None,
        confirmed: bool = True,
    ) -> Share:
        link = self.link(employee, article, network)
        return self._add(  # type: ignore[no-any-return]
            Share(
                employee_id=employee.id,
                article_id=article.id,
                link_id=link.id,
                network=network,
                network_size_at_share=(
                    employee.network_size if network_size is None else network_size
                ),
                created_at=at,
                state="confirmed" if confirmed else "started",
                confirmed_at=at if confirmed else None,
                confirmed_by="post" if confirmed else None,
            )
        )

    def engagement(
        self, share: Share, at: dt.datetime, reactions: int = 0, comments: int = 0, reposts: int = 0
    ) -> ShareEngagement:
        return self._add(  # type: ignore[no-any-return]
            ShareEngagement(
                share_id=share.id,
                reactions=reactions,
                comments=comments,
                reposts=reposts,
                observed_at=at,
            )
        )

    def clicks(
        self,
        share: Share,
        at: dt.datetime,
        n: int = 1,
        visitor: str | None = None,
        bot: bool = False,
    ) -> None:
        for i in range(n):
            db.session.add(
                Click(
                    link_id=share.link_id,
                    created_at=at,
                    is_bot=bot,
                    visitor_hash=visitor if visitor is not None else secrets.token_hex(8) + str(i),
                )
            )
        db.session.commit()

    def conversion(
        self,
        share: Share | None,
        type: str,
        value: float = 0.0,
        at: dt.datetime | None = None,
        currency: str = "DKK",
        campaign_id: int | None = None,
    ) -> Conversion:
        article = db.session.get(Article, share.article_id) if share else None
        return self._add(  # type: ignore[no-any-return]
            Conversion(
                link_id=share.link_id if share else None,
                employee_id=share.employee_id if share else None,
                article_id=share.article_id if share else None,
                campaign_id=campaign_id
                if campaign_id
                else (article.campaign_id if article else None),
                type=type,
                value=value,
                currency=currency,
                occurred_at=at or NOW - dt.timedelta(days=1),
            )
        )

    def snapshot(
        self,
        employee: Employee,
        at: dt.datetime,
        connections: int | None = None,
        followers: int | None = None,
    ) -> ProfileSnapshot:
        return self._add(  # type: ignore[no-any-return]
            ProfileSnapshot(
                employee_id=employee.id, connections=connections, followers=followers, taken_at=at
            )
        )


@pytest.fixture(autouse=True)
def _fresh_principal_per_request(app: Flask) -> None:
    """The app fixture keeps one app context open, so ``g`` outlives a request and the first
    request's principal would be reused for the next one; forget it after each request."""

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        g.pop("principal", None)


@pytest.fixture
def f(app: Flask, make_employee: Callable[..., Employee]) -> Factory:
    return Factory(make_employee)


@pytest.fixture
def period_q() -> str:
    """Query string for the 30 days up to NOW."""
    start = (NOW - dt.timedelta(days=30)).isoformat().replace("+00:00", "Z")
    end = NOW.isoformat().replace("+00:00", "Z")
    return f"start={start}&end={end}"


# --- works council ----------------------------------------------------------------------------


def _wc_activity(f: Factory, person: Employee, article: Article, n: int, now: dt.datetime) -> None:
    share = f.share(person, article, at=now - dt.timedelta(minutes=50))
    f.engagement(share, at=now, reactions=3 + n)
    f.clicks(share, at=now - dt.timedelta(minutes=40), n=2 + n)
    f.conversion(share, "lead", at=now - dt.timedelta(minutes=30))
    for minutes, connections in ((45, 400 + n), (20, 450 + 2 * n)):
        f.snapshot(person, now - dt.timedelta(minutes=minutes), connections, connections // 2)


def works_council_world(make_employee: Callable[..., Employee]) -> dict[str, Any]:
    """Team "Big" (6 members, 5 active: shares, clicks, reactions, a lead, snapshots), team
    "Pair" (6 members, 2 active) and team "Tiny" (2 members, both active), all within the last
    hour (so it falls in this week, month and quarter). For works-council tests."""
    now = utcnow()
    f = Factory(make_employee)
    article = f.article(
        canonical_url="https://nordvind.example/wc", title="Works council", published_at=None
    )
    people: dict[str, list[Employee]] = {"Big": [], "Pair": [], "Tiny": []}
    for team, members, active in (("Big", 6, 5), ("Pair", 6, 2), ("Tiny", 2, 2)):
        for i in range(members):
            person = make_employee(name=f"{team} Person {i}", team=team, department=f"Dept {team}")
            people[team].append(person)
            if i < active:
                _wc_activity(f, person, article, i, now)
    return {"people": people, "article": article}


def works_council_on(min_group_size: int = 5) -> None:
    works_council.set_works_council(WorksCouncil(enabled=True, min_group_size=min_group_size), None)
