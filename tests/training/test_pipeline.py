"""The model lifecycle (fit → evaluate → publish with the guard → rollback → list) on a
synthetic impression log in which the page context decides what people open."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from flask import Flask

from backend.extensions import db
from backend.models import (
    Article,
    ArticleEmbedding,
    AuditLog,
    EngagementEvent,
    ModelVersion,
    SuggestionImpression,
    utcnow,
)
from backend.services import model_lifecycle as lc
from recommender.artifacts import ArtifactStore
from recommender.features import FEATURE_NAMES
from recommender.ranker import EngagementRanker
from training.__main__ import cli, main

N_REQUESTS = 600


def add_log(
    people: list[Any],
    articles: list[Article],
    n: int,
    seed: int = 0,
    start: dt.datetime | None = None,
) -> None:
    """``n`` requests of 5 impressions, one an hour; an item is opened when its context
    similarity is above 0.75 (a quarter of them)."""
    rng = np.random.default_rng(seed)
    start = start or utcnow() - dt.timedelta(hours=n + 1)
    impressions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for r in range(n):
        rid = f"req-{seed}-{r:04d}"
        at = start + dt.timedelta(hours=r)
        person = people[r % len(people)]
        for rank in range(5):
            feats = dict(zip(FEATURE_NAMES, rng.random(len(FEATURE_NAMES)).tolist(), strict=True))
            article = articles[(r + rank) % len(articles)]
            impressions.append(
                {
                    "request_id": rid,
                    "employee_id": person.id,
                    "article_id": article.id,
                    "rank": rank,
                    "score": 0.0,
                    "model_version": "default",
                    "page_type": "post",
                    "features": feats,
                    "created_at": at,
                }
            )
            if feats["context_sim"] > 0.75:
                events.append(
                    {
                        "employee_id": person.id,
                        "article_id": article.id,
                        "type": "opened",
                        "request_id": rid,
                        "created_at": at,
                    }
                )
    db.session.execute(sa.insert(SuggestionImpression), impressions)
    db.session.execute(sa.insert(EngagementEvent), events)
    db.session.commit()


@pytest.fixture
def catalog(app: Flask, make_employee: Any) -> tuple[list[Any], list[Article]]:
    people = [make_employee(department=d) for d in ("Sales", "Engineering")]
    articles = [
        Article(
            canonical_url=f"https://example.com/{secrets.token_hex(4)}",
            title=f"Article {i}",
            status="approved",
            approved_at=utcnow(),
        )
        for i in range(10)
    ]
    db.session.add_all(articles)
    db.session.commit()
    return people, articles


@pytest.fixture
def logged(catalog: tuple[list[Any], list[Article]]) -> None:
    """600 requests; context similarity decides what gets opened."""
    add_log(*catalog, N_REQUESTS)


def save_candidate(app: Flask, version: str, ranker: EngagementRanker, like: str) -> None:
    """A candidate saved with ``like``'s training window and catalog (a model built by hand)."""
    st = ArtifactStore(app.config["ARTIFACTS_DIR"])
    base = st.load(like)
    window = st.read_manifest(like)[lc.WINDOW_KEY]
    path = st.save(
        version,
        ranker=ranker,
        embeddings=base.embeddings,
        article_ids=base.article_ids,
        encoder_name=base.encoder,
        data_hash="test",
        extra={lc.WINDOW_KEY: window},
    )
    db.session.add(ModelVersion(version=version, encoder=base.encoder, path=str(path)))
    db.session.commit()


def test_fit_records_its_window_and_beats_the_random_floor_on_held_out_requests(
    app: Flask, logged: None, tmp_path: Path
) -> None:
    first = lc.fit("v1", "hashing", min_samples=100)
    assert first.fallback is False
    # The last 20 % of requests are held out: the window ends where they begin.
    end = dt.datetime.fromisoformat(first.window["end"])
    before = db.session.scalar(
        sa.select(sa.func.count(SuggestionImpression.id)).where(
            SuggestionImpression.created_at < end
        )
    )
    assert first.window["impressions"] == before == int(N_REQUESTS * 0.8) * 5
    manifest = ArtifactStore(app.config["ARTIFACTS_DIR"]).read_manifest("v1")
    assert manifest[lc.WINDOW_KEY] == first.window
    # A random order puts 3 of the 5 shown items in the top 3: 0.6 of acted-on suggestions.
    assert first.metrics["random_top3"] == pytest.approx(0.6)
    assert first.metrics["top3"] > first.metrics["random_top3"] + 0.2
    assert first.metrics["top3"] >= first.metrics["context_top3"] - 0.05

    ev = lc.evaluate("v1", tmp_path / "report")
    text = (tmp_path / "report" / ev.report_md).read_text()
    assert "candidate v1" in text and "random order (floor)" in text
    assert "context match only" in text and "popularity only" in text
    assert "recall@5" not in text.split("Re-ranking")[0]
    assert all((tmp_path / "report" / p).stat().st_size > 0 for p in ev.plots)
    by_role = {m.role: m.top3 for m in ev.models}
    assert by_role["candidate"] > by_role["random"] + 0.2
    assert ev.verdict == "no_active" and ev.acted_on >= 100


