"""Column names, event types and their weights, in one place (RecTools ``Columns`` style)."""

from __future__ import annotations

from typing import Final


class Columns:
    """Names shared by interaction tables, feature matrices and reports."""

    user: Final = "user_id"
    item: Final = "item_id"
    weight: Final = "weight"
    datetime: Final = "ts"
    score: Final = "score"
    rank: Final = "rank"


class Events:
    """Engagement event types logged by the API (``EngagementEvent.type``)."""

    SHOWN: Final = "shown"
    OPENED: Final = "opened"
    SHARED: Final = "shared"
    DISMISSED: Final = "dismissed"
    SAVED: Final = "saved"
    ALL: Final = ("shown", "opened", "shared", "dismissed", "saved")


# How much one event says about the employee's taste; dismissals count against the article.
EVENT_WEIGHTS: Final[dict[str, float]] = {
    Events.SHOWN: 0.0,
    Events.OPENED: 1.0,
    Events.SAVED: 2.0,
    Events.SHARED: 3.0,
    Events.DISMISSED: -2.0,
}

# Events that make an impression a positive training label for the ranker.
POSITIVE_EVENTS: Final = frozenset({Events.OPENED, Events.SHARED, Events.SAVED})

# Half-life of the employee's own history, in days.
HISTORY_HALF_LIFE_DAYS: Final = 30.0
