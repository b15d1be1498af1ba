"""Context relevance: BM25 index, fusion, the relevance band, language detection."""

from __future__ import annotations

import numpy as np
import pytest

from recommender import relevance as relevance_module
from recommender.diversity import diversify
from recommender.encoders import HashingEncoder
from recommender.engine import RELEVANCE_BAND, Catalog, Request, recommend, served_scores
from recommender.errors import RecommenderError
from recommender.language import detect
from recommender.lexical import LexicalIndex, query_terms, stems
from recommender.ranker import EngagementRanker
from recommender.relevance import (
    DENSE_WEIGHT,
    DENSE_WEIGHT_FOREIGN,
    DENSE_WEIGHT_MULTILINGUAL,
    DENSE_WEIGHT_UNKNOWN,
    dense_weight_for,
    dense_weight_for_page,
    fuse,
    normalise_dense,
)

NOW = 1_750_000_000.0
DAY = 86400.0
ENC = HashingEncoder(256)

# Twelve articles on clearly different subjects, and a post about each subject that shares some
# (stemmed) words with its article but is worded differently.
TOPICS = [
    ("Rolling out zero trust: identity checks for every device", "zero trust rollout identity"),
    ("Six questions before you start a NIS2 compliance programme", "NIS2 compliance directive"),
    ("How we cut our cloud bill with FinOps dashboards", "FinOps cloud bill savings"),
    ("Hiring graduate developers in a tight labour market", "graduate developers hiring"),
    ("Quarterly results: revenue grew in the Nordics", "quarterly revenue results Nordics"),
    ("Migrating a data warehouse to a lakehouse", "lakehouse warehouse migration"),
    ("Kubernetes upgrades without downtime", "Kubernetes upgrade downtime"),
    ("Generative AI for customer service agents", "generative AI customer service"),
    ("Sustainability reporting under CSRD", "CSRD sustainability reporting"),
    ("Incident response drills for ransomware", "ransomware incident drills"),
    ("Summer party photos from the Aarhus office", "summer party Aarhus photos"),
    ("Mentoring programme for new team leads", "mentoring team leads programme"),
]
POSTS = [
    "We are rolling out zero trust next quarter - how do you handle identity for every device?",
    "Our board asked whether the NIS2 directive applies to us. Where does compliance start?",
    "The cloud bill doubled again. Anyone using FinOps to find savings?",
    "Hiring developers is hard: should we take graduate developers and train them?",
    "Strong quarterly results in the Nordics this year, revenue up across the region",
    "Thinking of a lakehouse instead of our old data warehouse. Migration stories?",
    "Each Kubernetes upgrade costs us a weekend of downtime. How do you do it?",
    "Generative AI in customer service: do agents actually like it?",
    "CSRD means sustainability reporting for us from next year. Where to begin?",
    "We ran our first ransomware incident drill today. Lessons learned below.",
    "Great summer party at the Aarhus office, photos in the comments!",
    "Starting a mentoring programme for new team leads. What worked for you?",
]


def topic_catalog(**overrides: object) -> Catalog:
    texts = [title for title, _ in TOPICS]
    n = len(texts)
    fields: dict[str, object] = {
        "article_ids": np.arange(1, n + 1, dtype=np.int64),
        "embeddings": ENC.encode(texts),
        "languages": np.array(["en"] * n),
        "published_ts": np.full(n, NOW - 30 * DAY),
        "campaign_priority": np.zeros(n, dtype=np.float32),
        "encoder": ENC.name,
        "lexical": LexicalIndex().fit(texts, ["en"] * n),
    }
    fields.update(overrides)
    return Catalog(**fields)  # type: ignore[arg-type]


def context_request(text: str, **kw: object) -> Request:
    return Request(
        now_ts=NOW,
        context_vec=ENC.encode_one(text),
        context_terms=query_terms(text, {"en"}),
        **kw,  # type: ignore[arg-type]
    )


# --- lexical index ------------------------------------------------------------------------------


