"""Model artifacts under faults: deleted or corrupted while serving, a publish killed half-way, a
full disk. The previous version must stay active and intact; suggestions fall back and say so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recommender.artifacts import ACTIVE, ArtifactStore
from recommender.errors import ArtifactError, RecommenderError

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]


def _articles(client: FlaskClient, headers: dict[str, str], n: int = 4) -> None:
    for i in range(n):
        resp = client.post(
            "/api/v1/articles",
            json={
                "canonical_url": f"https://example.com/grid/{i}-{uuid.uuid4().hex[:6]}",
                "title": f"Grid article {i}",
                "summary": "How the power grid gets ready for 2030.",
                "status": "approved",
            },
            headers=headers,
        )
        assert resp.status_code == 201, resp.get_json()


def _publish_new(app: Flask) -> str:
    from backend.services import model_lifecycle as commands

    # Explicit names: the default (a timestamp to the second) repeats within one second.
    result = commands.fit(f"v-test-{uuid.uuid4().hex[:12]}", None, 200)
    commands.publish(result.version, force=True)
    return result.version


def _serving_fresh_worker(app: Flask) -> None:
    """What a newly started (or recycled) worker does: build its recommender state afresh from
    the configuration (a test may have pointed ARTIFACTS_DIR elsewhere since the state was made:
    the embedding task that an article's commit runs creates it)."""
    from backend.services.recommender_runtime import EXTENSION_KEY, runtime

    app.extensions.pop(EXTENSION_KEY, None)
    runtime(app)


def _suggest(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    resp = client.post(
        "/api/v1/suggestions",
        json={"context": {"page_type": "post", "text": "grid and energy"}},
        headers=headers,
    )
    assert resp.status_code == 200, resp.get_json()
    return dict(resp.get_json())


@pytest.fixture
def published(
    app: Flask, client: FlaskClient, content_headers: dict[str, str]
) -> Iterator[ArtifactStore]:
    _articles(client, content_headers)
    _publish_new(app)
    yield ArtifactStore(app.config["ARTIFACTS_DIR"])


@pytest.mark.parametrize("damage", ["delete", "corrupt", "truncate_manifest"])
def test_active_artifact_damaged_falls_back_then_publish_recovers(
    app: Flask,
    client: FlaskClient,
    published: ArtifactStore,
    employee_headers: dict[str, str],
    damage: str,
) -> None:
    version = published.active()
    assert version is not None
    _serving_fresh_worker(app)
    ok = _suggest(client, employee_headers)
    assert ok["model_version"] == version and ok["degraded"] is False

    path = published.path_for(version)
    if damage == "delete":
        shutil.rmtree(path)
    elif damage == "corrupt":
        target = path / "embeddings.npy"
        data = bytearray(target.read_bytes())
        data[-1] ^= 0xFF
        target.write_bytes(bytes(data))
    else:
        (path / "manifest.json").write_text("{not json")
    _serving_fresh_worker(app)

    degraded = _suggest(client, employee_headers)
    assert degraded["degraded"] is True
    assert degraded["model_version"] == "fallback"
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["Retry-After"]
    assert any(version in r for r in ready.get_json()["reasons"]), ready.get_json()

    new_version = _publish_new(app)  # publishing a new version recovers, with no restart
    deadline = time.monotonic() + 10  # workers look at ACTIVE about once a second
    recovered = _suggest(client, employee_headers)
    while recovered["degraded"] and time.monotonic() < deadline:
        time.sleep(0.25)
        recovered = _suggest(client, employee_headers)
    assert recovered["degraded"] is False
    assert recovered["model_version"] == new_version


def _run_killed(app: Flask, when: str) -> subprocess.CompletedProcess[str]:
    """Run fit + publish in a child process that SIGKILLs itself at ``when``."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        import numpy as np
        from recommender import artifacts

        WHEN = {when!r}
        real_save = np.save
        saved = []

        def save(path, *a, **kw):
            real_save(path, *a, **kw)
            saved.append(path)
            if WHEN == "mid-save" and len(saved) == 1:
                os.kill(os.getpid(), signal.SIGKILL)

        np.save = save
        artifacts.np.save = save

        from backend import create_app
        from backend.services import model_lifecycle as commands

        def activate(*a, **kw):
            # The pointer every node reads is the database's row: killed just before it moves.
            os.kill(os.getpid(), signal.SIGKILL)

        if WHEN == "before-activate":
            commands._activate = activate

        app = create_app({{
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": {app.config["SQLALCHEMY_DATABASE_URI"]!r},
            "SECRET_KEY": "x" * 40,
            "ARTIFACTS_DIR": {app.config["ARTIFACTS_DIR"]!r},
            "ENCODER": {app.config["ENCODER"]!r},
            "RECOMMENDER_WARMUP": False,
        }})
        with app.app_context():
            result = commands.fit("v-killed-" + WHEN, None, 200)
            commands.publish(result.version, force=True)
        print("completed")
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("when", ["mid-save", "before-activate"])
def test_publish_killed_half_way_leaves_previous_version_active_and_intact(
    app: Flask,
    client: FlaskClient,
    published: ArtifactStore,
    employee_headers: dict[str, str],
    when: str,
) -> None:
    before = published.active()
    assert before is not None
    manifest_before = published.read_manifest(before)
    versions_before = published.list_versions()

    from backend.extensions import db

    db.session.commit()  # the child reads the same database
    done = _run_killed(app, when)
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr[-2000:])
    assert "completed" not in done.stdout

    assert published.active() == before
    from backend.services.recommender_runtime import active_version

    db.session.expire_all()
    assert active_version() == before
    assert published.read_manifest(before) == manifest_before
    published.load(before)  # every checksum still matches
    if when == "mid-save":
        # The half-written directory is a hidden temp dir, never listed as a version.
        assert published.list_versions() == versions_before
    _serving_fresh_worker(app)
    served = _suggest(client, employee_headers)
    assert served["model_version"] == before and served["degraded"] is False


@pytest.fixture
def tiny_artifacts_disk(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs for the artifacts (real ENOSPC); skipped where mounting is not allowed."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_publish_fails_clearly_and_activates_nothing(
    app: Flask,
    client: FlaskClient,
    content_headers: dict[str, str],
    employee_headers: dict[str, str],
    tiny_artifacts_disk: Path,
) -> None:
    _articles(client, content_headers, n=4)
    app.config["ARTIFACTS_DIR"] = str(tiny_artifacts_disk)
    store = ArtifactStore(tiny_artifacts_disk)
    first = _publish_new(app)  # fits in 1 MiB
    # Fill the disk, leaving a few bytes.
    filler = tiny_artifacts_disk / "filler"
    with filler.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError:
            pass

    from backend.services import model_lifecycle as commands

    with pytest.raises((ArtifactError, RecommenderError, OSError)) as info:
        _publish_new(app)
    message = str(info.value).lower()
    assert "space" in message or "disk" in message or "full" in message, message
    assert store.active() == first
    store.load(first)
    assert store.list_versions() == [first]
    assert not [p for p in (tiny_artifacts_disk / "versions").iterdir() if p.name != first] or all(
        p.name.startswith(".")
        for p in (tiny_artifacts_disk / "versions").iterdir()
        if p.name != first
    )
    _serving_fresh_worker(app)
    served = _suggest(client, employee_headers)
    assert served["model_version"] == first and not served["degraded"]
    _ = commands
    _ = ACTIVE


def test_a_missing_active_file_is_degraded_and_not_ready(
    app: Flask,
    client: FlaskClient,
    published: ArtifactStore,
    employee_headers: dict[str, str],
) -> None:
    """Issue #13: with published versions but no active pointer (no ACTIVE file and, since the
    pointer moved into the database, no active row either: a bad restore) the worker used to
    serve the untrained default and report ready."""
    import sqlalchemy as sa

    from backend.extensions import db
    from backend.models import ModelVersion

    (published.root / "ACTIVE").unlink()
    db.session.execute(
        sa.update(ModelVersion).where(ModelVersion.status == "active").values(status="retired")
    )
    db.session.commit()
    _serving_fresh_worker(app)
    served = _suggest(client, employee_headers)
    assert served["degraded"] is True and served["model_version"] == "fallback"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert any("no ACTIVE file" in r for r in ready.get_json()["reasons"]), ready.get_json()


def test_a_corrupt_encoder_export_is_rebuilt_in_the_background_not_in_the_request(
    app: Flask,
    client: FlaskClient,
    content_headers: dict[str, str],
    employee_headers: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue #13: a corrupt cached ONNX export was rebuilt inside the suggestion request (~19 s,
    past the extension's 15 s timeout). The build is held on an Event here: the request must
    answer degraded (lexical/popularity ranking) while the build still runs in another thread."""
    import threading

    from backend.services.recommender_runtime import EXTENSION_KEY, runtime
    from recommender import onnx_export as ox

    _articles(client, content_headers)
    cache = tmp_path / "encoders"
    corrupt = ox.export_dir(cache)
    corrupt.mkdir(parents=True)
    (corrupt / ox.MODEL_FILE).write_bytes(b"not an onnx model")
    (corrupt / ox.TOKENIZER_FILE).write_text("{}")
    (corrupt / "export.json").write_text('{"model_sha256": "0", "tokenizer_sha256": "0"}')
    app.config.update(ENCODER="minilm-onnx", MODEL_CACHE_DIR=str(cache))
    app.extensions.pop(EXTENSION_KEY, None)  # a fresh worker with this configuration

    release, started = threading.Event(), threading.Event()
    builders: list[threading.Thread] = []

    def held_build(out_dir: Path, model: str = "minilm") -> None:  # builds nothing: fails to verify
        builders.append(threading.current_thread())
        started.set()
        release.wait(timeout=10)

    monkeypatch.setattr(ox, "_build_in_child", held_build)
    try:
        served = _suggest(client, employee_headers)
        assert started.wait(timeout=10), "the corrupt export was not rebuilt"
        assert builders == [runtime(app).encoder_builder]
        assert builders[0] is not threading.current_thread()  # the test client's request thread
        assert builders[0].is_alive()  # the request answered while the build was still held
        assert served["degraded"] is True and served["model_version"] == "fallback"
        assert served["items"], served  # still ranked (lexical relevance, popularity)
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert any("being built" in r for r in ready.get_json()["reasons"]), ready.get_json()
        assert _suggest(client, employee_headers)["degraded"] is True  # no second build
        assert len(builders) == 1
    finally:
        release.set()
    builders[0].join(timeout=10)
    assert not builders[0].is_alive()
    # The build's end makes the next request check the model again (no waiting for the interval).
    again = client.get("/readyz").get_json()
    assert any("build failed" in r for r in again["reasons"]), again
    assert len(builders) == 1  # a failed build is not retried on every request
