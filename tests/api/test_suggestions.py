"""POST /api/v1/suggestions and GET /api/v1/models (HashingEncoder via the test config)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from flask import Flask

from backend.extensions import db
from backend.models import (
    Article,
    ArticleCaption,
    ArticleEmbedding,
    Campaign,
    SuggestionImpression,
    utcnow,
)
from backend.services import cache_sync
from backend.services import recommender_runtime as rt_mod
from backend.services import suggestions as svc
from recommender.artifacts import ArtifactStore
from recommender.encoders import get_encoder
from recommender.ranker import EngagementRanker

URL = "/api/v1/suggestions"


@pytest.fixture(autouse=True)
def no_check_intervals(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check the active pointer and the catalog on every request (tests are faster than 1 s)."""
    monkeypatch.setattr(rt_mod, "MODEL_CHECK_INTERVAL_S", 0.0)
    monkeypatch.setattr(rt_mod, "CATALOG_CHECK_INTERVAL_S", 0.0)


@pytest.fixture
def make_article(app: Flask) -> Callable[..., Article]:
    def _make(title: str, **kw: Any) -> Article:
        now = utcnow()
        defaults: dict[str, Any] = {
            "canonical_url": f"https://example.com/{secrets.token_hex(4)}",
            "title": title,
            "summary": kw.pop("summary", f"{title}. More details inside for readers."),
            "language": "en",
            "status": "approved",
            "approved_at": now,
            "published_at": now - dt.timedelta(hours=2),
            "tags": [],
        }
        defaults.update(kw)
        article = Article(**defaults)
        db.session.add(article)
        db.session.commit()
        return article

    return _make


@pytest.fixture
def catalog(make_article: Callable[..., Article]) -> list[Article]:
    return [
        make_article("Zero trust cloud security for hybrid teams", tags=["cloud security"]),
        make_article("Quarterly results beat expectations", tags=["finance"]),
        make_article("How our engineers cut Kubernetes costs", tags=["kubernetes"]),
        make_article("Summer party photos from the Aarhus office", tags=["culture"]),
    ]


def post(client: Any, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.post(URL, json=body, headers=headers)


def test_requires_token(client: Any) -> None:
    resp = client.post(URL, json={})
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "unauthorized"


def test_empty_catalog_gives_empty_list_with_reason(
    client: Any, employee_headers: dict[str, str]
) -> None:
    resp = post(client, employee_headers, {"limit": 5})
    assert resp.status_code == 200, resp.json
    assert resp.json["items"] == []
    assert resp.json["reason"] == "There are no approved articles yet."
    assert resp.json["model_version"] == "default"
    assert resp.json["degraded"] is False


def test_context_drives_the_top_item_and_its_reason(
    client: Any, employee_headers: dict[str, str], catalog: list[Article]
) -> None:
    text = "Our CISO on zero trust and cloud security for hybrid teams at scale"
    resp = post(
        client,
        employee_headers,
        {
            "context": {"url": "https://www.linkedin.com/feed/", "page_type": "post", "text": text},
            "limit": 3,
        },
    )
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert len(body["items"]) == 3
    top = body["items"][0]
    assert top["article_id"] == catalog[0].id
    assert top["reasons"][0] == "Matches the post you're reading about cloud security"
    assert set(top) == {
        "article_id",
        "url",
        "title",
        "summary",
        "image_url",
        "language",
        "score",
        "relevance",
        "reasons",
        "caption",
    }
    scores = [item["score"] for item in body["items"]]
    assert all(0.0 <= v <= 1.0 for v in scores)
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= item["relevance"] <= 1.0 for item in body["items"])
    assert top["relevance"] == max(item["relevance"] for item in body["items"])
    assert top["caption"]
    assert len(body["request_id"]) == 36


