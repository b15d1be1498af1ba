"""Company-wide settings stored in the ``settings`` table: one JSON object per key, each change
audited. Points weights, the leaderboard, the EMV formula and works-council mode all keep their
values here; each owner validates its value with its own pydantic model."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from backend.extensions import db
from backend.models import Setting
from backend.services import audit

M = TypeVar("M", bound=BaseModel)


def load(key: str) -> dict[str, Any]:
    """The stored object for ``key`` ({} when none was stored)."""
    row = db.session.get(Setting, key)
    return row.value if row is not None and isinstance(row.value, dict) else {}


def load_model(model: type[M], key: str) -> M:
    """``model``'s defaults overlaid with what is stored under ``key``."""
    return model.model_validate({**model().model_dump(), **load(key)})


def store(
    key: str,
    value: dict[str, Any],
    actor_id: int | None,
    *,
    action: str = "settings.update",
    details: dict[str, Any] | None = None,
) -> None:
    """Store ``value`` under ``key``, record ``action`` in the audit log, commit."""
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    audit.record(actor_id, action, "setting", key, **(details or {"value": value}))
    db.session.commit()
