"""Earned-media value: its settings and the formula."""

from __future__ import annotations

from backend.extensions import db
from backend.models import Setting
from backend.schemas.analytics import EmvOut, EmvSettings
from backend.services import audit

EMV_SETTING = "analytics.emv"


def emv_settings() -> EmvSettings:
    row = db.session.get(Setting, EMV_SETTING)
    stored = row.value if row is not None and isinstance(row.value, dict) else {}
    return EmvSettings.model_validate({**EmvSettings().model_dump(), **stored})


def update_emv_settings(data: EmvSettings, actor_id: int | None) -> EmvSettings:
    row = db.session.get(Setting, EMV_SETTING)
    value = data.model_dump()
    if row is None:
        db.session.add(Setting(key=EMV_SETTING, value=value))
    else:
        row.value = value
    audit.record(actor_id, "settings.update", "setting", EMV_SETTING, value=value)
    db.session.commit()
    return data


def earned_media_value(clicks: int, potential_reach: int, reactions: int, s: EmvSettings) -> EmvOut:
    """cpc × clicks + cpm × (potential reach × impressions_per_reach) / 1000 + value × reactions."""
    impressions = potential_reach * s.impressions_per_reach
    c = clicks * s.cpc
    i = s.cpm * impressions / 1000.0
    r = reactions * s.value_per_reaction
    return EmvOut(
        currency=s.currency,
        clicks=round(c, 2),
        impressions=round(i, 2),
        reactions=round(r, 2),
        total=round(c + i + r, 2),
    )
