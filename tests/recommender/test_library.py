"""Unit tests for the pure recommender library, with the deterministic HashingEncoder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from recommender import engine
from recommender import features as F
from recommender.artifacts import ArtifactStore
from recommender.captions import draft_caption, key_sentence
from recommender.diversity import mmr
from recommender.encoders import HashingEncoder, get_encoder, l2_normalise
from recommender.engine import (
    SPLIT_MIN_ROWS,
    Catalog,
    Request,
    catalog_product,
    catalog_scores,
    feature_matrix,
    profile_vector,
    recommend,
    set_product_threads,
)
from recommender.errors import ArtifactError, EncoderUnavailableError, NotFittedError
from recommender.metrics import (
    bootstrap_ci,
    coverage,
    evaluate_rankings,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)
from recommender.ranker import DEFAULT_WEIGHTS, EngagementRanker
from recommender.reasons import ReasonContext, reason_text, reasons_for
from recommender.splits import time_split, weekly_folds
from recommender.text import (
    ARTICLE_MAX_CHARS,
    CONTEXT_MAX_WORDS,
    article_text,
    content_hash,
    context_text,
)

ENC = HashingEncoder(dim=128)
NOW = 1_700_000_000.0
DAY = 86400.0

TITLES = [
    "Zero trust cloud security for hybrid teams",
    "Quarterly results beat expectations",
    "How our engineers cut Kubernetes costs",
    "Cloud security checklist for compliance audits",
    "Summer party photos",
]


def make_catalog(langs: list[str] | None = None) -> Catalog:
    n = len(TITLES)
    return Catalog(
        article_ids=np.arange(10, 10 + n, dtype=np.int64),
        embeddings=ENC.encode(TITLES),
        languages=np.array(langs or ["en"] * n),
        published_ts=np.full(n, NOW - DAY),
        campaign_priority=np.zeros(n, dtype=np.float32),
        encoder=ENC.name,
    )


# --- text and encoders ------------------------------------------------------------------------


def test_article_text_is_bounded_and_keeps_title_first() -> None:
    text = article_text("Title", "Summary.", "word " * 10_000)
    assert text.startswith("Title. Summary. word")
    assert len(text) <= ARTICLE_MAX_CHARS


def test_context_text_keeps_first_words_only() -> None:
    assert len(context_text("a " * 1000).split()) == CONTEXT_MAX_WORDS
    assert context_text(None) == ""
    assert context_text("   ") == ""


def test_content_hash_depends_on_encoder() -> None:
    assert content_hash("x", "a") != content_hash("x", "b")
    assert content_hash("x", "a") == content_hash("x", "a")


def test_hashing_encoder_rows_are_unit_norm_and_deterministic() -> None:
    a = ENC.encode(["cloud security", "party", ""])
    assert a.dtype == np.float32 and a.shape == (3, 128)
    np.testing.assert_allclose(np.linalg.norm(a[:2], axis=1), 1.0, rtol=1e-5)
    assert not a[2].any(), "an empty text embeds to the zero vector"
    np.testing.assert_array_equal(
        a, HashingEncoder(dim=128).encode(["cloud security", "party", ""])
    )


def test_hashing_encoder_similar_texts_are_closer() -> None:
    q = ENC.encode_one("cloud security for compliance")
    e = ENC.encode(TITLES)
    assert int(np.argmax(e @ q)) in (0, 3)


def test_encode_empty_list() -> None:
    assert ENC.encode([]).shape == (0, 128)


def test_l2_normalise_leaves_zero_rows() -> None:
    out = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_idle_cores_reads_the_kernels_count_of_running_tasks(tmp_path: Path) -> None:
    import os

    from recommender.encoders import idle_cores

    cores = len(os.sched_getaffinity(0))
    loadavg = tmp_path / "loadavg"
    loadavg.write_text("0.52 0.58 0.59 1/467 12345\n")  # only the caller runs
    assert idle_cores(str(loadavg)) == cores - 1
    loadavg.write_text(f"3.10 2.00 1.00 {cores + 5}/467 12345\n")  # more than the cores
    assert idle_cores(str(loadavg)) == 0
    loadavg.write_text("garbage\n")
    assert idle_cores(str(loadavg)) == 0
    assert idle_cores(str(tmp_path / "missing")) == 0
    assert 0 <= idle_cores() < cores  # the real file: this test itself is running


def test_get_encoder_unknown_name_message() -> None:
    with pytest.raises(EncoderUnavailableError, match="unknown encoder 'bert'; choose one of"):
        get_encoder("bert")
    assert get_encoder("hashing-64").dim == 64


def test_hashing_encoder_rejects_bad_dim() -> None:
    with pytest.raises(ValueError, match="dim must be positive, got 0"):
        HashingEncoder(dim=0)


# --- ranker contract (refit idempotent, save→load, known answer) -------------------------------


def synthetic(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, len(F.FEATURE_NAMES)))
    logit = 4 * X[:, 0] - 3 * X[:, 7] - 1.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def test_ranker_not_fitted_message() -> None:
    with pytest.raises(NotFittedError, match="this EngagementRanker is not fitted yet"):
        EngagementRanker().decision_function(np.zeros((1, len(F.FEATURE_NAMES))))


def test_ranker_falls_back_to_default_weights_without_data() -> None:
    ranker = EngagementRanker().fit(*synthetic(50))
    assert ranker.fallback_ is True
    assert ranker.weights() == DEFAULT_WEIGHTS


def test_ranker_learns_known_signs() -> None:
    ranker = EngagementRanker().fit(*synthetic())
    w = ranker.weights()
    assert ranker.fallback_ is False
    assert w["context_sim"] > 1.0
    assert w["teammates_24h"] < -1.0


def test_ranker_refit_is_idempotent_and_forgets() -> None:
    X, y = synthetic()
    ranker = EngagementRanker()
    first = ranker.fit(X, y).decision_function(X)
    ranker.fit(*synthetic(50, seed=3))
    assert ranker.fallback_ is True
    second = ranker.fit(X, y).decision_function(X)
    np.testing.assert_allclose(first, second)


def test_ranker_contributions_sum_to_score() -> None:
    X, y = synthetic()
    ranker = EngagementRanker().fit(X, y)
    np.testing.assert_allclose(
        ranker.contributions(X).sum(axis=1) + ranker.intercept_, ranker.decision_function(X)
    )


def test_ranker_rejects_wrong_shapes() -> None:
    with pytest.raises(ValueError, match=r"X must have shape \(n, 8\), got \(3, 2\)"):
        EngagementRanker().fit(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="X has 3 rows but y has 2"):
        EngagementRanker().fit(np.zeros((3, 8)), np.zeros(2))


def test_ranker_unknown_default_weight_name() -> None:
    with pytest.raises(ValueError, match=r"default_weights name unknown features: \['bogus'\]"):
        EngagementRanker.with_defaults(default_weights={"bogus": 1.0})


def test_ranker_get_params_roundtrip() -> None:
    ranker = EngagementRanker(prior_strength=0.5, min_samples=10)
    assert ranker.get_params()["prior_strength"] == 0.5
    assert not hasattr(ranker, "coef_"), "__init__ only stores parameters"


def test_ranker_constant_or_absent_feature_keeps_its_prior_weight() -> None:
    """The demo-data failure: features never varied in the logs must not drop to 0."""
    X, y = synthetic()
    X[:, 1] = 0.0  # role_sim never logged
    X[:, 4] = 0.37  # popularity constant
    w = EngagementRanker().fit(X, y).weights()
    assert w["role_sim"] == pytest.approx(DEFAULT_WEIGHTS["role_sim"], abs=1e-6)
    assert w["popularity"] == pytest.approx(DEFAULT_WEIGHTS["popularity"], abs=1e-3)


def test_ranker_strong_evidence_moves_a_weight_away_from_its_prior() -> None:
    rng = np.random.default_rng(1)
    X = rng.random((5000, len(F.FEATURE_NAMES)))
    logit = 8 * X[:, 5] - 4.0  # freshness matters far more than its prior 0.7
    y = (rng.random(5000) < 1 / (1 + np.exp(-logit))).astype(int)
    w = EngagementRanker().fit(X, y).weights()
    assert w["freshness"] > 6.0
    assert abs(w["campaign"]) < 0.5, "no evidence either way → pulled towards 0.6, not beyond"


def test_ranker_respects_known_signs() -> None:
    rng = np.random.default_rng(2)
    X = rng.random((3000, len(F.FEATURE_NAMES)))
    logit = -5 * X[:, 0] + 5 * X[:, 7] - 1.0  # evidence against the known signs
    y = (rng.random(3000) < 1 / (1 + np.exp(-logit))).astype(int)
    w = EngagementRanker().fit(X, y).weights()
    assert w["context_sim"] == pytest.approx(0.0, abs=1e-9)
    assert w["teammates_24h"] == pytest.approx(0.0, abs=1e-9)


def test_ranker_prior_must_agree_with_signs() -> None:
    ranker = EngagementRanker(default_weights={"context_sim": -1.0})
    with pytest.raises(ValueError, match=r"prior weight of context_sim is -1.0, but its sign"):
        ranker.fit(*synthetic())


def test_ranker_rejects_non_positive_prior_strength() -> None:
    with pytest.raises(ValueError, match="prior_strength must be positive, got 0"):
        EngagementRanker(prior_strength=0).fit(*synthetic())


# --- artifacts ---------------------------------------------------------------------------------


def saved_store(tmp_path: Path) -> tuple[ArtifactStore, EngagementRanker, np.ndarray]:
    store = ArtifactStore(tmp_path)
    X, y = synthetic()
    ranker = EngagementRanker().fit(X, y)
    emb = ENC.encode(TITLES)
    store.save(
        "v1",
        ranker=ranker,
        embeddings=emb,
        article_ids=np.arange(len(TITLES), dtype=np.int64),
        encoder_name=ENC.name,
        data_hash="abc",
        metrics={"recall@10": 0.5},
    )
    return store, ranker, X


def test_artifact_save_load_keeps_predictions(tmp_path: Path) -> None:
    store, ranker, X = saved_store(tmp_path)
    loaded = store.load("v1")
    np.testing.assert_allclose(loaded.ranker.decision_function(X), ranker.decision_function(X))
    assert loaded.encoder == ENC.name
    assert loaded.metrics == {"recall@10": 0.5}
    manifest = loaded.manifest
    for key in ("format_version", "libraries", "data_hash", "created_at", "files"):
        assert key in manifest
    assert store.list_versions() == ["v1"]


def test_artifact_tampered_ranker_is_refused_before_unpickling(tmp_path: Path) -> None:
    store, _, _ = saved_store(tmp_path)
    (tmp_path / "versions" / "v1" / "ranker.joblib").write_bytes(b"not a pickle")
    with pytest.raises(
        ArtifactError, match="model version 'v1': sha256 mismatch for ranker.joblib"
    ):
        store.load("v1")


def test_artifact_missing_file_and_format(tmp_path: Path) -> None:
    store, _, _ = saved_store(tmp_path)
    (tmp_path / "versions" / "v1" / "embeddings.npy").unlink()
    with pytest.raises(ArtifactError, match="model version 'v1': embeddings.npy is missing"):
        store.load("v1")
    manifest_path = tmp_path / "versions" / "v1" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="has format_version 99; this Herald reads 1"):
        store.load("v1")
    with pytest.raises(ArtifactError, match="model version 'nope': manifest.json not found"):
        store.load("nope")


def test_artifact_active_pointer(tmp_path: Path) -> None:
    store, _, _ = saved_store(tmp_path)
    assert store.active() is None and store.active_stamp() is None
    store.set_active("v1")
    assert store.active() == "v1"
    assert store.active_stamp() is not None
    with pytest.raises(ArtifactError, match="model version 'v2' does not exist"):
        store.set_active("v2")
    with pytest.raises(ArtifactError, match="invalid model version name '../x'"):
        store.load("../x")


def test_artifact_refuses_duplicate_version(tmp_path: Path) -> None:
    store, ranker, _ = saved_store(tmp_path)
    with pytest.raises(ArtifactError, match="model version 'v1' already exists"):
        store.save(
            "v1",
            ranker=ranker,
            embeddings=np.zeros((1, 2), dtype=np.float32),
            article_ids=np.zeros(1, dtype=np.int64),
            encoder_name="x",
            data_hash="",
        )


# --- engine ------------------------------------------------------------------------------------


def test_recommend_known_answer_follows_context() -> None:
    cat = make_catalog()
    req = Request(now_ts=NOW, context_vec=ENC.encode_one("cloud security compliance audits"))
    out = recommend(cat, req, EngagementRanker.with_defaults(), limit=2, diversity=0.0)
    assert out[0].article_id == 13
    assert {s.article_id for s in out} == {10, 13}


def test_recommend_filters_language_and_exclusions() -> None:
    cat = make_catalog(["en", "da", "en", "en", "en"])
    req = Request(now_ts=NOW, languages=["en"], exclude_ids=[10, 13])
    ids = {s.article_id for s in recommend(cat, req, EngagementRanker.with_defaults(), limit=10)}
    assert ids == {12, 14}


def test_recommend_anti_flood_pushes_down() -> None:
    cat = make_catalog()
    ranker = EngagementRanker.with_defaults()
    base = Request(now_ts=NOW, popularity={11: 40.0})
    assert recommend(cat, base, ranker, limit=1)[0].article_id == 11
    flooded = Request(now_ts=NOW, popularity={11: 40.0}, teammates_24h={11: 5.0})
    assert recommend(cat, flooded, ranker, limit=1)[0].article_id != 11


def test_recommend_empty_catalog_and_limit() -> None:
    ranker = EngagementRanker.with_defaults()
    assert recommend(Catalog.empty(8), Request(now_ts=NOW), ranker) == []
    assert len(recommend(make_catalog(), Request(now_ts=NOW), ranker, limit=3)) == 3


def test_profile_vector_weights_history() -> None:
    emb = ENC.encode(TITLES)
    vec = profile_vector(emb[[0, 4]], [3.0, -2.0])
    assert vec is not None
    assert float(emb[0] @ vec) > float(emb[4] @ vec)
    assert profile_vector(emb[:0], []) is None


def test_mmr_diversifies() -> None:
    emb = l2_normalise(np.array([[1.0, 0.0], [0.99, 0.01], [0.0, 1.0]], dtype=np.float32))
    scores = np.array([1.0, 0.95, 0.6])
    assert mmr(scores, emb, 2, lambda_=1.0) == [0, 1]
    assert mmr(scores, emb, 2, lambda_=0.5) == [0, 2]
    assert mmr(scores, emb, 0) == []


# --- reasons and captions ----------------------------------------------------------------------


def test_reasons_come_from_driving_features() -> None:
    cat = make_catalog()
    ctx_text = "cloud security compliance audits"
    req = Request(now_ts=NOW, context_vec=ENC.encode_one(ctx_text))
    top = recommend(cat, req, EngagementRanker.with_defaults(), limit=1)[0]
    ctx = ReasonContext(
        page_type="post",
        context_keywords=frozenset({"cloud", "security", "compliance", "audits"}),
        article_title=TITLES[3],
        article_tags=["cloud security"],
    )
    reasons = reasons_for(top.contributions, top.baseline, ctx)
    assert reasons[0].startswith("Matches the post you're reading about")


def test_context_reason_names_no_topic_without_shared_words() -> None:
    ctx = ReasonContext(
        page_type="post",
        context_keywords=frozenset({"regningen", "skyen"}),
        article_title="Customer day 2025: thank you",
        article_tags=["company"],
    )
    assert reason_text("context_sim", ctx) == "Matches the post you're reading"


def test_reasons_fallback_when_nothing_stands_out() -> None:
    zeros = np.zeros(len(F.FEATURE_NAMES))
    assert reasons_for(zeros, zeros, ReasonContext()) == ["Approved by your content team"]


def test_caption_prefers_team_caption_in_language() -> None:
    text = draft_caption(
        employee_id=1,
        article_id=2,
        title="T",
        summary="",
        language="da",
        team_captions=[("en", "English caption"), ("da", "Dansk tekst")],
    )
    assert text == "Dansk tekst"


def test_caption_drafts_vary_across_colleagues() -> None:
    drafts = {
        draft_caption(
            employee_id=i,
            article_id=7,
            title="Cloud security",
            summary="We cut incident response time by half with zero trust. More inside.",
            language="en",
            department="Sales",
        )
        for i in range(20)
    }
    assert len(drafts) > 1
    assert all("We cut incident response time by half with zero trust." in d for d in drafts)


def test_key_sentence_falls_back_to_title() -> None:
    assert key_sentence("The title", "Short.") == "The title"


# --- metrics and splits ------------------------------------------------------------------------


def test_metrics_known_values() -> None:
    ranked = ["a", "b", "c", "d"]
    assert recall_at_k(ranked, {"b", "z"}, 2) == 0.5
    assert reciprocal_rank(ranked, {"c"}) == pytest.approx(1 / 3)
    assert ndcg_at_k(ranked, {"a"}, 3) == 1.0
    assert ndcg_at_k(ranked, {"b"}, 3) == pytest.approx(1 / np.log2(3))
    assert coverage([["a", "b"], ["b", "c"]], 10, 2) == 0.3
    out = evaluate_rankings([ranked], [{"a"}], k=2, catalog_size=4)
    assert out == {"recall@2": 1.0, "ndcg@2": 1.0, "mrr": 1.0, "users": 1.0, "coverage@2": 0.5}


def test_bootstrap_ci_brackets_mean() -> None:
    values = np.random.default_rng(0).random(500)
    lo, hi = bootstrap_ci(values)
    assert lo < values.mean() < hi


def test_time_split_and_weekly_folds() -> None:
    ts = np.arange(100, dtype=np.float64) * DAY
    train, test, cutoff = time_split(ts, 0.2)
    assert ts[train].max() < cutoff <= ts[test].min()
    folds = list(weekly_folds(ts, first_test_start=70 * DAY))
    assert folds[0].test.sum() == 7 and folds[0].train.sum() == 70
    assert not (folds[0].train & folds[0].test).any()
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\), got 1.5"):
        time_split(ts, 1.5)


def test_catalog_scores_equal_the_ranker_on_the_full_feature_matrix() -> None:
    rng = np.random.default_rng(5)
    n = 300
    emb = l2_normalise(rng.standard_normal((n, 16)))
    cat = Catalog(
        article_ids=np.arange(100, 100 + n, dtype=np.int64),
        embeddings=emb,
        languages=np.array(["en", "da"] * (n // 2), dtype="<U2"),
        published_ts=NOW - rng.random(n) * 30 * 86400,
        campaign_priority=(rng.random(n) < 0.1).astype(np.float32),
    )
    probe = l2_normalise(rng.standard_normal((3, 16)))
    req = Request(
        now_ts=NOW,
        context_vec=probe[0],
        role_vec=probe[1],
        profile_vec=probe[2],
        peer_engagement={101: 3.0, 150: 1.0},
        popularity={102: 20.0, 999_999: 4.0},
        teammates_24h={101: 2.0},
    )
    X, y = synthetic()
    for ranker in (EngagementRanker.with_defaults(), EngagementRanker().fit(X, y)):
        np.testing.assert_allclose(
            catalog_scores(cat, req, ranker),
            ranker.decision_function(feature_matrix(cat, req)),
            rtol=1e-5,
            atol=1e-5,
        )
        some = np.flatnonzero(rng.random(n) < 0.3)  # ascending, as served_scores passes them
        np.testing.assert_allclose(
            catalog_scores(cat, req, ranker, with_context=False, rows=some),
            catalog_scores(cat, req, ranker, with_context=False)[some],
            rtol=1e-6,
            atol=1e-6,
        )
    rows = np.array([5, 1, 7])
    np.testing.assert_allclose(feature_matrix(cat, req, rows), feature_matrix(cat, req)[rows])


class _CountingPool:
    """engine._pool's executor, counting the halves handed to the second thread."""

    def __init__(self) -> None:
        self.inner = ThreadPoolExecutor(1)
        self.submitted = 0

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        self.submitted += 1
        return self.inner.submit(*args, **kwargs)