def test_the_guard_refuses_a_worse_candidate_on_held_out_data(
    app: Flask, logged: None, catalog: Any, make_employee: Any
) -> None:
    lc.fit("v1", "hashing", min_samples=100)
    assert lc.publish("v1") == "published v1 (was none)"
    # A candidate that ignores the page: it ranks by popularity, which decides nothing here.
    worse = EngagementRanker.with_defaults(default_weights={"popularity": 3.0})
    save_candidate(app, "v2", worse, like="v1")
    with pytest.raises(lc.GuardRefused) as refused:
        lc.publish("v2")
    ev = refused.value.evaluation
    message = str(refused.value)
    assert message.startswith("Not publishing v2. v2 is worse beyond noise: out of 100")
    assert "An admin can publish it anyway." in message
    assert ev.verdict == "worse" and ev.difference is not None and ev.difference.ci[1] < 0
    # Judged only on impressions after both training windows (the 20 % neither model saw).
    window_end = dt.datetime.fromisoformat(lc.window_end("v1").isoformat())
    assert ev.window_start is not None
    assert dt.datetime.fromisoformat(ev.window_start) >= window_end
    held_positive = db.session.scalar(
        sa.select(sa.func.count(EngagementEvent.id)).where(
            EngagementEvent.created_at >= window_end, EngagementEvent.request_id.is_not(None)
        )
    )
    assert ev.acted_on == held_positive
    store = ArtifactStore(app.config["ARTIFACTS_DIR"])
    assert store.active() == "v1"

    # Only an admin may override, and the override is audited with the verdict.
    content = make_employee(access_role="content")
    with pytest.raises(lc.GuardRefused, match="only an admin can publish"):
        lc.publish("v2", force=True, actor_id=content.id)
    assert store.active() == "v1"
    admin = make_employee(access_role="admin")
    assert lc.publish("v2", force=True, actor_id=admin.id) == "published v2 (was v1)"
    entry = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "model.publish_override")
    ).one()
    assert entry.actor_id == admin.id and entry.target_id == "v2"
    assert entry.details["verdict"] == "worse" and "worse beyond noise" in entry.details["sentence"]

    assert lc.rollback() == "rolled back from v2 to v1"
    assert store.active() == "v1"
    listed = {row["version"]: row["status"] for row in lc.list_versions()}
    assert listed == {"v1": "active", "v2": "retired"}


def test_the_guard_lets_an_equal_candidate_through_and_ignores_data_it_trained_on(
    app: Flask, logged: None, catalog: Any
) -> None:
    lc.fit("v1", "hashing", min_samples=100)
    lc.publish("v1")
    # v2 trains on a later window: everything v1 held out plus 100 new requests, in which the
    # page does not matter. Only requests after v2's window could judge it; there are none.
    add_log(*catalog, 100, seed=1, start=utcnow() - dt.timedelta(minutes=5))
    later = lc.fit("v2", "hashing", min_samples=100)
    assert later.window["end"] > lc.window_end("v1").isoformat()
    ev = lc.compare("v2")
    assert dt.datetime.fromisoformat(str(ev.window_start)) >= dt.datetime.fromisoformat(
        later.window["end"]
    )
    assert ev.verdict in ("same", "too_few", "better")
    assert lc.publish("v2") == "published v2 (was v1)"


def test_too_few_acted_on_suggestions_are_flagged(app: Flask, catalog: Any) -> None:
    add_log(*catalog, 30)
    lc.fit("v1", "hashing", min_samples=10)
    lc.publish("v1")
    lc.fit("v2", "hashing", min_samples=10_000)
    ev = lc.compare("v2")
    assert ev.acted_on < 100 and not ev.enough
    assert ev.verdict == "too_few"
    assert ev.sentence.startswith(f"Too little new data to judge: only {ev.acted_on} suggestions")


def test_rollback_without_history(app: Flask) -> None:
    with pytest.raises(lc.LifecycleError, match="nothing to roll back to"):
        lc.rollback()


def test_embed_is_incremental(app: Flask) -> None:
    db.session.add(
        Article(
            canonical_url="https://example.com/a",
            title="A",
            status="approved",
            approved_at=utcnow(),
        )
    )
    db.session.commit()
    # The commit queued the worker's embedding task (run at once in tests): nothing left to do.
    assert lc.embed("hashing") == 0
    db.session.execute(sa.delete(ArticleEmbedding))
    db.session.commit()
    assert lc.embed("hashing") == 1
    assert lc.embed("hashing") == 0


def test_import_unknown_format(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "articles.xyz"
    path.write_text("x")
    with pytest.raises(lc.LifecycleError, match="cannot tell the format of articles.xyz"):
        lc.import_file(path)


def test_import_csv(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text("canonical_url,title,language\nhttps://example.com/x,Hello,en\n")
    assert lc.import_file(path).summary().startswith("1 rows: 1 created")


def test_cli_commands(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    assert set(cli.commands) == {
        "import",
        "embed",
        "fit",
        "evaluate",
        "publish",
        "rollback",
        "list",
        "bootstrap",
    }
    publish = cli.commands["publish"]
    ctx = publish.make_context("publish", ["v3", "--force"])
    assert ctx.params == {"version": "v3", "force": True}
    assert main(["frobnicate"]) == 2
    assert "No such command 'frobnicate'" in capsys.readouterr().err


def test_encoder_hint_for_a_mostly_danish_catalog(app: Flask) -> None:
    for i, lang in enumerate(("da", "da", "en")):
        db.session.add(
            Article(
                canonical_url=f"https://example.com/hint-{i}",
                title=f"Artikel {i}",
                language=lang,
                status="approved",
                approved_at=utcnow(),
            )
        )
    db.session.commit()
    assert lc.encoder_hint() is None, "the test app uses the hashing encoder"
    app.config["ENCODER"] = "minilm"
    hint = lc.encoder_hint()
    assert hint is not None and hint.startswith("hint: 67% of approved articles are not English")
    app.config["ENCODER"] = "e5"
    assert lc.encoder_hint() is None


def test_two_fits_in_one_second_get_distinct_versions(
    app: Flask, logged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lc, "new_version_name", lambda: "v20260101-120000")
    first, second = lc.fit(), lc.fit()
    assert (first.version, second.version) == ("v20260101-120000", "v20260101-120000-2")
