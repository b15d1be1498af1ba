"""Two apps in one process standing for two nodes: same database, different local artifact
directories, one shared model store. What one node changes, the other serves without a restart
and without waiting for its cache TTLs (backend/services/cache_sync.py, the runtime's database
pointer, recommender/model_store.py). The same over real gunicorn nodes: tests/multinode."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import select

from backend.extensions import db
from backend.models import Article, Employee, ModelVersion, TrackedLink, utcnow
from backend.services import cache_sync
from backend.services.recommender_runtime import runtime
from recommender.artifacts import ArtifactStore, store_for
from recommender.errors import ArtifactError
from recommender.model_store import RemoteStore
from recommender.ranker import EngagementRanker


@pytest.fixture
def shared_store(tmp_path: Path) -> str:
    return (tmp_path / "shared-store").as_uri()


@pytest.fixture
def app_config(app_config: dict[str, Any], shared_store: str) -> dict[str, Any]:
    return {**app_config, "MODEL_STORE_URL": shared_store}


@pytest.fixture
def node_b(app: Flask, make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    return make_app(ARTIFACTS_DIR=str(tmp_path / "node-b"))


def _poll_now(app: Flask) -> list[str]:
    """What a request on ``app`` does first, without waiting for the check interval."""
    stamps = cache_sync.watcher(app)
    return stamps.poll(now=max(time.monotonic(), stamps.checked_at) + stamps.interval)


def _save(store: ArtifactStore, version: str, **weights: float) -> None:
    store.save(
        version,
        ranker=EngagementRanker.with_defaults(default_weights=weights or None),
        embeddings=np.zeros((0, 256), dtype=np.float32),
        article_ids=np.zeros(0, dtype=np.int64),
        encoder_name="hashing-256",
        data_hash="test",
    )


def _activate(version: str) -> None:
    """What publishing does to the shared pointer (training.commands._activate)."""
    for row in db.session.scalars(select(ModelVersion).where(ModelVersion.status == "active")):
        row.status = "retired"
    row = db.session.scalar(select(ModelVersion).where(ModelVersion.version == version))
    if row is None:
        row = ModelVersion(version=version, encoder="hashing-256")
        db.session.add(row)
    row.status, row.activated_at = "active", utcnow()
    db.session.commit()


def test_link_edit_on_one_node_redirects_anew_on_the_other(
    app: Flask, node_b: Flask, make_employee: Any
) -> None:
    employee: Employee = make_employee()
    article = Article(canonical_url="https://old.example/post", title="Post", status="approved")
    db.session.add(article)
    db.session.flush()
    db.session.add(
        TrackedLink(code="abcdefgh", article_id=article.id, employee_id=employee.id, network="x")
    )
    db.session.commit()
    client_b = node_b.test_client()
    _poll_now(node_b)  # B has seen the stamps as they are
    first = client_b.get("/r/abcdefgh")
    assert first.status_code == 302 and first.location.startswith("https://old.example/post")
    again = client_b.get("/r/abcdefgh")  # B's fast path, from its target cache
    assert again.location.startswith("https://old.example/post")

    article.canonical_url = "https://new.example/post"  # edited on node A
    db.session.commit()
    # Without the stamp, B would keep redirecting to the old address for its 30 s TTL.
    assert cache_sync.watcher(node_b).seen is not None
    assert _poll_now(node_b) == [cache_sync.CONTENT]
    moved = client_b.get("/r/abcdefgh")
    assert moved.status_code == 302 and moved.location.startswith("https://new.example/post")
    assert _poll_now(node_b) == []  # nothing changed since


def test_publish_and_rollback_on_one_node_are_served_by_the_other(
    app: Flask, node_b: Flask, tmp_path: Path
) -> None:
    with node_b.app_context():
        assert runtime(node_b).serving().version == "default"
        _poll_now(node_b)
    _save(store_for(app.config), "v1")
    _save(store_for(app.config), "v2", freshness=1.0)
    _activate("v1")  # published on node A
    with node_b.app_context():
        assert _poll_now(node_b) == [cache_sync.MODEL]
        assert runtime(node_b).serving().version == "v1"
    # B had neither version locally: it fetched v1 from the shared store (and only v1).
    assert (tmp_path / "node-b" / "versions" / "v1" / "manifest.json").is_file()
    assert not (tmp_path / "node-b" / "versions" / "v2").exists()
    _activate("v2")
    with node_b.app_context():
        _poll_now(node_b)
        assert runtime(node_b).serving().version == "v2"
    _activate("v1")  # rolled back on node A
    with node_b.app_context():
        _poll_now(node_b)
        assert runtime(node_b).serving().version == "v1"


def test_a_tampered_shared_copy_is_refused(tmp_path: Path) -> None:
    remote = RemoteStore((tmp_path / "shared").as_uri())
    _save(ArtifactStore(tmp_path / "a", remote), "v1")
    assert remote.list_versions() == ["v1"]
    (tmp_path / "shared" / "versions" / "v1" / "ranker.joblib").write_bytes(b"tampered")
    node = ArtifactStore(tmp_path / "b", remote)
    with pytest.raises(ArtifactError, match="sha256 mismatch for ranker.joblib"):
        node.load("v1")
    with pytest.raises(ArtifactError, match="'v9' is not in the model store"):
        node.load("v9")
    with pytest.raises(ArtifactError, match="already exists in"):
        remote.upload("v1", tmp_path / "a" / "versions" / "v1")