def test_stems_drop_stop_words_and_stem_per_language() -> None:
    assert stems("The developers are hiring", "en") == ["develop", "hire"]
    assert stems("Udviklerne ansætter nye medarbejdere", "da") == [
        "udvikl",
        "ansæt",
        "nye",
        "medarbejd",
    ]


def test_bm25_ranks_the_matching_document_first() -> None:
    docs = ["zero trust identity rollout", "quarterly revenue results", "summer party photos"]
    index = LexicalIndex().fit(docs, ["en"] * 3)
    scores = index.scores(query_terms("rolling out zero trust", {"en"}))
    assert int(np.argmax(scores)) == 0 and scores[1] == scores[2] == 0.0
    assert not index.scores(["unknownword"]).any()


def test_bm25_matches_danish_inflections() -> None:
    docs = ["Sådan rullede vi zero trust ud i virksomheden", "Kvartalsregnskabet viser vækst"]
    index = LexicalIndex().fit(docs, ["da", "da"])
    scores = index.scores(query_terms("Virksomhedens vækst i regnskabet", {"da", "en"}))
    assert scores[1] > scores[0]


def test_unfitted_index_says_so() -> None:
    with pytest.raises(RecommenderError, match="not fitted yet"):
        LexicalIndex().scores(["x"])


# --- fusion ---------------------------------------------------------------------------------------


def test_fusion_is_in_unit_interval_and_uses_what_is_there() -> None:
    dense = np.array([0.9, 0.8, 0.7, 0.2])
    lex = np.array([0.0, 5.0, 1.0, 0.0])
    for method in ("convex", "rrf"):
        rel = fuse(dense, lex, method)  # type: ignore[arg-type]
        assert rel.min() >= 0.0 and rel.max() <= 1.0
    # Only one signal with anything to say: relevance is that signal alone.
    np.testing.assert_allclose(fuse(dense, np.zeros(4)), normalise_dense(dense))
    np.testing.assert_allclose(fuse(None, lex), lex / 5.0)
    assert not fuse(None, None).size


# --- retrieval through the engine ---------------------------------------------------------------


def top1_hits(catalog: Catalog) -> int:
    ranker = EngagementRanker.with_defaults()
    hits = 0
    for want, post in enumerate(POSTS, start=1):
        out = recommend(catalog, context_request(post), ranker, limit=3)
        hits += out[0].article_id == want
    return hits


def test_each_post_gets_its_own_article_first() -> None:
    # A random order puts the right article first for 1 post in 12 on average; P(>= 11 of 12)
    # is below 1e-11.
    assert top1_hits(topic_catalog()) >= 11


def test_bm25_alone_finds_the_article_without_any_embedding() -> None:
    # Articles not embedded yet (zero vectors), or a fallback model without an encoder: the
    # lexical index still matches the page.
    zero = np.zeros((len(TOPICS), ENC.dim), dtype=np.float32)
    assert top1_hits(topic_catalog(embeddings=zero)) >= 11


# --- the relevance band -------------------------------------------------------------------------


def promoted_everything(catalog: Catalog, row: int) -> None:
    catalog.campaign_priority[row] = 1.0
    catalog.published_ts[row] = NOW


def test_promotion_cannot_lift_a_clearly_worse_match() -> None:
    catalog = topic_catalog()
    nis2 = 2  # article id of the NIS2 article
    promoted_everything(catalog, nis2 - 1)
    req = context_request(
        POSTS[0],
        popularity={nis2: 500.0},
        peer_engagement={nis2: 50.0},
        role_vec=catalog.embeddings[nis2 - 1],
        profile_vec=catalog.embeddings[nis2 - 1],
    )
    ranker = EngagementRanker.with_defaults()
    out = recommend(catalog, req, ranker, limit=len(TOPICS))
    assert out[0].article_id == 1, [(s.article_id, s.relevance) for s in out]
    scores = [s.score for s in out]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= v <= 1.0 for v in scores)
    # The band, for every pair in the list: nothing is above an article more relevant by > band.
    rel = [s.relevance for s in out]
    assert all(r is not None for r in rel)
    for i, above in enumerate(rel):
        for below in rel[i + 1 :]:
            assert below <= above + RELEVANCE_BAND + 1e-9  # type: ignore[operator]


