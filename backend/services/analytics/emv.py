"""Earned-media value: its settings and the formula."""

from __future__ import annotations

from backend.schemas.analytics import EmvOut, EmvSettings
from backend.services import settings_store

EMV_SETTING = "analytics.emv"


def emv_settings() -> EmvSettings:
    return settings_store.load_model(EmvSettings, EMV_SETTING)


def update_emv_settings(data: EmvSettings, actor_id: int | None) -> EmvSettings:
    settings_store.store(EMV_SETTING, data.model_dump(), actor_id)
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
