"""Logged impressions → a training table: one row per shown item, label = opened/shared/saved.

The features are the ones logged at serving time (``SuggestionImpression.features``), so training
sees exactly what the ranker saw. Requests are kept whole so evaluation can rank within a request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray

from backend.extensions import db
from backend.models import Employee, EngagementEvent, SuggestionImpression
from recommender.columns import POSITIVE_EVENTS
from recommender.features import FEATURE_NAMES


@dataclass
class Logged:
    X: NDArray[np.float64]
    y: NDArray[np.int64]
    request_ids: NDArray[np.str_]
    ts: NDArray[np.float64]
    article_ids: NDArray[np.int64]
    departments: NDArray[np.str_]
    logged_rank: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def subset(self, mask: NDArray[np.bool_]) -> Logged:
        return Logged(
            self.X[mask],
            self.y[mask],
            self.request_ids[mask],
            self.ts[mask],
            self.article_ids[mask],
            self.departments[mask],
            self.logged_rank[mask],
        )

    def data_hash(self) -> str:
        h = hashlib.sha256()
        for arr in (self.X, self.y, self.article_ids, self.ts):
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()


def load_logged(since: dt.datetime | None = None) -> Logged:
    """Impressions (all, or those at or after ``since``) with their label, ordered by time."""
    positives = {
        (rid, aid)
        for rid, aid in db.session.execute(
            sa.select(EngagementEvent.request_id, EngagementEvent.article_id).where(
                EngagementEvent.request_id.is_not(None),
                EngagementEvent.type.in_(sorted(POSITIVE_EVENTS)),
            )
        )
    }
    rows = db.session.execute(
        sa.select(
            SuggestionImpression.request_id,
            SuggestionImpression.article_id,
            SuggestionImpression.features,
            SuggestionImpression.created_at,
            SuggestionImpression.rank,
            Employee.department,
        )
        .join(Employee, Employee.id == SuggestionImpression.employee_id)
        .where(SuggestionImpression.created_at >= since if since is not None else sa.true())
        .order_by(SuggestionImpression.created_at, SuggestionImpression.id)
    ).all()
    n = len(rows)
    X = np.zeros((n, len(FEATURE_NAMES)))
    y = np.zeros(n, dtype=np.int64)
    rids, depts = [], []
    ts = np.zeros(n)
    aids = np.zeros(n, dtype=np.int64)
    ranks = np.zeros(n, dtype=np.int64)
    for i, (rid, aid, feats, at, rank, dept) in enumerate(rows):
        X[i] = [float((feats or {}).get(name, 0.0)) for name in FEATURE_NAMES]
        y[i] = int((rid, aid) in positives)
        rids.append(rid)
        depts.append(dept or "")
        ts[i] = at.timestamp()
        aids[i] = aid
        ranks[i] = rank
    return Logged(X, y, np.array(rids, dtype=str), ts, aids, np.array(depts, dtype=str), ranks)