def test_promotion_reorders_within_the_band() -> None:
    # Two articles that match the page equally well (same text): the campaign decides.
    texts = [TOPICS[0][0], TOPICS[0][0], TOPICS[3][0]]
    catalog = Catalog(
        article_ids=np.array([1, 2, 3], dtype=np.int64),
        embeddings=ENC.encode(texts),
        languages=np.array(["en"] * 3),
        published_ts=np.full(3, NOW - 30 * DAY),
        campaign_priority=np.array([0.0, 1.0, 1.0], dtype=np.float32),
        lexical=LexicalIndex().fit(texts, ["en"] * 3),
    )
    out = recommend(catalog, context_request(POSTS[0]), EngagementRanker.with_defaults(), limit=3)
    assert [s.article_id for s in out] == [2, 1, 3]
    assert out[0].relevance == out[1].relevance


def test_band_holds_for_random_signals() -> None:
    rng = np.random.default_rng(0)
    ranker = EngagementRanker.with_defaults()
    for trial in range(20):
        catalog = topic_catalog(
            campaign_priority=rng.random(len(TOPICS)).astype(np.float32),
            published_ts=NOW - rng.random(len(TOPICS)) * 30 * DAY,
        )
        ids = range(1, len(TOPICS) + 1)
        req = context_request(
            POSTS[trial % len(POSTS)],
            popularity={i: float(rng.integers(0, 200)) for i in ids},
            peer_engagement={i: float(rng.integers(0, 20)) for i in ids},
        )
        out = recommend(catalog, req, ranker, limit=len(TOPICS))
        for i, a in enumerate(out):
            for b in out[i + 1 :]:
                assert b.relevance <= a.relevance + RELEVANCE_BAND + 1e-9  # type: ignore[operator]
            assert 0.0 <= a.score <= 1.0
        assert [s.score for s in out] == sorted((s.score for s in out), reverse=True)


def test_only_rows_that_cannot_reach_the_pool_are_left_unscored() -> None:
    """served_scores skips the personal part of rows more than the band below the pool's
    relevance; the pool it returns is the one scoring every row gives, in the same order.
    Strong promotion (campaigns, popularity, peers) pulls rows from inside the band into the
    pool, so a cut tighter than the band would change it."""
    rng = np.random.default_rng(7)
    ranker = EngagementRanker.with_defaults(
        default_weights={
            "campaign": 4.0,
            "popularity": 3.0,
            "peer_engagement": 3.0,
            "freshness": 2.0,
        }
    )
    words = sorted({w for title, _ in TOPICS for w in title.lower().split()})
    pruned_somewhere = promoted_somewhere = False
    for trial in range(30):
        n, pool = 400, 20
        texts = [" ".join(rng.choice(words, 8)) for _ in range(n)]
        ids = np.arange(1, n + 1, dtype=np.int64)
        catalog = Catalog(
            article_ids=ids,
            embeddings=ENC.encode(texts),
            languages=np.array(["en"] * n),
            published_ts=NOW - rng.random(n) * 60 * DAY,
            campaign_priority=(rng.random(n) < 0.2).astype(np.float32),
            lexical=LexicalIndex().fit(texts, ["en"] * n),
        )
        req = context_request(
            POSTS[trial % len(POSTS)],
            popularity={int(i): float(rng.integers(0, 300)) for i in rng.choice(ids, 80)},
            peer_engagement={int(i): float(rng.integers(0, 30)) for i in rng.choice(ids, 80)},
        )
        rows = np.flatnonzero(rng.random(n) < 0.9)  # some rows filtered out, as by language
        all_rows, all_scores, all_rel = served_scores(catalog, req, ranker, rows)
        kept, scores, rel = served_scores(catalog, req, ranker, rows, pool)
        assert rel is not None and all_rel is not None
        full_top = all_rows[np.argsort(-all_scores, kind="stable")[:pool]]
        kept_top = kept[np.argsort(-scores, kind="stable")[:pool]]
        assert kept_top.tolist() == full_top.tolist()
        np.testing.assert_allclose(scores, all_scores[np.searchsorted(all_rows, kept)])
        pruned_somewhere |= kept.size < rows.size
        by_relevance = all_rows[np.argsort(-all_rel, kind="stable")[:pool]]
        promoted_somewhere |= set(full_top.tolist()) != set(by_relevance.tolist())
    assert pruned_somewhere and promoted_somewhere


