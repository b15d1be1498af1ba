"""Human-readable reasons, derived from what actually moved an item up the list.

* With a page context, the page is the first reason when the item's relevance is at least
  ``RELEVANT`` (it is what put the item in the list); the page's similarity to the article is then
  not counted again as a personal feature.
* A personal or promotion feature is a reason when its contribution (weight × value) exceeds the
  median contribution of that feature *in the shortlist the item competed with* by ``MIN_LIFT``:
  a role match that every shortlisted article shares moved nothing and is not named.
* At most ``MAX_REASONS``, strongest first. Negative-weight features (anti-flood) never become
  reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from recommender import features as F
from recommender.text import keywords

MIN_LIFT = 0.05
RELEVANT = 0.5
MAX_REASONS = 2

PAGE_NOUNS = {
    "post": "the post you're reading",
    "article": "the article you're reading",
    "profile": "the profile you're viewing",
    "company": "the company page you're viewing",
    "search": "what you're searching for",
    "feed": "posts in your feed",
    "other": "the page you're on",
}


@dataclass(frozen=True)
class ReasonContext:
    """What the reason texts may mention about one item (never stored)."""

    page_type: str | None = None
    context_keywords: frozenset[str] = frozenset()
    article_title: str = ""
    article_tags: Sequence[str] = ()
    department: str = ""
    campaign_name: str | None = None
    age_days: float | None = None
    extra: dict[str, str] = field(default_factory=dict)


def reason_features(
    contributions: NDArray[np.float64],
    baseline: NDArray[np.float64],
    feature_names: Sequence[str] = F.FEATURE_NAMES,
) -> list[str]:
    """Names of the features that drove this item, strongest first."""
    lift = contributions - baseline
    order = np.argsort(-lift, kind="stable")
    out = [feature_names[i] for i in order if lift[i] > MIN_LIFT and contributions[i] > 0]
    return out[:MAX_REASONS]


def _topic(ctx: ReasonContext) -> str:
    tags = [t for t in ctx.article_tags if keywords(t) and keywords(t) <= ctx.context_keywords]
    if tags:
        return tags[0]
    shared = [w for w in keywords(ctx.article_title) if w in ctx.context_keywords]
    if shared:
        return " ".join(sorted(shared)[:2])
    # No word in common (e.g. the page and the article are in different languages): name no
    # topic rather than claim the page is about the article's first tag.
    return ""


def reason_text(feature: str, ctx: ReasonContext) -> str:
    """One sentence for one driving feature."""
    if feature == F.CONTEXT_SIM:
        where = PAGE_NOUNS.get(ctx.page_type or "other", PAGE_NOUNS["other"])
        topic = _topic(ctx)
        return f"Matches {where} about {topic}" if topic else f"Matches {where}"
    if feature == F.ROLE_SIM:
        return (
            f"Relevant to your role in {ctx.department}"
            if ctx.department
            else ("Relevant to your role")
        )
    if feature == F.PEER_ENGAGEMENT:
        who = f"{ctx.department} colleagues" if ctx.department else "colleagues in your role"
        return f"Popular with {who} this week"
    if feature == F.OWN_HISTORY:
        return "Similar to articles you shared or opened before"
    if feature == F.POPULARITY:
        return "Trending across the company"
    if feature == F.FRESHNESS:
        if ctx.age_days is not None and ctx.age_days < 1:
            return "Published today"
        return "New this week"
    if feature == F.CAMPAIGN:
        return (
            f"Part of the {ctx.campaign_name} campaign"
            if ctx.campaign_name
            else ("Part of a current campaign")
        )
    return "Recommended for you"


def reasons_for(
    contributions: NDArray[np.float64],
    baseline: NDArray[np.float64],
    ctx: ReasonContext,
    feature_names: Sequence[str] = F.FEATURE_NAMES,
    relevance: float | None = None,
) -> list[str]:
    if relevance is None:
        names = reason_features(contributions, baseline, feature_names)
    else:
        personal = [
            n for n in reason_features(contributions, baseline, feature_names) if n != F.CONTEXT_SIM
        ]
        names = ([F.CONTEXT_SIM] if relevance >= RELEVANT else []) + personal
        names = names[:MAX_REASONS]
    if not names:
        return ["Approved by your content team"]
    return [reason_text(name, ctx) for name in names]
