"""The demo's logged impressions are training data the ranker can learn every weight from."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from backend.demo import load_demo
from backend.services.model_data import load_logged
from recommender.features import FEATURE_NAMES
from recommender.ranker import EngagementRanker
from training.benchmarks import languages

NOW = dt.datetime(2025, 6, 2, 12, 0, tzinfo=dt.UTC)


def test_demo_impressions_carry_every_serving_feature_and_it_varies(app: Any) -> None:
    load_demo(seed=7, now=NOW)
    logged = load_logged()
    assert len(logged) > 1000
    std = logged.X.std(axis=0)
    assert (std > 0).all(), dict(zip(FEATURE_NAMES, std.round(4).tolist(), strict=True))
    context = logged.X[:, FEATURE_NAMES.index("context_sim")]
    assert 0.2 < float((context > 0).mean()) < 0.6, "about a third of requests carry page text"
    weights = EngagementRanker().fit(logged.X, logged.y).weights()
    for name in ("context_sim", "role_sim", "peer_engagement", "freshness"):
        assert weights[name] > 0.3, weights
    assert weights["teammates_24h"] < 0


def test_language_eval_known_answer() -> None:
    docs = np.eye(3, dtype=np.float32)
    q = np.array([[0.9, 0.1, 0.0], [0.0, 0.2, 0.9]], dtype=np.float32)
    s = languages.evaluate(q, ["a", "b"], docs, ["a", "a", "b"])
    assert s.mrr == pytest.approx((1.0 + 1.0) / 2)
    assert s.recall10 == pytest.approx(1.0)
    assert s.n == 2


def test_language_eval_corpus_is_parallel() -> None:
    en, da = languages.corpus("en"), languages.corpus("da")
    assert en.topics == da.topics and len(en.texts) == 11 * 9
    texts, topics = languages.queries("da", "paragraph")
    assert len(texts) == len(topics) > 11
    assert not any(t in doc for t in texts for doc in da.texts), "queries never in the corpus"
