from __future__ import annotations

from typing import Any

from backend.extensions import db
from backend.models import AuditLog


def record(
    actor_id: int | None, action: str, target_type: str = "", target_id: Any = "", **details: Any
) -> AuditLog:
    """Add an audit entry to the current transaction (committed with the action it records)."""
    entry = AuditLog(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details,
    )
    db.session.add(entry)
    return entry
