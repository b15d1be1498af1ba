"""embed → fit → publish with the default ONNX encoder; the manifest records it (``slow``: the
real export, shared with tests/recommender through the session's temporary directory)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from backend.extensions import db
from backend.models import Article, ArticleEmbedding, utcnow
from backend.services import model_lifecycle as cmd
from backend.services import recommender_runtime as rt_mod
from recommender import onnx_export as ox
from recommender.artifacts import ArtifactStore

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.getbasetemp() / "onnx-encoders"
    ox.ensure_export(cache)
    ox.ensure_export(cache, "e5")
    return cache


def _restart_workers(app: Flask, **config: object) -> None:
    """The deployment restarted with ``config``: each worker builds its recommender state afresh
    (the articles' commit already built one, when the worker's embedding task ran)."""
    app.config.update(**config)
    app.extensions.pop(rt_mod.EXTENSION_KEY, None)


@pytest.fixture
def articles(app: Flask) -> None:
    for i, title in enumerate(
        ("Zero trust cloud security for hybrid teams", "Summer party photos", "Quarterly results")
    ):
        db.session.add(
            Article(
                canonical_url=f"https://example.com/onnx-{i}",
                title=title,
                status="approved",
                approved_at=utcnow(),
            )
        )
    db.session.commit()


def test_default_encoder_is_the_multilingual_onnx_export(
    app_config: dict[str, object], make_app: Callable[..., Flask]
) -> None:
    config = {k: v for k, v in app_config.items() if k != "ENCODER"}
    app = make_app(config)
    assert app.config["ENCODER"] == "e5-onnx"
    assert app.config["MODEL_CACHE_DIR"] == str(Path(str(app_config["ARTIFACTS_DIR"])) / "encoders")
    # Serving encoders may run a context on two threads while a core is idle; 1 turns it off.
    with app.app_context():
        assert rt_mod.runtime(app).encoder("e5-onnx").query_threads == 2  # type: ignore[attr-defined]
    one = make_app({**config, "CONTEXT_ENCODE_THREADS": 1})
    with one.app_context():
        assert rt_mod.runtime(one).encoder("e5-onnx").query_threads == 1  # type: ignore[attr-defined]


def test_embed_fit_publish_records_the_encoder(
    app: Flask, articles: None, onnx_cache: Path
) -> None:
    app.config.update(ENCODER="minilm-onnx", MODEL_CACHE_DIR=str(onnx_cache))
    assert cmd.embed() == 3
    assert cmd.embed() == 0  # incremental: same encoder name, same content hash
    names = set(db.session.scalars(sa.select(ArticleEmbedding.encoder)))
    # hashing-256: the worker's task embedded the new articles at commit with the app's encoder then
    assert names == {"hashing-256", "minilm-l6-v2-onnx-int8"}

    result = cmd.fit("v-onnx", min_samples=10_000)
    manifest = ArtifactStore(app.config["ARTIFACTS_DIR"]).read_manifest("v-onnx")
    assert manifest["encoder"] == {"name": "minilm-l6-v2-onnx-int8", "dim": 384}
    export = ox.read_export(ox.export_dir(onnx_cache))
    assert export is not None
    recorded = manifest["encoder_export"]
    assert recorded["key"] == ox.export_key() and recorded["recipe"] == ox.RECIPE
    assert recorded["model_sha256"] == export["model_sha256"]
    assert recorded["check"]["cosine_to_fp32_min"] >= ox.MIN_COSINE
    assert "onnxruntime" in manifest["libraries"]
    assert result.path.name == "v-onnx"

    cmd.publish("v-onnx", force=True)
    _restart_workers(app)  # a live worker sees it at its next cache-stamp poll (not timed here)
    model = rt_mod.runtime(app).serving()
    assert model.version == "v-onnx" and not model.degraded
    assert model.encoder is not None and model.encoder.name == "minilm-l6-v2-onnx-int8"


def test_a_model_published_with_minilm_keeps_minilm_after_the_default_moved_to_e5(
    app: Flask, articles: None, onnx_cache: Path
) -> None:
    """Models published before the default became multilingual keep serving with MiniLM and
    their MiniLM embeddings; a new fit with the default uses e5 and re-embeds by content hash."""
    app.config.update(ENCODER="minilm-onnx", MODEL_CACHE_DIR=str(onnx_cache))
    cmd.fit("v-minilm", min_samples=10_000)
    cmd.publish("v-minilm", force=True)
    _restart_workers(app, ENCODER="e5-onnx")
    model = rt_mod.runtime(app).serving()
    assert model.version == "v-minilm" and not model.degraded
    assert model.encoder is not None and model.encoder.name == "minilm-l6-v2-onnx-int8"

    assert cmd.embed() == 3  # the new default's vectors, beside MiniLM's
    cmd.fit("v-e5", min_samples=10_000)
    manifest = ArtifactStore(app.config["ARTIFACTS_DIR"]).read_manifest("v-e5")
    assert manifest["encoder"] == {"name": "e5-small-onnx-int8", "dim": 384}
    assert manifest["encoder_export"]["key"] == ox.export_key("e5")
    names = set(db.session.scalars(sa.select(ArticleEmbedding.encoder)))
    assert names == {"hashing-256", "minilm-l6-v2-onnx-int8", "e5-small-onnx-int8"}


def test_a_model_published_with_another_encoder_keeps_it(
    app: Flask, articles: None, onnx_cache: Path
) -> None:
    """The deployment's default moved to minilm-onnx; the active model was fit with another
    encoder, so contexts are embedded with that one (the same vector space as its articles)."""
    cmd.fit("v-hashing", "hashing", min_samples=10_000)
    cmd.publish("v-hashing", force=True)
    _restart_workers(app, ENCODER="e5-onnx", MODEL_CACHE_DIR=str(onnx_cache))
    model = rt_mod.runtime(app).serving()
    assert model.version == "v-hashing" and not model.degraded
    assert model.encoder is not None and model.encoder.name == "hashing-256"
