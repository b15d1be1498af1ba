"""The evaluation's numbers on known-answer logs: floors, intervals and verdicts."""

from __future__ import annotations

import numpy as np
import pytest

from backend.services import model_evaluation as me
from backend.services.model_data import Logged
from recommender.features import CONTEXT_SIM, FEATURE_NAMES

CTX = FEATURE_NAMES.index(CONTEXT_SIM)


def log(n_requests: int, seed: int = 0) -> Logged:
    """Five items per request; exactly one acted on, the one with the highest context match."""
    rng = np.random.default_rng(seed)
    n = n_requests * 5
    X = rng.random((n, len(FEATURE_NAMES)))
    y = np.zeros(n, dtype=np.int64)
    for r in range(n_requests):
        y[r * 5 + int(np.argmax(X[r * 5 : r * 5 + 5, CTX]))] = 1
    rids = np.repeat([f"r{r:05d}" for r in range(n_requests)], 5)
    ts = np.repeat(1.7e9 + 3600.0 * np.arange(n_requests), 5)
    return Logged(
        X, y, rids, ts, np.arange(n) % 7, np.full(n, "Sales"), np.tile(np.arange(5), n_requests)
    )


def test_random_floor_is_the_exact_expectation() -> None:
    ev = me.evaluate("v2", lambda X: X[:, CTX], log(50), None, {})
    floor = ev.model("random")
    assert floor is not None
    # One acted-on item among five: 3/5 in the top 3; MRR = mean of 1/1..1/5;
    # nDCG@5 = (1/5) Σ 1/log2(i + 2).
    assert floor.top3 == pytest.approx(0.6)
    assert floor.mrr == pytest.approx(np.mean([1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]))
    assert floor.ndcg5 == pytest.approx(np.mean([1 / np.log2(i + 2) for i in range(5)]))
    cand = ev.model("candidate")
    assert cand is not None and cand.top3 == 1.0 and cand.top3_ci == (1.0, 1.0)


def test_verdicts_from_the_paired_interval() -> None:
    test = log(300)
    ctx = lambda X: X[:, CTX]  # noqa: E731 - the perfect model here
    anti = lambda X: -X[:, CTX]  # noqa: E731 - the worst
    worse = me.evaluate("v2", anti, test, ("v1", ctx), {})
    assert worse.verdict == me.WORSE and worse.difference is not None
    assert worse.difference.ci[1] < 0 and worse.acted_on == 300
    assert worse.sentence.startswith("v2 is worse beyond noise: out of 100 suggestions")
    assert "v2 would have put 0 in the top 3 and the active v1 100" in worse.sentence
    better = me.evaluate("v2", ctx, test, ("v1", anti), {})
    assert better.verdict == me.BETTER
    same = me.evaluate("v2", ctx, test, ("v1", ctx), {})
    assert same.verdict == me.SAME and same.difference is not None
    assert same.difference.ci == (0.0, 0.0)
    few = me.evaluate("v2", anti, log(20), ("v1", ctx), {})
    assert few.verdict == me.TOO_FEW and not few.enough
    assert few.sentence.startswith("Too little new data to judge: only 20 suggestions")


def test_interval_is_around_the_micro_average() -> None:
    ev = me.evaluate("v2", lambda X: X[:, 0], log(200, seed=3), None, {})
    cand = ev.model("candidate")
    assert cand is not None
    assert cand.top3_ci[0] <= cand.top3 <= cand.top3_ci[1]
    assert cand.top3 == pytest.approx(cand.hits / ev.acted_on)


def test_empty_held_out_window() -> None:
    ev = me.evaluate("v2", lambda X: X[:, 0], log(0), ("v1", lambda X: X[:, 0]), {})
    assert ev.acted_on == 0 and ev.verdict == me.TOO_FEW and ev.difference is None