@pytest.fixture
def split_product(monkeypatch: pytest.MonkeyPatch) -> Iterator[_CountingPool]:
    """The catalog product allowed two threads, a core reported idle, BLAS on one thread (as in
    a serving worker); the process-wide setting restored afterwards."""
    from threadpoolctl import threadpool_limits

    pool = _CountingPool()
    monkeypatch.setattr(engine, "_pool", lambda: pool)
    monkeypatch.setattr(engine, "idle_cores", lambda: 1)
    before = engine._product_threads
    set_product_threads(2)
    try:
        with threadpool_limits(1, user_api="blas"):
            yield pool
    finally:
        set_product_threads(before)
        pool.inner.shutdown()


def test_a_split_catalog_product_is_exactly_the_whole_product(
    split_product: _CountingPool,
) -> None:
    # Bit-identical, not close: a split must never change a score or a tie's order. A split at
    # half the rows, not at a multiple of the BLAS row blocking, differs in the last bits.
    rng = np.random.default_rng(8)
    sizes = [SPLIT_MIN_ROWS, SPLIT_MIN_ROWS + 1, SPLIT_MIN_ROWS + 63, 10_000, 12_345, 30_001]
    for n in sizes:
        emb = rng.standard_normal((n, 384)).astype(np.float32)
        vec = rng.standard_normal(384).astype(np.float32)
        assert np.array_equal(catalog_product(emb, vec), emb @ vec), n
    assert split_product.submitted == len(sizes)  # every one of them was split
    small = rng.standard_normal((SPLIT_MIN_ROWS - 1, 384)).astype(np.float32)
    assert np.array_equal(catalog_product(small, vec), small @ vec)
    assert split_product.submitted == len(sizes)  # a short catalog is not


