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


# Every reason is a key and its values; ``ENGLISH`` holds the English templates. The API renders
# the same keys through its gettext catalogues (``reason.<key>``, ``reason.page.<page type>``), so
# the panel gets them in the employee's UI language; this module stays free of any i18n library.
ENGLISH = {
    "context_topic": "Matches {where} about {topic}",
    "context": "Matches {where}",
    "role_department": "Relevant to your role in {department}",
    "role": "Relevant to your role",
    "peers_department": "Popular with {department} colleagues this week",
    "peers": "Popular with colleagues in your role this week",
    "own_history": "Similar to articles you shared or opened before",
    "popularity": "Trending across the company",
    "fresh_today": "Published today",
    "fresh_week": "New this week",
    "campaign_named": "Part of the {campaign} campaign",
    "campaign": "Part of a current campaign",
    "recommended": "Recommended for you",
    "approved": "Approved by your content team",
}

Reason = tuple[str, dict[str, str]]


def reason_key(feature: str, ctx: ReasonContext) -> Reason:
    """The reason for one driving feature as (key, values); ``page`` values are page types."""
    if feature == F.CONTEXT_SIM:
        page = ctx.page_type if ctx.page_type in PAGE_NOUNS else "other"
        topic = _topic(ctx)
        return (
            ("context_topic", {"page": page, "topic": topic})
            if topic
            else ("context", {"page": page})
        )
    if feature == F.ROLE_SIM:
        return (
            ("role_department", {"department": ctx.department}) if ctx.department else ("role", {})
        )
    if feature == F.PEER_ENGAGEMENT:
        return (
            ("peers_department", {"department": ctx.department})
            if ctx.department
            else ("peers", {})
        )
    if feature == F.OWN_HISTORY:
        return ("own_history", {})
    if feature == F.POPULARITY:
        return ("popularity", {})
    if feature == F.FRESHNESS:
        today = ctx.age_days is not None and ctx.age_days < 1
        return ("fresh_today", {}) if today else ("fresh_week", {})
    if feature == F.CAMPAIGN:
        if ctx.campaign_name:
            return ("campaign_named", {"campaign": ctx.campaign_name})
        return ("campaign", {})
    return ("recommended", {})


def english(reason: Reason) -> str:
    key, values = reason
    filled = dict(values)
    if "page" in filled:
        filled["where"] = PAGE_NOUNS[filled.pop("page")]
    return ENGLISH[key].format(**filled)


def reason_text(feature: str, ctx: ReasonContext) -> str:
    """One sentence for one driving feature (English)."""
    return english(reason_key(feature, ctx))


def reason_keys_for(
    contributions: NDArray[np.float64],
    baseline: NDArray[np.float64],
    ctx: ReasonContext,
    feature_names: Sequence[str] = F.FEATURE_NAMES,
    relevance: float | None = None,
) -> list[Reason]:
    """The reasons for one item as (key, values), strongest first (see the module docstring)."""
    if relevance is None:
        names = reason_features(contributions, baseline, feature_names)
    else:
        personal = [
            n for n in reason_features(contributions, baseline, feature_names) if n != F.CONTEXT_SIM
        ]
        names = ([F.CONTEXT_SIM] if relevance >= RELEVANT else []) + personal
        names = names[:MAX_REASONS]
    if not names:
        return [("approved", {})]
    return [reason_key(name, ctx) for name in names]


def reasons_for(
    contributions: NDArray[np.float64],
    baseline: NDArray[np.float64],
    ctx: ReasonContext,
    feature_names: Sequence[str] = F.FEATURE_NAMES,
    relevance: float | None = None,
) -> list[str]:
    """The reasons for one item in English."""
    keys = reason_keys_for(contributions, baseline, ctx, feature_names, relevance)
    return [english(r) for r in keys]
