"""The clicks table's growth path on PostgreSQL: monthly partitions, retention drops them.

At 10M clicks a month the raw ``clicks`` table grows by ~1.5 GB a month with its indexes, and
retention by ``DELETE`` (backend/services/rollups.py) turns into hours of vacuum work. Partitioned
by month on ``created_at``, retention drops whole months (a catalog operation, no dead rows) and
queries over recent days touch recent partitions only.

* ``partition_clicks()`` (``flask partition-clicks``; once, in a maintenance window: it copies the
  table under an exclusive lock) turns ``clicks`` into a table partitioned by month, with one
  partition per month from the oldest click to ``ahead`` months after now. The primary key becomes
  ``(id, created_at)`` (PostgreSQL requires the partition key in it); ids keep coming from the same
  sequence, so they stay unique and increasing, which the rollups rely on.
* ``ensure_partitions()`` creates the coming months' partitions (the worker runs it daily, see
  backend/tasks.py; a click for a month without a partition would fail, so there are always
  ``ahead`` months ready).
* ``drop_partitions_before(cutoff)`` is retention: it rolls the clicks up first, then drops the
  partitions whose every row is before ``cutoff`` and already counted in the aggregates.

SQLite has no partitioning: these functions refuse it (``PartitionError``), and retention there
deletes rows as before.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import sqlalchemy as sa

from backend.extensions import db
from backend.models import utcnow

log = logging.getLogger("herald.partitions")

TABLE = "clicks"
_NAME = re.compile(r"^clicks_p(\d{4})(\d{2})$")


class PartitionError(RuntimeError):
    """Partitioning is not possible here (not PostgreSQL, already done, ...)."""


def _check_postgres() -> sa.Connection:
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        raise PartitionError(
            f"clicks can be partitioned on PostgreSQL only, not {conn.dialect.name}"
        )
    return conn


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def is_partitioned() -> bool:
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        return False
    return bool(
        conn.execute(
            sa.text(
                "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                "WHERE c.relname = :t AND c.relnamespace = current_schema()::regnamespace"
            ),
            {"t": TABLE},
        ).scalar()
    )


def partitions() -> list[dt.date]:
    """The months that have a partition, oldest first."""
    conn = _check_postgres()
    names = conn.execute(
        sa.text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :t"
        ),
        {"t": TABLE},
    ).scalars()
    months = []
    for name in names:
        found = _NAME.match(str(name))
        if found:
            months.append(dt.date(int(found.group(1)), int(found.group(2)), 1))
    return sorted(months)


def _create_partition(conn: sa.Connection, month: dt.date) -> None:
    upper = _next_month(month)
    conn.execute(
        sa.text(
            f'CREATE TABLE IF NOT EXISTS "{partition_name(month)}" PARTITION OF "{TABLE}" '
            f"FOR VALUES FROM ('{month.isoformat()}') TO ('{upper.isoformat()}')"
        )
    )


def partition_clicks(now: dt.datetime | None = None, ahead: int = 3) -> int:
    """Turn ``clicks`` into monthly partitions (copying every row); returns partitions made."""
    conn = _check_postgres()
    if is_partitioned():
        raise PartitionError("clicks is already partitioned")
    now = now or utcnow()
    conn.execute(sa.text(f'LOCK TABLE "{TABLE}" IN ACCESS EXCLUSIVE MODE'))
    oldest = conn.execute(sa.text(f'SELECT min(created_at) FROM "{TABLE}"')).scalar()
    first = _month((oldest or now).astimezone(dt.UTC).date())
    last = _month(now.astimezone(dt.UTC).date())
    for _ in range(ahead):
        last = _next_month(last)
    conn.execute(sa.text(f'ALTER TABLE "{TABLE}" RENAME TO "{TABLE}_unpartitioned"'))
    for index in conn.execute(
        sa.text("SELECT indexname FROM pg_indexes WHERE tablename = :t"),
        {"t": f"{TABLE}_unpartitioned"},
    ).scalars():
        conn.execute(sa.text(f'ALTER INDEX "{index}" RENAME TO "{index}_unpartitioned"'))
    conn.execute(
        sa.text(
            f'CREATE TABLE "{TABLE}" (LIKE "{TABLE}_unpartitioned" INCLUDING DEFAULTS '
            "INCLUDING CONSTRAINTS) PARTITION BY RANGE (created_at)"
        )
    )
    conn.execute(sa.text(f'ALTER TABLE "{TABLE}" ADD PRIMARY KEY (id, created_at)'))
    conn.execute(
        sa.text(
            f'ALTER TABLE "{TABLE}" ADD CONSTRAINT clicks_link_id_fkey FOREIGN KEY (link_id) '
            "REFERENCES tracked_links (id)"
        )
    )
    conn.execute(sa.text(f'CREATE INDEX ix_clicks_link_id ON "{TABLE}" (link_id)'))
    conn.execute(sa.text(f'CREATE INDEX ix_clicks_created_at ON "{TABLE}" (created_at)'))
    made = 0
    month = first
    while month <= last:
        _create_partition(conn, month)
        made += 1
        month = _next_month(month)
    conn.execute(sa.text(f'INSERT INTO "{TABLE}" SELECT * FROM "{TABLE}_unpartitioned"'))
    # The id sequence now belongs to the new table (same sequence: ids stay increasing).
    seq = conn.execute(
        sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f"{TABLE}_unpartitioned"}
    ).scalar()
    if seq:
        conn.execute(sa.text(f'ALTER SEQUENCE {seq} OWNED BY "{TABLE}".id'))
    conn.execute(sa.text(f'DROP TABLE "{TABLE}_unpartitioned"'))
    db.session.commit()
    log.info("clicks partitioned by month: %s partitions from %s", made, first)
    return made


def ensure_partitions(now: dt.datetime | None = None, ahead: int = 3) -> list[str]:
    """Create the partitions of this month and the next ``ahead`` months where missing."""
    if not is_partitioned():
        return []
    conn = _check_postgres()
    have = set(partitions())
    month = _month((now or utcnow()).astimezone(dt.UTC).date())
    made = []
    for _ in range(ahead + 1):
        if month not in have:
            _create_partition(conn, month)
            made.append(partition_name(month))
        month = _next_month(month)
    db.session.commit()
    return made


def drop_partitions_before(cutoff: dt.datetime, now: dt.datetime | None = None) -> list[str]:
    """Retention: drop the months wholly before ``cutoff`` once their clicks are rolled up."""
    from backend.services.analytics import rollups

    if not is_partitioned():
        raise PartitionError("clicks is not partitioned; retention deletes rows instead")
    state = rollups.rollup_clicks(now).state
    if state.through is None:
        return []
    limit = min(cutoff, rollups.day_start(state.through))
    dropped = []
    for month in partitions():
        upper = _next_month(month)
        if rollups.day_start(upper) > limit:
            break
        name = partition_name(month)
        locked = rollups._lock_state()
        conn = db.session.connection()
        newest = conn.execute(sa.text(f'SELECT max(id) FROM "{name}"')).scalar()
        if newest is not None and int(newest) > locked.high_water:
            db.session.rollback()
            break  # not counted yet: the next rollup will
        if locked.pruned_before is None or locked.pruned_before < upper:
            rollups._save_state(rollups.RollupState(locked.high_water, locked.through, upper))
        conn.execute(sa.text(f'ALTER TABLE "{TABLE}" DETACH PARTITION "{name}"'))
        conn.execute(sa.text(f'DROP TABLE "{name}"'))
        rollups.forget_visitors_before(upper)  # visitor keys go with their raw clicks
        db.session.commit()
        dropped.append(name)
    return dropped
