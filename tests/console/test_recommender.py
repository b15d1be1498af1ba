"""Recommender page: retrain in the background, evaluation report, publish (refused when worse
unless confirmed), rollback, never-suggested articles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.console import jobs
from backend.demo import load_demo
from backend.extensions import db
from backend.models import Article, ModelVersion, utcnow


@pytest.fixture
def demo(app: Flask) -> None:
    load_demo()


def _wait(console: FlaskClient, job_id: str) -> dict[str, Any]:
    jobs.wait(job_id, timeout=300)
    resp = console.get(f"/console/recommender/jobs/{job_id}")
    assert resp.status_code == 200
    data = resp.json
    assert data is not None
    return data


def _latest_job_id() -> str:
    return jobs.list_jobs(1)[0]["id"]


def test_empty_recommender_page(console: FlaskClient) -> None:
    html = console.get("/console/recommender").get_data(as_text=True)
    assert "No model versions yet." in html
    assert "Retrain now" in html
    assert "Every approved article can be suggested." in html


def test_never_suggested_reasons(console: FlaskClient, make_employee: Any) -> None:
    make_employee(languages=["en"])
    old = utcnow() - dt.timedelta(days=40)
    db.session.add_all(
        [
            Article(
                canonical_url="https://n.example/expired",
                title="Expired one",
                status="approved",
                expires_at=utcnow() - dt.timedelta(days=1),
            ),
            Article(
                canonical_url="https://n.example/de",
                title="Nur auf Deutsch",
                language="de",
                status="approved",
            ),
            Article(
                canonical_url="https://n.example/old",
                title="Never shown",
                status="approved",
                approved_at=old,
                created_at=old,
            ),
            Article(canonical_url="https://n.example/draft", title="A draft"),
        ]
    )
    db.session.commit()
    html = console.get("/console/recommender").get_data(as_text=True)
    section = html.split('id="never"', 1)[1]
    assert "Expired one" in section and "Expired" in section
    assert "Nur auf Deutsch" in section and "No active employee reads its language" in section
    # Not in the serving encoder's catalog yet: that reason comes first.
    assert "Never shown" in section and "Not embedded for the serving encoder" in section
    assert "A draft" not in section and "1 drafts" in section


def test_retrain_evaluate_publish_and_rollback(
    console: FlaskClient, post: Any, demo: None, content_headers: dict[str, str]
) -> None:
    resp = post("/console/recommender/retrain")
    assert resp.status_code == 302
    job = _wait(console, _latest_job_id())
    assert job["status"] == "done", job
    assert job["steps"] == ["embed", "fit", "evaluate"] and job["progress"] == 1.0
    first = job["result"]["version"]
    assert db.session.scalar(select(ModelVersion).where(ModelVersion.version == first))

    html = console.get(f"/console/recommender/versions/{first}").get_data(as_text=True)
    assert 'id="evaluation"' in html and "candidate " + first in html
    assert "default weights" in html  # a baseline row
    plot = html.split('<img src="', 1)[1].split('"', 1)[0]
    png = console.get(plot)
    data = png.data
    png.close()
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert data[:8] == b"\x89PNG\r\n\x1a\n"

    resp = post(f"/console/recommender/versions/{first}/publish")
    assert resp.status_code == 302
    html = console.get("/console/recommender").get_data(as_text=True)
    assert f'id="active-version">{first}<' in html
    api = console.get("/api/v1/models", headers=content_headers)
    if api.status_code == 200:
        assert api.json["active"] == first  # type: ignore[index]

    # A second candidate; publishing it may be refused when worse, then forced.
    post("/console/recommender/retrain")
    second = _wait(console, _latest_job_id())["result"]["version"]
    assert second != first
    resp = post(f"/console/recommender/versions/{second}/publish", {"confirm_worse": "yes"})
    assert resp.status_code == 302
    assert f'id="active-version">{second}<' in console.get("/console/recommender").get_data(
        as_text=True
    )
    resp = post("/console/recommender/rollback")
    assert resp.status_code == 302
    html = console.get("/console/recommender").get_data(as_text=True)
    assert f'id="active-version">{first}<' in html
    assert "Rolled back." in html


def test_publish_refuses_a_worse_candidate(
    console: FlaskClient, post: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recommender.errors import RecommenderError
    from training import commands

    db.session.add(ModelVersion(version="20260101-000000", encoder="hashing"))
    db.session.commit()

    def refuse(version: str, force: bool = False) -> str:
        if not force:
            raise commands.CommandError(f"refusing to publish {version}: ndcg@5 is worse")
        return "published"

    assert issubclass(commands.CommandError, RecommenderError)
    monkeypatch.setattr(commands, "publish", refuse)
    resp = post("/console/recommender/versions/20260101-000000/publish")
    html = console.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Not published: refusing to publish 20260101-000000" in html
    resp = post("/console/recommender/versions/20260101-000000/publish", {"confirm_worse": "yes"})
    assert "is now active" in console.get(resp.headers["Location"]).get_data(as_text=True)


def test_rollback_without_history_is_explained(console: FlaskClient, post: Any) -> None:
    resp = post("/console/recommender/rollback")
    html = console.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Not rolled back: nothing to roll back to" in html


def test_one_job_at_a_time_and_unknown_job(console: FlaskClient, app: Flask) -> None:
    assert console.get("/console/recommender/jobs/nope").status_code == 404
    assert console.get("/console/recommender/versions/nope").status_code == 404
    assert console.get("/console/recommender/versions/x/plots/..%2Fsecret.png").status_code == 404


def test_failed_job_is_reported(console: FlaskClient, post: Any, monkeypatch: Any) -> None:
    from training import commands

    def boom(*args: Any, **kw: Any) -> int:
        raise RuntimeError("encoder exploded")

    monkeypatch.setattr(commands, "embed", boom)
    post("/console/recommender/retrain")
    job = _wait(console, _latest_job_id())
    assert job["status"] == "failed" and "encoder exploded" in job["error"]
    assert "failed" in console.get("/console/recommender").get_data(as_text=True)
