"""fit → evaluate → publish → rollback → list on a small synthetic impression log."""

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
from backend.models import Article, EngagementEvent, ModelVersion, SuggestionImpression, utcnow
from recommender.features import FEATURE_NAMES
from training import commands as cmd
from training.__main__ import build_parser


@pytest.fixture
def logged(app: Flask, make_employee: Any) -> None:
    """600 impressions in 120 requests; context similarity decides what gets opened."""
    rng = np.random.default_rng(0)
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
    start = utcnow() - dt.timedelta(days=30)
    for r in range(120):
        rid = f"req-{r:04d}"
        at = start + dt.timedelta(hours=r)
        person = people[r % 2]
        for rank in range(5):
            feats = dict(zip(FEATURE_NAMES, rng.random(len(FEATURE_NAMES)).tolist(), strict=True))
            article = articles[(r + rank) % 10]
            db.session.add(
                SuggestionImpression(
                    request_id=rid,
                    employee_id=person.id,
                    article_id=article.id,
                    rank=rank,
                    score=0.0,
                    model_version="default",
                    page_type="post",
                    features=feats,
                    created_at=at,
                )
            )
            if feats["context_sim"] > 0.75:
                db.session.add(
                    EngagementEvent(
                        employee_id=person.id,
                        article_id=article.id,
                        type="opened",
                        request_id=rid,
                        created_at=at,
                    )
                )
    db.session.commit()


def test_fit_evaluate_publish_rollback(app: Flask, logged: None, tmp_path: Path) -> None:
    first = cmd.fit("v1", "hashing", min_samples=100)
    assert first.fallback is False
    assert first.metrics["ndcg@5"] > 0.5
    row = db.session.scalar(sa.select(ModelVersion).where(ModelVersion.version == "v1"))
    assert row is not None and row.status == "candidate"
    md, png, results = cmd.evaluate("v1", tmp_path / "report")
    text = md.read_text()
    assert "candidate v1" in text and "popularity only" in text and "per department" in text
    assert png.stat().st_size > 0
    by_name = {r.name: r.metrics["ndcg@5"] for r in results}
    assert by_name["candidate v1"] > by_name["popularity only"]

    assert cmd.publish("v1") == "published v1 (was none)"
    # A deliberately worse candidate: fixed weights that ignore the context.
    worse = cmd.fit("v2", "hashing", min_samples=10_000)
    assert worse.fallback is True
    from recommender.artifacts import ArtifactStore

    store = ArtifactStore(app.config["ARTIFACTS_DIR"])
    with pytest.raises(cmd.CommandError, match="refusing to publish v2: ndcg@5 .* is worse than"):
        cmd.publish("v2")
    assert store.active() == "v1"
    assert cmd.publish("v2", force=True) == "published v2 (was v1)"
    assert cmd.rollback() == "rolled back from v2 to v1"
    assert store.active() == "v1"
    listed = {row["version"]: row["status"] for row in cmd.list_versions()}
    assert listed == {"v1": "active", "v2": "retired"}


def test_rollback_without_history(app: Flask) -> None:
    with pytest.raises(cmd.CommandError, match="nothing to roll back to"):
        cmd.rollback()


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
    assert cmd.embed("hashing") == 1
    assert cmd.embed("hashing") == 0


def test_import_unknown_format(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "articles.xyz"
    path.write_text("x")
    with pytest.raises(cmd.CommandError, match="cannot tell the format of articles.xyz"):
        cmd.import_file(path)


def test_import_csv(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text("canonical_url,title,language\nhttps://example.com/x,Hello,en\n")
    assert cmd.import_file(path).startswith("1 rows: 1 created")


def test_cli_parser() -> None:
    args = build_parser().parse_args(["publish", "v3", "--force"])
    assert (args.command, args.version, args.force) == ("publish", "v3", True)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["frobnicate"])


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
    assert cmd.encoder_hint() is None, "the test app uses the hashing encoder"
    app.config["ENCODER"] = "minilm"
    hint = cmd.encoder_hint()
    assert hint is not None and hint.startswith("hint: 67% of approved articles are not English")
    app.config["ENCODER"] = "e5"
    assert cmd.encoder_hint() is None


def test_two_fits_in_one_second_get_distinct_versions(
    app: Flask, logged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cmd, "new_version_name", lambda: "v20260101-120000")
    first, second = cmd.fit(), cmd.fit()
    assert (first.version, second.version) == ("v20260101-120000", "v20260101-120000-2")
