"""Recommender page: retrain in the background, evaluation report, publish (refused when worse
unless confirmed), rollback, never-suggested articles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from backend.console import jobs, recommender_views
from backend.demo import load_demo
from backend.extensions import db
from backend.models import Article, ArticleEmbedding, ModelVersion, utcnow
from backend.services import model_evaluation as me
from backend.services import model_lifecycle


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
    # The commit queued their embedding (which the immediate test queue ran at once): drop it,
    # as if the worker had not got to them yet.
    db.session.execute(delete(ArticleEmbedding))
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
    assert 'id="evaluation"' in html and f"New model {first}" in html
    assert (
        "default weights" in html and "Random order" in html and "Matching the page alone" in html
    )
    evaluation = jobs.read_evaluation(first)
    assert evaluation is not None
    top3 = round(100 * next(m for m in evaluation["models"] if m["role"] == "candidate")["top3"])
    assert (
        "Out of 100 suggestions people acted on, this model would have put"
        f" {top3} in the top 3." in html
    )
    assert f"Measured on {evaluation['acted_on']} suggestions people opened" in html
    assert ("too few to tell the models apart" in html) == (evaluation["acted_on"] < 100)
    assert "Verdict: there is no active model to compare with" in html
    assert "ndcg@5" not in html and "coverage@5" not in html
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
    html = console.get(f"/console/recommender/versions/{second}").get_data(as_text=True)
    assert "the new model would have put" in html and "the current one" in html
    assert f'id="active-version">{second}<' in console.get("/console/recommender").get_data(
        as_text=True
    )
    resp = post("/console/recommender/rollback")
    assert resp.status_code == 302
    html = console.get("/console/recommender").get_data(as_text=True)
    assert f'id="active-version">{first}<' in html
    assert "Rolled back." in html


def _worse(version: str) -> me.Evaluation:
    """What the guard says about a candidate that is worse beyond noise (numbers by hand)."""
    cand = me.ModelMetrics("candidate " + version, "candidate", 0.55, (0.5, 0.6), 110, 0.7, 0.6)
    act = me.ModelMetrics("active v1", "active", 0.75, (0.7, 0.8), 150, 0.8, 0.7)
    diff = me.Difference(-40.0, -0.2, (-0.27, -0.13))
    verdict, sentence = me.verdict_for(version, "v1", 200, cand, act, diff)
    return me.Evaluation(version, "v1", None, 120, 200, [cand, act], diff, verdict, sentence)


def test_publish_refuses_a_worse_candidate_and_only_an_admin_overrides(
    app: Flask, console: FlaskClient, post: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = "20260101-000000"
    db.session.add(ModelVersion(version=version, encoder="hashing"))
    db.session.commit()

    def refuse(version: str, force: bool = False, actor_id: int | None = None) -> str:
        ev = _worse(version)
        assert ev.verdict == me.WORSE
        raise model_lifecycle.GuardRefused(f"Not publishing {version}. {ev.sentence}", ev)

    monkeypatch.setattr(model_lifecycle, "publish", refuse)
    resp = post(f"/console/recommender/versions/{version}/publish")
    html = console.get(resp.headers["Location"]).get_data(as_text=True)
    assert (
        "Not published: Out of 100 suggestions people acted on, the new model would have put 55"
        " in the top 3, the current one 75." in html
    )
    assert "the new model is worse beyond chance (-20 per 100, range -27 to -13)" in html
    # A content manager's override is refused by the service itself.
    resp = post(f"/console/recommender/versions/{version}/publish", {"confirm_worse": "yes"})
    html = console.get(resp.headers["Location"]).get_data(as_text=True)
    assert "only an admin can publish a model the guard refused" in html


def test_the_guard_verdict_in_danish(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "da"}):
        words = recommender_views.plain_words(_worse("v2").to_dict())
    assert words["headline"] == (
        "Ud af 100 forslag, som folk brugte, ville den nye model have sat 55 i top 3, den"
        " nuværende 75."
    )
    assert words["verdict_text"].startswith("Vurdering: den nye model er dårligere")
    assert "(-20 pr. 100, interval -27 til -13)" in words["verdict_text"]


def test_rollback_without_history_is_explained(console: FlaskClient, post: Any) -> None:
    resp = post("/console/recommender/rollback")
    html = console.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Not rolled back: nothing to roll back to" in html


def test_one_job_at_a_time_and_unknown_job(console: FlaskClient, app: Flask) -> None:
    assert console.get("/console/recommender/jobs/nope").status_code == 404
    assert console.get("/console/recommender/versions/nope").status_code == 404
    assert console.get("/console/recommender/versions/x/plots/..%2Fsecret.png").status_code == 404


def test_failed_job_is_reported(console: FlaskClient, post: Any, monkeypatch: Any) -> None:
    def boom(*args: Any, **kw: Any) -> int:
        raise RuntimeError("encoder exploded")

    monkeypatch.setattr(model_lifecycle, "embed", boom)
    post("/console/recommender/retrain")
    job = _wait(console, _latest_job_id())
    assert job["status"] == "failed" and "encoder exploded" in job["error"]
    assert "failed" in console.get("/console/recommender").get_data(as_text=True)
