"""The task queue (backend/tasks.py): job rows, claims, failure and retry, recovery of jobs whose
worker died, and the queue carrying only the job id (Huey's memory storage standing in for Redis;
the real Redis/SQLite storages run in tests/multinode)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from backend import tasks
from backend.extensions import db
from backend.models import Job, utcnow

CALLS: list[str] = []


@pytest.fixture
def flaky_kind() -> Iterator[str]:
    """A job kind whose step fails until ``CALLS`` holds a "fixed" marker."""

    def steps(params: dict[str, Any]) -> list[tasks.Step]:
        def step(progress: tasks.Progress) -> None:
            CALLS.append("run")
            if "fixed" not in CALLS:
                raise RuntimeError("the receiver is down")
            progress.fraction(0.5)
            progress.result(answer=42)

        return [("flaky", step)]

    tasks.JOB_KINDS["flaky-test"] = steps
    CALLS.clear()
    yield "flaky-test"
    tasks.JOB_KINDS.pop("flaky-test", None)


@pytest.fixture
def real_queue(app: Flask) -> Iterator[None]:
    """Jobs go on a queue (memory storage) instead of running at once."""
    tasks.configure("memory://")
    try:
        yield
    finally:
        tasks.configure(tasks.queue_url(app))


def test_failed_job_records_error_and_retry_runs_it_again(app: Flask, flaky_kind: str) -> None:
    job_id = tasks.enqueue_job(flaky_kind, {}, None)
    job = db.session.get_one(Job, job_id)
    db.session.refresh(job)
    assert job.status == "failed"
    assert job.error == "the receiver is down"
    assert job.log[-1] == "RuntimeError: the receiver is down"
    CALLS.append("fixed")
    tasks.retry_job(job_id)
    db.session.refresh(job)
    assert job.status == "done" and job.result == {"answer": 42} and job.progress == 1.0
    assert job.attempts == 2
    assert "retry requested" in job.log


def test_only_a_failed_job_can_be_retried(app: Flask, flaky_kind: str) -> None:
    CALLS.append("fixed")
    job_id = tasks.enqueue_job(flaky_kind, {}, None)
    with pytest.raises(tasks.JobError, match=rf"job {job_id} is done; only a failed job"):
        tasks.retry_job(job_id)
    with pytest.raises(tasks.JobError, match="unknown job kind 'nope'"):
        tasks.enqueue_job("nope", {}, None)


def test_the_queue_carries_the_id_and_a_duplicate_message_is_harmless(
    app: Flask, real_queue: None
) -> None:
    job_id = tasks.enqueue_job("sleep", {"seconds": 0.1}, None)
    assert db.session.get_one(Job, job_id).status == "queued"
    assert tasks.huey.pending_count() == 1
    tasks.huey.execute(tasks.huey.dequeue())
    job = db.session.get_one(Job, job_id)
    db.session.refresh(job)
    assert job.status == "done" and job.result == {"slept": 0.1} and job.attempts == 1
    # The same id delivered twice (a recovery raced the original): the second claim fails.
    assert tasks.execute_job(job_id) == "skipped"
    db.session.refresh(job)
    assert job.attempts == 1


def test_retraining_jobs_are_exclusive(app: Flask, real_queue: None) -> None:
    tasks.enqueue_job("evaluate", {"version": "v1"}, None)
    with pytest.raises(tasks.JobBusy, match="already running"):
        tasks.enqueue_job("retrain", {}, None)
    tasks.enqueue_job("sleep", {"seconds": 0}, None)  # other kinds are not held up


def test_a_job_whose_worker_died_is_run_again(app: Flask, real_queue: None) -> None:
    old = utcnow() - dt.timedelta(minutes=5)
    dead = Job(kind="sleep", params={"seconds": 0}, status="running", attempts=1, updated_at=old)
    alive = Job(kind="sleep", params={"seconds": 0}, status="running", attempts=1)
    db.session.add_all([dead, alive])
    db.session.commit()
    recovered = tasks.recover_stale_jobs(dt.timedelta(seconds=60))
    assert recovered == [dead.id]
    assert tasks.huey.pending_count() == 1
    tasks.huey.execute(tasks.huey.dequeue())
    db.session.expire_all()
    assert db.session.get_one(Job, dead.id).status == "done"
    assert db.session.get_one(Job, dead.id).attempts == 2
    assert "the worker stopped while running; running again" in db.session.get_one(Job, dead.id).log
    assert db.session.get_one(Job, alive.id).status == "running"


def test_queue_url_defaults(app: Flask) -> None:
    assert tasks.queue_url(app) == "immediate://"  # TESTING without a URL
    prod = Flask("x", instance_path="/srv/herald/instance")
    prod.config["TASK_QUEUE_URL"] = None
    assert tasks.queue_url(prod) == "sqlite:////srv/herald/instance/tasks.db"
    prod.config["TASK_QUEUE_URL"] = "redis://127.0.0.1:6379/3"
    assert tasks.queue_url(prod) == "redis://127.0.0.1:6379/3"
    with pytest.raises(ValueError, match="use redis://, sqlite:/// or memory://"):
        tasks.configure("amqp://nope")
    assert tasks.huey.immediate  # a refused URL changes nothing