def test_the_catalog_product_runs_whole_while_no_core_is_idle(
    split_product: _CountingPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(9)
    emb = rng.standard_normal((10_000, 64)).astype(np.float32)
    vec = rng.standard_normal(64).astype(np.float32)
    monkeypatch.setattr(engine, "idle_cores", lambda: 0)
    assert np.array_equal(catalog_product(emb, vec), emb @ vec)
    set_product_threads(1)
    monkeypatch.setattr(engine, "idle_cores", lambda: 1)
    assert np.array_equal(catalog_product(emb, vec), emb @ vec)
    assert split_product.submitted == 0


def test_recommendations_are_the_same_with_a_split_catalog_product(
    split_product: _CountingPool,
) -> None:
    rng = np.random.default_rng(10)
    n = 9_000
    cat = Catalog(
        article_ids=np.arange(1, n + 1, dtype=np.int64),
        embeddings=l2_normalise(rng.standard_normal((n, 64))).astype(np.float32),
        languages=np.array(["en"] * n, dtype="<U2"),
        published_ts=NOW - rng.random(n) * 30 * DAY,
        campaign_priority=(rng.random(n) < 0.1).astype(np.float32),
    )
    probe = l2_normalise(rng.standard_normal((3, 64))).astype(np.float32)
    ranker = EngagementRanker.with_defaults()
    for context in (probe[0], None):
        req = Request(
            now_ts=NOW,
            context_vec=context,
            role_vec=probe[1],
            profile_vec=probe[2],
            languages=["en"],
        )
        split = recommend(cat, req, ranker, limit=10)
        set_product_threads(1)
        whole = recommend(cat, req, ranker, limit=10)
        set_product_threads(2)
        assert [(s.article_id, s.score, s.relevance) for s in split] == [
            (s.article_id, s.score, s.relevance) for s in whole
        ]
    assert split_product.submitted == 2  # both lists' split product really ran split


def test_recommend_skips_expired_articles() -> None:
    cat = make_catalog()
    cat.expires_ts = np.array([np.inf, NOW - 1, np.inf, np.inf, np.inf])
    ids = {
        s.article_id
        for s in recommend(cat, Request(now_ts=NOW), EngagementRanker.with_defaults(), limit=10)
    }
    assert 11 not in ids and len(ids) == 4


def test_rows_of_maps_article_ids_to_rows_and_drops_unknown_ones() -> None:
    ids = np.array([40, 7, 19, 3], dtype=np.int64)
    cat = Catalog(
        article_ids=ids,
        embeddings=l2_normalise(np.eye(4, dtype=np.float32)),
        languages=np.array(["en"] * 4, dtype="<U2"),
        published_ts=np.full(4, NOW),
        campaign_priority=np.zeros(4, dtype=np.float32),
    )
    mapping = {19: 2.5, 1: 9.0, 40: 1.0, 50: 3.0, 3: 0.5}
    rows, values = cat.rows_of(mapping)
    assert dict(zip(rows.tolist(), values.tolist(), strict=True)) == cat.by_row(mapping)
    assert cat.by_row(mapping) == {2: 2.5, 0: 1.0, 3: 0.5}
    empty_rows, empty_values = cat.rows_of({})
    assert empty_rows.size == 0 and empty_values.size == 0


def test_rows_of_keeps_large_mappings_by_identity_not_by_content() -> None:
    n = 2000
    rng = np.random.default_rng(3)
    cat = Catalog(
        article_ids=rng.permutation(n).astype(np.int64) + 1,
        embeddings=l2_normalise(rng.standard_normal((n, 8)).astype(np.float32)),
        languages=np.array(["en"] * n, dtype="<U2"),
        published_ts=np.full(n, NOW),
        campaign_priority=np.zeros(n, dtype=np.float32),
    )
    signals = [
        {int(i): float(v) for i, v in zip(rng.choice(n, 500) + 1, rng.random(500), strict=True)}
    ]
    signals += [{k: v * (j + 2) for k, v in signals[0].items()} for j in range(5)]  # same keys
    for _ in range(2):  # the second pass reads what the first one kept (or looks up anew)
        for mapping in signals:
            rows, values = cat.rows_of(mapping)
            assert dict(zip(rows.tolist(), values.tolist(), strict=True)) == cat.by_row(mapping)
    first = signals[-1]
    assert cat.rows_of(first)[0] is cat.rows_of(first)[0]  # kept, not looked up again