def test_impressions_are_logged_without_the_context_text(
    client: Any, employee_headers: dict[str, str], catalog: list[Article]
) -> None:
    secret = "confidential-merger-talk"
    resp = post(
        client, employee_headers, {"context": {"page_type": "feed", "text": secret}, "limit": 2}
    )
    rows = db.session.scalars(
        sa.select(SuggestionImpression).where(
            SuggestionImpression.request_id == resp.json["request_id"]
        )
    ).all()
    assert [r.rank for r in rows] == [0, 1]
    assert {r.page_type for r in rows} == {"feed"}
    assert set(rows[0].features) >= {"context_sim", "popularity", "teammates_24h"}
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            assert secret not in repr(row), f"context text leaked into {table.name}"


def test_team_caption_in_article_language_is_used(
    client: Any, employee_headers: dict[str, str], make_article: Callable[..., Article]
) -> None:
    article = make_article("Cloud launch")
    db.session.add(ArticleCaption(article_id=article.id, language="en", text="Team caption!"))
    db.session.commit()
    resp = post(client, employee_headers, {})
    assert resp.json["items"][0]["caption"] == "Team caption!"


def test_shown_articles_come_from_the_display_cache_until_content_changes(
    app: Flask,
    client: Any,
    employee_headers: dict[str, str],
    admin_headers: dict[str, str],
    make_article: Callable[..., Article],
) -> None:
    app.config["SUGGESTION_DISPLAY_CACHE"] = True  # on in production, off by default in tests
    cache_sync.watcher(app).interval = 0.0  # every request checks the stamps, as after 1 s
    article = make_article("Cloud launch")
    db.session.add(ArticleCaption(article_id=article.id, language="en", text="First caption"))
    db.session.commit()
    item = post(client, employee_headers, {}).json["items"][0]
    assert (item["title"], item["caption"]) == ("Cloud launch", "First caption")

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        again = post(client, employee_headers, {}).json["items"][0]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert (again["title"], again["caption"]) == ("Cloud launch", "First caption")
    assert statements and not [s for s in statements if "article_captions" in s]

    edit = client.patch(
        f"/api/v1/articles/{article.id}", json={"title": "Cloud launch day"}, headers=admin_headers
    )
    assert edit.status_code == 200, edit.json
    assert post(client, employee_headers, {}).json["items"][0]["title"] == "Cloud launch day"
    caption = db.session.scalar(
        sa.select(ArticleCaption).where(ArticleCaption.article_id == article.id)
    )
    assert caption is not None
    caption.text = "Second caption"  # a caption alone changed: still a content change
    db.session.commit()
    assert post(client, employee_headers, {}).json["items"][0]["caption"] == "Second caption"