def test_without_context_personal_signals_lead_and_relevance_is_none() -> None:
    catalog = topic_catalog()
    req = Request(now_ts=NOW, popularity={5: 300.0})
    out = recommend(catalog, req, EngagementRanker.with_defaults(), limit=3)
    assert out[0].article_id == 5
    assert all(s.relevance is None for s in out)
    scores = [s.score for s in out]
    assert scores == sorted(scores, reverse=True) and all(0 <= v <= 1 for v in scores)


def test_diversify_values_never_increase() -> None:
    rng = np.random.default_rng(1)
    emb = rng.standard_normal((30, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    scores = np.sort(rng.random(30))[::-1]
    picked, values = diversify(scores, emb, 10, weight=0.5)
    assert len(set(picked)) == 10
    assert values == sorted(values, reverse=True)
    assert all(0.0 <= v <= 1.0 for v in values)
    # A near-duplicate of the first pick drops below a less similar item.
    dup = np.array([[1, 0], [1, 0], [0, 1]], dtype=np.float32)
    assert diversify(np.array([1.0, 0.95, 0.9]), dup, 3, weight=0.5)[0] == [0, 2, 1]


# --- language --------------------------------------------------------------------------------


def test_language_detection() -> None:
    assert detect("Vi ruller zero trust ud i hele virksomheden i år") == "da"
    assert detect("We are rolling out zero trust across the company this year") == "en"
    assert detect("NIS2") is None
    assert detect(None) is None


def test_dense_weight_follows_what_the_encoder_understands() -> None:
    english = frozenset({"en"})
    assert dense_weight_for("en", english) == DENSE_WEIGHT
    assert dense_weight_for("da", english) == DENSE_WEIGHT_FOREIGN < DENSE_WEIGHT
    assert dense_weight_for(None, english) == DENSE_WEIGHT_UNKNOWN
    assert dense_weight_for("da", None) == DENSE_WEIGHT_MULTILINGUAL  # the multilingual default
    assert dense_weight_for(None, None) == DENSE_WEIGHT_MULTILINGUAL


def test_dense_weight_for_a_page_detects_its_language_only_where_it_matters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    english = frozenset({"en"})
    danish_page = "Vi ruller zero trust ud i hele virksomheden i år"
    assert dense_weight_for_page(danish_page, english) == DENSE_WEIGHT_FOREIGN
    assert dense_weight_for_page("We roll zero trust out across the company", english) == (
        DENSE_WEIGHT
    )
    assert dense_weight_for_page("", english) == DENSE_WEIGHT_UNKNOWN

    def no_detection(text: str | None) -> str | None:
        raise AssertionError("a multilingual encoder's weight does not depend on the language")

    monkeypatch.setattr(relevance_module, "detect", no_detection)
    assert dense_weight_for_page(danish_page, None) == DENSE_WEIGHT_MULTILINGUAL
    assert dense_weight_for_page(None, None) == DENSE_WEIGHT_MULTILINGUAL


def test_reasons_name_what_moved_the_item() -> None:
    from recommender import features as F
    from recommender.reasons import ReasonContext, reasons_for

    names = list(F.FEATURE_NAMES)
    baseline = np.zeros(len(names))
    baseline[names.index(F.ROLE_SIM)] = 0.8  # every shortlisted article matches the role
    item = baseline.copy()
    item[names.index(F.CAMPAIGN)] = 0.6
    ctx = ReasonContext(page_type="post", campaign_name="Autumn")
    # Relevant to the page, lifted by the campaign; the shared role match moved nothing.
    assert reasons_for(item, baseline, ctx, relevance=0.9) == [
        "Matches the post you're reading",
        "Part of the Autumn campaign",
    ]
    # A weak match is not called a match.
    assert reasons_for(item, baseline, ctx, relevance=0.2) == ["Part of the Autumn campaign"]
