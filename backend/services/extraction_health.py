"""Extraction health: how the extension read LinkedIn pages, in counts per day and bucket.

The extension reports one page view at a time: page kind, DOM generation, the selector-pack rule
that
found the items (or ``fallback``/``none``), how many items, pack and extension version. Never text,
never
who: rows hold no employee id. The console shows the share of pages with nothing extracted per page
kind
and warns when it rises (a LinkedIn redesign shows up within hours, not in complaints).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.extensions import db
from backend.models import ExtractionHealth
from backend.schemas.extension import ExtractionReport

# Page kinds where an empty reading is expected (nothing to read by design): never warned about.
NOTHING_EXPECTED = frozenset({"other", "search-people"})
WARN_RISE = 0.25  # warn when today's empty share exceeds the baseline share by this much
WARN_MIN_PAGES = 1  # ... over at least this many pages today
BASELINE_DAYS = 7


def record(report: ExtractionReport, today: dt.date | None = None) -> None:
    """Adds one page view to its day's bucket (an insert, or an update of the existing row)."""
    day = today or dt.datetime.now(dt.UTC).date()
    key = {
        "day": day,
        "page_kind": report.page_kind,
        "dom": report.dom,
        "rule": report.rule,
        "pack_version": report.pack_version,
        "extension_version": report.extension_version,
    }
    empty = 1 if report.items == 0 else 0
    for _attempt in range(3):
        row = db.session.scalars(select(ExtractionHealth).filter_by(**key)).first()
        if row is None:
            db.session.add(ExtractionHealth(**key, pages=1, empty_pages=empty, items=report.items))
        else:
            row.pages = ExtractionHealth.pages + 1
            row.empty_pages = ExtractionHealth.empty_pages + empty
            row.items = ExtractionHealth.items + report.items
        try:
            db.session.commit()
            return
        except IntegrityError:
            # Another request created the bucket meanwhile: update it instead.
            db.session.rollback()
    raise RuntimeError("could not record extraction health")  # pragma: no cover


@dataclass
class DayHealth:
    day: dt.date
    pages: int = 0
    empty_pages: int = 0
    items: int = 0

    @property
    def empty_share(self) -> float:
        return self.empty_pages / self.pages if self.pages else 0.0


@dataclass
class KindHealth:
    page_kind: str
    days: list[DayHealth] = field(default_factory=list)
    rules: dict[str, int] = field(default_factory=dict)  # rule -> pages, over the whole window
    baseline_share: float | None = None
    warning: bool = False

    @property
    def latest(self) -> DayHealth | None:
        return self.days[-1] if self.days else None


def summary(days: int = 14, today: dt.date | None = None) -> list[KindHealth]:
    """Per page kind: one entry per day with pages in the window (oldest first), rules used,
    warning."""
    end = today or dt.datetime.now(dt.UTC).date()
    start = end - dt.timedelta(days=days - 1)
    rows = db.session.execute(
        select(
            ExtractionHealth.page_kind,
            ExtractionHealth.day,
            ExtractionHealth.rule,
            func.sum(ExtractionHealth.pages),
            func.sum(ExtractionHealth.empty_pages),
            func.sum(ExtractionHealth.items),
        )
        .where(ExtractionHealth.day >= start, ExtractionHealth.day <= end)
        .group_by(ExtractionHealth.page_kind, ExtractionHealth.day, ExtractionHealth.rule)
    ).all()
    kinds: dict[str, KindHealth] = {}
    per_day: dict[tuple[str, dt.date], DayHealth] = {}
    for kind, day, rule, pages, empty, items in rows:
        k = kinds.setdefault(kind, KindHealth(kind))
        k.rules[rule] = k.rules.get(rule, 0) + int(pages)
        d = per_day.setdefault((kind, day), DayHealth(day))
        d.pages += int(pages)
        d.empty_pages += int(empty)
        d.items += int(items)
    for (kind, _day), d in sorted(per_day.items(), key=lambda kv: kv[0][1]):
        kinds[kind].days.append(d)
    for k in kinds.values():
        latest = k.latest
        if latest is None or latest.day != end:
            continue
        before = [d for d in k.days if end - dt.timedelta(days=BASELINE_DAYS) <= d.day < end]
        pages = sum(d.pages for d in before)
        k.baseline_share = sum(d.empty_pages for d in before) / pages if pages else None
        base = k.baseline_share or 0.0
        k.warning = (
            k.page_kind not in NOTHING_EXPECTED
            and latest.pages >= WARN_MIN_PAGES
            and latest.empty_share >= base + WARN_RISE
        )
    return sorted(kinds.values(), key=lambda k: (not k.warning, k.page_kind))