def test_a_read_that_raced_an_invalidation_is_not_cached() -> None:
    cache = svc.DisplayCache()
    generation, found = cache.get([1])
    assert found == {}
    cache.clear()  # an article changed while the rows were being read
    stale = svc._Shown(  # noqa: SLF001
        1,
        "https://example.com/a",
        "Old title",
        None,
        None,
        "en",
        [],
        None,
        None,
        utcnow(),
        None,
        [],
    )
    cache.put(generation, {1: stale})
    assert cache.get([1])[1] == {}
    generation, _ = cache.get([1])
    cache.put(generation, {1: stale})
    assert cache.get([1])[1] == {1: stale}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"context": {"page_type": "newsletter"}}, "context.page_type"),
        ({"limit": 0}, "limit"),
        ({"limit": 21}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"context": {"url": "javascript:alert(1)"}}, "context.url"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_invalid_requests_get_422(
    client: Any, employee_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    resp = post(client, employee_headers, body)
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "validation_error"
    assert field in [d["field"] for d in resp.json["error"]["details"]]


def test_huge_and_empty_context_text_are_accepted(
    client: Any, employee_headers: dict[str, str], catalog: list[Article]
) -> None:
    for text in ("", "cloud " * 20_000):
        resp = post(client, employee_headers, {"context": {"page_type": "post", "text": text}})
        assert resp.status_code == 200, resp.json
        assert resp.json["items"]


def test_candidates_exclude_drafts_expired_and_other_languages(
    client: Any,
    headers_for: Callable[..., dict[str, str]],
    make_article: Callable[..., Article],
) -> None:
    ok = make_article("Visible article")
    make_article("Draft article", status="draft", approved_at=None)
    make_article("Expired article", expires_at=utcnow() - dt.timedelta(hours=1))
    make_article("Dansk artikel", language="da")
    resp = post(client, headers_for(languages=["en"]), {"limit": 10})
    assert [i["article_id"] for i in resp.json["items"]] == [ok.id]


def test_no_articles_in_my_languages_has_a_reason(
    client: Any, headers_for: Callable[..., dict[str, str]], make_article: Callable[..., Article]
) -> None:
    make_article("English only")
    resp = post(client, headers_for(languages=["de"]), {})
    assert resp.json["items"] == []
    assert resp.json["reason"] == "No approved articles in your languages (de)."


def test_new_article_is_suggestible_without_a_command(
    client: Any, employee_headers: dict[str, str], make_article: Callable[..., Article]
) -> None:
    first = make_article("First article")
    assert [i["article_id"] for i in post(client, employee_headers, {}).json["items"]] == [first.id]
    second = make_article("Second article")
    ids = {i["article_id"] for i in post(client, employee_headers, {}).json["items"]}
    assert ids == {first.id, second.id}


def test_campaign_reason(
    client: Any, employee_headers: dict[str, str], make_article: Callable[..., Article]
) -> None:
    campaign = Campaign(slug="launch", name="Autumn launch", priority=10, status="active")
    db.session.add(campaign)
    db.session.commit()
    make_article("Plain news", published_at=utcnow() - dt.timedelta(days=30))
    pushed = make_article(
        "Launch news", campaign_id=campaign.id, published_at=utcnow() - dt.timedelta(days=30)
    )
    top = post(client, employee_headers, {}).json["items"][0]
    assert top["article_id"] == pushed.id
    assert "Part of the Autumn launch campaign" in top["reasons"]


# --- model versions: hot switch, corrupt artifact, readiness ---------------------------


def publish(app: Flask, version: str, **weights: float) -> ArtifactStore:
    store = ArtifactStore(app.config["ARTIFACTS_DIR"])
    ranker = EngagementRanker.with_defaults(default_weights=weights or None)
    store.save(
        version,
        ranker=ranker,
        embeddings=np.zeros((0, 256), dtype=np.float32),
        article_ids=np.zeros(0, dtype=np.int64),
        encoder_name="hashing-256",
        data_hash="test",
    )
    store.set_active(version)
    return store


def test_hot_switch_to_a_newly_published_version(
    app: Flask, client: Any, employee_headers: dict[str, str], catalog: list[Article]
) -> None:
    assert post(client, employee_headers, {}).json["model_version"] == "default"
    publish(app, "v1")
    assert post(client, employee_headers, {}).json["model_version"] == "v1"
    publish(app, "v2", freshness=1.0)
    assert post(client, employee_headers, {}).json["model_version"] == "v2"
    assert svc.readiness() == (True, [])


def test_corrupt_artifact_serves_degraded_fallback(
    app: Flask, client: Any, employee_headers: dict[str, str], catalog: list[Article]
) -> None:
    store = publish(app, "v1")
    (store.path_for("v1") / "ranker.joblib").write_bytes(b"tampered")
    resp = post(client, employee_headers, {"context": {"page_type": "post", "text": "cloud"}})
    assert resp.status_code == 200
    assert resp.json["degraded"] is True
    assert resp.json["model_version"] == "fallback"
    assert len(resp.json["items"]) == 4
    ok, reasons = svc.readiness()
    assert ok is False
    assert "sha256 mismatch for ranker.joblib" in reasons[0]
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["model"] == "degraded"


def test_missing_active_version_serves_degraded_fallback(
    app: Flask, client: Any, employee_headers: dict[str, str], catalog: list[Article]
) -> None:
    store = publish(app, "v1")
    (store.root / "ACTIVE").write_text("v9\n")
    resp = post(client, employee_headers, {})
    assert resp.status_code == 200
    assert resp.json["degraded"] is True


def test_models_endpoint_refuses_employees(client: Any, employee_headers: dict[str, str]) -> None:
    resp = client.get("/api/v1/models", headers=employee_headers)
    assert resp.status_code == 403
    assert resp.json["error"]["code"] == "forbidden"


def test_models_endpoint_lists_versions(client: Any, content_headers: dict[str, str]) -> None:
    resp = client.get("/api/v1/models", headers=content_headers)
    assert resp.status_code == 200
    assert resp.json["serving"] == "default"
    assert resp.json["active"] is None


# --- warm-up and background embedding ------------------------------------------------------------


def test_warm_up_is_off_under_testing_unless_forced(app: Flask) -> None:
    assert rt_mod.warm_up(app) is None
    assert svc.warm_up is rt_mod.warm_up


def test_readyz_says_model_loading_until_warm(
    app: Flask, client: Any, catalog: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    release = threading.Event()
    original = rt_mod.Runtime.serving

    def slow_serving(self: rt_mod.Runtime, now: float | None = None) -> rt_mod.ServingModel:
        release.wait(10)
        return original(self, now)

    monkeypatch.setattr(rt_mod.Runtime, "serving", slow_serving)
    rt_mod.embed_pending(get_encoder(app.config["ENCODER"]))  # as `training bootstrap` does
    thread = rt_mod.warm_up(app, force=True)
    assert thread is not None
    assert svc.readiness() == (False, ["model loading"])
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert "model loading" in resp.json["reasons"]
    release.set()
    thread.join(10)
    assert svc.readiness() == (True, [])
    state = rt_mod.runtime(app).catalog
    assert state is not None and len(state.catalog) == len(catalog), "catalog built while warm"


def test_a_new_embedding_reaches_the_catalog_through_a_background_rebuild(
    app: Flask, client: Any, employee_headers: dict[str, str], make_article: Callable[..., Article]
) -> None:
    app.config["RECOMMENDER_BACKGROUND_EMBED"] = True  # catalog rebuilds in a thread
    first = make_article("First article")
    # A catalog read before the worker embedded the article (the immediate test queue embedded
    # it at commit: undo that; tests/test_tasks.py runs the real worker).
    db.session.execute(sa.delete(ArticleEmbedding))
    db.session.commit()
    rt = rt_mod.runtime(app)
    rt.current_catalog(rt.serving().encoder, rt_mod.utcnow())
    assert rt.catalog is not None and not rt.catalog.catalog.embeddings.any(), "no vector yet"
    rt_mod.embed_pending(rt.serving().encoder)  # what the worker's task does
    rt.recheck()
    # The next check sees the new embedding and rebuilds the catalog in the background,
    # answering from the current one meanwhile.
    assert [i["article_id"] for i in post(client, employee_headers, {}).json["items"]] == [first.id]
    assert rt.rebuilder is not None
    rt.rebuilder.join(120)  # seconds only when the machine is busy; a hang fails below
    assert not rt.rebuilder.is_alive(), "the catalog rebuild did not finish"
    items = post(client, employee_headers, {}).json["items"]
    assert [i["article_id"] for i in items] == [first.id]
    state = rt.catalog
    assert state is not None and state.catalog.embeddings.any(), "the vector is in the catalog"


# --- relevance: retrieval, freshness of the index, languages -------------------------------------

TOPIC_ARTICLES = [
    "Rolling out zero trust: identity checks for every device",
    "Six questions before you start a NIS2 compliance programme",
    "How we cut our cloud bill with FinOps dashboards",
    "Hiring graduate developers in a tight labour market",
    "Quarterly results: revenue grew in the Nordics",
    "Migrating a data warehouse to a lakehouse",
    "Kubernetes upgrades without downtime",
    "Sustainability reporting under CSRD",
]
TOPIC_POSTS = [
    "We are rolling out zero trust next quarter - how do you check identity on every device?",
    "Our board asked whether the NIS2 directive applies to us. Where does compliance start?",
    "The cloud bill doubled again. Anyone using FinOps to find savings?",
    "Hiring developers is hard: should we take graduate developers and train them?",
    "Strong quarterly results in the Nordics this year, revenue up across the region",
    "Thinking of a lakehouse instead of our old data warehouse. Migration stories?",
    "Each Kubernetes upgrade costs us a weekend of downtime. How do you do it?",
    "CSRD means sustainability reporting for us from next year. Where to begin?",
]


def test_each_post_gets_its_article_first_through_the_api(
    client: Any, employee_headers: dict[str, str], make_article: Callable[..., Article]
) -> None:
    articles = [make_article(title) for title in TOPIC_ARTICLES]
    # One promoted article: campaign, fresh, popular. It must not take over every page.
    campaign = Campaign(name="Push", slug="push", priority=10, status="active")
    db.session.add(campaign)
    db.session.flush()
    articles[1].campaign_id = campaign.id
    db.session.commit()
    firsts = []
    for post_text in TOPIC_POSTS:
        body = {"context": {"page_type": "post", "text": post_text}, "limit": 3}
        resp = post(client, employee_headers, body)
        assert resp.status_code == 200, resp.json
        firsts.append(resp.json["items"][0]["article_id"])
    # A random order gets about 1 of 8 right; the promoted article first everywhere gets 1.
    assert firsts == [a.id for a in articles]


def test_new_and_edited_articles_are_matched_within_a_minute_without_retraining(
    client: Any,
    employee_headers: dict[str, str],
    admin_headers: dict[str, str],
    catalog: list[Article],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rt_mod, "CATALOG_CHECK_INTERVAL_S", 5.0)  # the served interval
    context = {"page_type": "post", "text": "Our first ransomware incident drill went badly"}
    first = post(client, employee_headers, {"context": context, "limit": 1})
    assert first.status_code == 200
    resp = client.post(
        "/api/v1/articles",
        json={
            "canonical_url": "https://example.com/ransomware-drills",
            "title": "Ransomware incident drills that teams actually learn from",
            "status": "approved",
        },
        headers=admin_headers,
    )
    assert resp.status_code == 201, resp.json
    new_id = resp.json["id"]
    edit = client.patch(
        f"/api/v1/articles/{catalog[3].id}",
        json={"title": "Board games night: the chess tournament results"},
        headers=admin_headers,
    )
    assert edit.status_code == 200, edit.json
    real = rt_mod.time.monotonic
    monkeypatch.setattr(rt_mod.time, "monotonic", lambda: real() + 60.0)
    items = post(client, employee_headers, {"context": context, "limit": 1}).json["items"]
    assert items[0]["article_id"] == new_id
    chess = {"page_type": "post", "text": "Who won the chess tournament at board games night?"}
    items = post(client, employee_headers, {"context": chess, "limit": 1}).json["items"]
    assert items[0]["article_id"] == catalog[3].id
    assert rt_mod.ArtifactStore(client.application.config["ARTIFACTS_DIR"]).active() is None


def test_new_employee_reads_the_company_languages(
    client: Any, admin_headers: dict[str, str], make_article: Callable[..., Article]
) -> None:
    make_article("Zero trust for hybrid teams")
    make_article("Sådan kommer I i gang med NIS2", language="da")
    make_article("Hvad koster skyen egentlig?", language="da")
    resp = client.post(
        "/api/v1/employees",
        json={"email": "ny@example.com", "name": "Ny Medarbejder"},
        headers=admin_headers,
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["languages"] == ["da", "en"]


def test_article_language_is_detected_when_not_given(
    client: Any, admin_headers: dict[str, str]
) -> None:
    resp = client.post(
        "/api/v1/articles",
        json={
            "canonical_url": "https://example.com/da/nis2",
            "title": "Seks spørgsmål, I skal stille, før I starter jeres NIS2-program",
            "summary": "Hvad kræver direktivet af ledelsen, og hvor skal man begynde?",
        },
        headers=admin_headers,
    )
    assert resp.status_code == 201, resp.json
    assert resp.json["language"] == "da"


CROSS_ARTICLES = [
    ("en", "Stopping password theft: protect your staff from phishing emails"),
    ("en", "Quarterly results: revenue grew in every region"),
    ("en", "Kubernetes upgrades without downtime"),
    ("da", "Sådan halverede vi elregningen i vores datacenter"),
    ("da", "Nye kolleger: velkommen til vores praktikanter"),
    ("da", "Bæredygtighedsrapportering efter de nye EU-regler"),
]


@pytest.mark.slow
@pytest.mark.parametrize("encoder", ["e5"])
def test_a_danish_post_finds_the_english_article_and_the_reverse(
    make_app: Callable[..., Flask], encoder: str
) -> None:
    """Cross-language matching needs a multilingual encoder: the posts share no word with their
    articles. (With the English MiniLM default the Danish post gets a Danish article first.)"""
    from backend.models import Employee
    from backend.services.employees import issue_token

    app = make_app(ENCODER=encoder)
    with app.app_context():
        now = utcnow()
        ids = []
        for lang, title in CROSS_ARTICLES:
            article = Article(
                canonical_url=f"https://example.com/{secrets.token_hex(4)}",
                title=title,
                language=lang,
                status="approved",
                approved_at=now,
                published_at=now,
            )
            db.session.add(article)
            db.session.flush()
            ids.append(article.id)
        reader = Employee(
            email="tosproget@example.com", name="To", public_ref="cross", languages=["da", "en"]
        )
        db.session.add(reader)
        db.session.commit()
        raw, _ = issue_token(reader, "employee", 1)
        db.session.commit()
        headers = {"Authorization": f"Bearer {raw}"}
        client = app.test_client()
        danish_post = (
            "Hvordan beskytter vi medarbejderne mod svindelmails, der stjæler adgangskoder?"
        )
        english_post = "How did you cut the electricity bill of your data centre in half?"
        firsts = []
        for text in (danish_post, english_post):
            body = {"context": {"page_type": "post", "text": text}, "limit": 3}
            resp = client.post(URL, json=body, headers=headers)
            assert resp.status_code == 200, resp.get_data(as_text=True)
            firsts.append(resp.json["items"][0]["article_id"])
        assert firsts == [ids[0], ids[3]]


def test_reasons_come_in_the_language_the_panel_asks_for(
    client: Any, employee_headers: dict[str, str], catalog: list[Article]
) -> None:
    text = "Our CISO on zero trust and cloud security for hybrid teams at scale"
    body = {
        "context": {"url": "https://www.linkedin.com/feed/", "page_type": "post", "text": text},
        "limit": 3,
    }
    danish = client.post(URL, json=body, headers={**employee_headers, "Accept-Language": "da"})
    assert danish.status_code == 200, danish.json
    top = danish.json["items"][0]
    assert top["article_id"] == catalog[0].id
    assert top["reasons"][0] == "Passer til opslaget, du læser om cloud security"
    english = client.post(URL, json=body, headers={**employee_headers, "Accept-Language": "en"})
    assert english.json["items"][0]["reasons"][0] == (
        "Matches the post you're reading about cloud security"
    )
    # Every item's reasons are translated, none left as a raw key or in English.
    for item in danish.json["items"]:
        assert item["reasons"] and not any(r.startswith("reason.") for r in item["reasons"])


def test_the_english_catalogue_says_what_the_recommender_says(app: Flask) -> None:
    from backend.i18n import in_language, translate
    from recommender.reasons import ENGLISH, PAGE_NOUNS

    with app.test_request_context(), in_language("en"):
        for key, text in ENGLISH.items():
            assert translate(f"reason.{key}") == text
        for page, noun in PAGE_NOUNS.items():
            assert translate(f"reason.page.{page}") == noun
    with app.test_request_context(), in_language("da"):
        for key in ENGLISH:
            assert translate(f"reason.{key}") not in (f"reason.{key}", ENGLISH[key])
