"""The task queue (backend/tasks.py): job rows, claims, failure and retry, recovery of jobs whose
worker died, and the queue carrying only the job id (Huey's memory storage standing in for Redis;
the real Redis/SQLite storages run in tests/multinode); the work a web request hands to the worker
instead of doing it (embedding a new article, refitting co-engagement), run by a real Huey
consumer."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from backend import tasks
from backend.extensions import db
from backend.models import Article, ArticleEmbedding, CoEngagementFit, Employee, Job, utcnow
from backend.services import co_engagement, suggestions
from backend.services import recommender_runtime as rt_mod

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


# --- work a request hands to the worker ---------------------------------------------------------


@pytest.fixture
def sqlite_queue(app: Flask, tmp_path: Path) -> Iterator[None]:
    """The queue ``make run`` uses: Huey's SQLite storage in a file."""
    tasks.configure(f"sqlite:///{tmp_path / 'tasks.db'}")
    try:
        yield
    finally:
        tasks.configure(tasks.queue_url(app))


def _queued() -> list[str]:
    return [t.name for t in tasks.huey.pending()]


def _wait(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if condition():
            return True
        time.sleep(0.1)
    return False


def _n_embeddings() -> int:
    return db.session.scalar(sa.select(sa.func.count(ArticleEmbedding.id))) or 0


def test_an_article_created_through_the_api_is_embedded_by_the_worker(
    app: Flask,
    client: Any,
    sqlite_queue: None,
    headers_for: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rt_mod, "CATALOG_CHECK_INTERVAL_S", 0.0)
    content, employee = headers_for("content"), headers_for("employee")
    body = {
        "canonical_url": "https://example.com/zero-trust",
        "title": "Rolling out zero trust: identity checks for every device",
        "status": "approved",
    }
    created = client.post("/api/v1/articles", json=body, headers=content)
    assert created.status_code == 201, created.json
    article_id = created.json["id"]
    # The commit queued the embedding; an edit before the worker ran queues nothing more.
    assert _queued() == ["embed_new_articles"]
    edited = client.patch(
        f"/api/v1/articles/{article_id}",
        json={"summary": "Zero trust for hybrid work"},
        headers=content,
    )
    assert edited.status_code == 200, edited.json
    assert _queued() == ["embed_new_articles"]
    # Suggestible at once, with no vector yet: the request serves it and embeds nothing.
    for _ in range(2):
        items = client.post("/api/v1/suggestions", json={}, headers=employee).json["items"]
        assert [i["article_id"] for i in items] == [article_id]
    assert _n_embeddings() == 0, "a web request embedded the article"
    state = rt_mod.runtime(app).catalog
    assert state is not None and not state.catalog.embeddings.any()
    consumer = tasks.start_consumer_threads()  # a real Huey consumer: what `flask worker` runs
    try:
        assert _wait(lambda: _n_embeddings() == 1), "the worker did not embed the article"
    finally:
        consumer.stop(graceful=True)
    assert _queued() == []
    stored = db.session.scalars(sa.select(ArticleEmbedding)).one()
    assert stored.article_id == article_id
    assert stored.content_hash == rt_mod.content_hash(
        rt_mod.article_embedding_text(db.session.get_one(Article, article_id)), stored.encoder
    ), "the embedding is of the edited text"
    # The next catalog check picks the vector up.
    items = client.post("/api/v1/suggestions", json={}, headers=employee).json["items"]
    assert [i["article_id"] for i in items] == [article_id]
    state = rt_mod.runtime(app).catalog
    assert state is not None and state.catalog.embeddings.any(), "the vector is in the catalog"


def _article(title: str) -> Article:
    article = Article(
        canonical_url=f"https://example.com/{title.lower().replace(' ', '-')}",
        title=title,
        status="approved",
        approved_at=utcnow(),
    )
    db.session.add(article)
    db.session.commit()
    return article


def _engage(employee: Employee, *articles: Article) -> None:
    for article in articles:
        db.session.add(
            suggestions.EngagementEvent(
                employee_id=employee.id, article_id=article.id, type="opened"
            )
        )
    db.session.commit()


def test_a_suggestion_never_refits_co_engagement_in_the_request(
    app: Flask,
    client: Any,
    sqlite_queue: None,
    make_employee: Callable[..., Employee],
    token_for: Callable[[Employee, str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fits: list[str] = []
    original = co_engagement.fit_index

    def counted(*args: Any, **kwargs: Any) -> Any:
        fits.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(co_engagement, "fit_index", counted)
    a, b, c = _article("Zero trust"), _article("NIS2"), _article("FinOps")
    me = make_employee(department=None, job_title=None)  # no colleague-count fallback
    for _ in range(3):
        _engage(make_employee(department=None, job_title=None), a, b)
    _engage(me, a)
    headers = {"Authorization": f"Bearer {token_for(me, 'employee')}"}
    assert suggestions.peer_engagement(me, utcnow()) == {}, "nothing fitted yet: no scores"
    for _ in range(2):
        assert client.post("/api/v1/suggestions", json={}, headers=headers).status_code == 200
    assert fits == [], "a request fitted co-engagement"
    assert _queued().count("fit_co_engagement") == 1, "one refit queued however often asked"
    consumer = tasks.start_consumer_threads()
    try:
        assert _wait(lambda: (db.session.scalar(sa.select(sa.func.count(CoEngagementFit.id))) or 0)
                     == 1), "the worker did not fit"  # fmt: skip
    finally:
        consumer.stop(graceful=True)
    assert len(fits) == 1 and fits[0] != threading.current_thread().name
    # The stored fit is what the request path now serves: b co-engaged with a, c with nothing.
    scores = suggestions.peer_engagement(me, utcnow())
    assert scores.get(b.id, 0.0) > 0.0 and c.id not in scores
    assert len(fits) == 1, "serving the stored fit fitted nothing"


def test_a_lock_left_by_a_killed_worker_is_flushed_when_a_worker_starts(
    app: Flask, real_queue: None
) -> None:
    # A worker killed (kill -9) inside embedding or a co-engagement fit leaves its lock set in the
    # queue's storage; the consumer starts with flush_locks, which clears the locks it knows of.
    tasks.EMBED_LOCK.acquire()
    tasks.CO_ENGAGEMENT_LOCK.acquire()
    assert {"herald-embed", "herald-co-engagement"} <= tasks.huey.flush_locks()
    tasks.CO_ENGAGEMENT_LOCK.acquire()  # free again: acquiring does not raise
    tasks.CO_ENGAGEMENT_LOCK.release()
