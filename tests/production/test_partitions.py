"""Monthly partitions of clicks on PostgreSQL (backend/services/partitions.py), on a database of
its own (the conversion changes the table, so it must not share the suite's schema)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from backend import create_app
from backend.extensions import db
from backend.models import (
    Article,
    Click,
    ClickDailyAggregate,
    Employee,
    TrackedLink,
)
from backend.services import clicks as tracking
from backend.services import partitions

pytestmark = pytest.mark.postgres

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def part_url() -> Iterator[str]:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("partitioning needs PostgreSQL: set DATABASE_URL=postgresql+psycopg://...")
    url = sa.engine.make_url(base)
    name = f"{url.database}_part"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def papp(part_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": part_url,
            "SECRET_KEY": "test-" + "x" * 40,
            "ARTIFACTS_DIR": str(tmp_path / "artifacts"),
            "ENCODER": "hashing",
        }
    )
    with app.app_context():
        from backend.cli import upgrade_database

        upgrade_database()
        yield app
        db.session.remove()
        db.engine.dispose()


def _clicks_per_month(link_id: int) -> list[dict[str, Any]]:
    rows = []
    for month, n in ((8, 3), (9, 4), (10, 5), (11, 6), (12, 2)):
        for i in range(n):
            at = dt.datetime(2026, month, 2 + i, 10, tzinfo=dt.UTC)
            rows.append({"link_id": link_id, "created_at": at, "visitor_hash": f"v{month}-{i}"})
    return rows


def test_partition_then_drop_old_months_keeps_counts(papp: Flask) -> None:
    person = Employee(email="p@example.com", name="P", public_ref="pref0001", languages=["en"])
    article = Article(canonical_url="https://e.example/a", title="A", status="approved")
    db.session.add_all([person, article])
    db.session.flush()
    link = TrackedLink(code="partcode", employee_id=person.id, article_id=article.id, network="x")
    db.session.add(link)
    db.session.flush()
    db.session.execute(sa.insert(Click), _clicks_per_month(link.id))
    db.session.commit()
    ids_before = sorted(db.session.scalars(sa.select(Click.id)))

    assert not partitions.is_partitioned()
    with pytest.raises(partitions.PartitionError, match="not partitioned"):
        partitions.drop_partitions_before(NOW)
    made = partitions.partition_clicks(now=NOW, ahead=2)
    assert made == 7  # August 2026 .. February 2027
    assert partitions.is_partitioned()
    assert partitions.partitions()[0] == dt.date(2026, 8, 1)
    assert partitions.partitions()[-1] == dt.date(2027, 2, 1)
    assert sorted(db.session.scalars(sa.select(Click.id))) == ids_before
    with pytest.raises(partitions.PartitionError, match="already partitioned"):
        partitions.partition_clicks(now=NOW)

    # The redirect's writer stores into the partitioned table; ids keep increasing.
    writer = tracking.ClickWriter(db.engine)
    tracking.record_click(
        link.id,
        method="GET",
        headers={"User-Agent": "Mozilla/5.0"},
        remote_addr="203.0.113.9",
        salt="s",
        writer=writer,
        now=NOW,
    )
    newest = db.session.scalar(sa.select(sa.func.max(Click.id)))
    assert newest is not None and newest > max(ids_before)
    in_december = db.session.execute(sa.text("SELECT count(*) FROM clicks_p202612")).scalar_one()
    assert in_december == 3  # 2 seeded + the one just stored (now is December 2026)

    # Future months are created ahead; an existing one is left alone.
    made_names = partitions.ensure_partitions(now=dt.datetime(2027, 2, 10, tzinfo=dt.UTC), ahead=2)
    assert made_names == ["clicks_p202703", "clicks_p202704"]

    # Retention: months wholly before the cutoff are dropped, after being rolled up.
    dropped = partitions.drop_partitions_before(dt.datetime(2026, 10, 15, tzinfo=dt.UTC), now=NOW)
    assert dropped == ["clicks_p202608", "clicks_p202609"]
    assert partitions.partitions()[0] == dt.date(2026, 10, 1)
    assert db.session.scalar(sa.select(sa.func.count(Click.id))) == 5 + 6 + 3
    # The dropped months' clicks are still counted in the daily aggregates.
    counted = db.session.scalar(
        sa.select(sa.func.sum(ClickDailyAggregate.clicks)).where(
            ClickDailyAggregate.day < dt.date(2026, 10, 1)
        )
    )
    assert counted == 3 + 4
