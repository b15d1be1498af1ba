"""The served co-engagement model (``recommender.cf.fit_index``) on known-answer data."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.cf import PEER_TOP, fit_index


def test_co_engaged_articles_score_and_others_do_not() -> None:
    # Two groups of readers: {10, 11, 12} are read together, {20, 21} together.
    users, items = [], []
    for u in range(6):
        for a in (10, 11, 12):
            users.append(u)
            items.append(a)
    for u in range(6, 12):
        for a in (20, 21):
            users.append(u)
            items.append(a)
    index = fit_index(users, items, l2=1.0)
    scores = index.scores({10})
    assert set(scores) == {11, 12}, scores
    assert max(scores.values()) == pytest.approx(PEER_TOP)
    assert set(index.scores({20})) == {21}
    assert index.scores({999}) == {}  # an article nobody else engaged with


def test_the_index_keeps_the_most_engaged_articles() -> None:
    rng = np.random.default_rng(0)
    users = rng.integers(0, 50, size=400)
    items = np.where(np.arange(400) < 300, rng.integers(0, 5, size=400), rng.integers(5, 40, 400))
    index = fit_index(users, items, max_items=5)
    assert set(index.article_ids.tolist()) == {0, 1, 2, 3, 4}


def test_empty_and_mismatched_input() -> None:
    assert fit_index([], []).scores({1}) == {}
    with pytest.raises(ValueError, match="2 employee ids but 1 article ids"):
        fit_index([1, 2], [3])
