"""The console's jobs (backend/console/jobs.py over backend/tasks.py): progress, result, failure
and retry of a failed job."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from backend import tasks
from backend.console import jobs
from tests.console.conftest import Poster

CALLS: list[str] = []


@pytest.fixture
def flaky_kind() -> Iterator[str]:
    def steps(params: dict[str, Any]) -> list[tasks.Step]:
        def step(progress: tasks.Progress) -> None:
            if "fixed" not in CALLS:
                raise RuntimeError("the receiver is down")
            progress.result(answer=42)

        return [("flaky", step)]

    tasks.JOB_KINDS["flaky-console"] = steps
    CALLS.clear()
    yield "flaky-console"
    tasks.JOB_KINDS.pop("flaky-console", None)


def test_console_shows_failure_and_retries(
    console: FlaskClient, post: Poster, flaky_kind: str
) -> None:
    job_id = tasks.enqueue_job(flaky_kind, {}, None)
    html = console.get("/console/recommender").get_data(as_text=True)
    assert "the receiver is down" in html
    assert f"/console/recommender/jobs/{job_id}/retry" in html
    CALLS.append("fixed")
    resp = post(f"/console/recommender/jobs/{job_id}/retry")
    assert resp.status_code == 302
    data = jobs.read_job(job_id)
    assert data is not None and data["status"] == "done" and data["progress"] == 1.0
    html = console.get("/console/recommender").get_data(as_text=True)
    assert f"/console/recommender/jobs/{job_id}/retry" not in html
    assert post("/console/recommender/jobs/999999/retry").status_code == 404
    assert post("/console/recommender/jobs/x/retry").status_code == 404
