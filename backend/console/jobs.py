"""The console's view of background jobs: rows of ``jobs``, run by the task queue (tasks.py).

Retraining and evaluation are queued here and run by ``flask worker`` (``make worker``) on
whichever node has one; every node's console reads the same rows, so progress, result and failure
show wherever the content team looks. A failed job can be retried. Evaluation results are kept in
the job's result (``result.evaluation``), so the report page needs no shared disk.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from backend import tasks
from backend.extensions import db
from backend.models import Job

JobBusy = tasks.JobBusy
JobError = tasks.JobError


def _as_dict(job: Job) -> dict[str, Any]:
    return {
        "id": str(job.id),
        "kind": job.kind,
        "status": job.status,
        "step": job.step or "",
        "steps": list(job.steps or []),
        "progress": float(job.progress or 0.0),
        "log": list(job.log or []),
        "error": job.error,
        "result": {k: v for k, v in (job.result or {}).items() if k != "evaluation"},
        "params": dict(job.params or {}),
        "actor_id": job.actor_id,
        "attempts": job.attempts,
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
        "can_retry": job.status == "failed",
    }


def _job_id(job_id: str | int) -> int | None:
    try:
        value = int(job_id)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None


def read_job(job_id: str | int) -> dict[str, Any] | None:
    key = _job_id(job_id)
    if key is None:
        return None
    job = db.session.get(Job, key)
    return _as_dict(job) if job is not None else None


def list_jobs(limit: int = 10) -> list[dict[str, Any]]:
    rows = db.session.scalars(sa.select(Job).order_by(Job.id.desc()).limit(limit)).all()
    return [_as_dict(job) for job in rows]


def running_job() -> dict[str, Any] | None:
    job = db.session.scalar(
        sa.select(Job)
        .where(Job.kind.in_(tasks.EXCLUSIVE), Job.status.in_(("queued", "running")))
        .order_by(Job.id.desc())
        .limit(1)
    )
    return _as_dict(job) if job is not None else None


def start_retrain(actor_id: int | None, min_samples: int = 200) -> str:
    return str(tasks.enqueue_job("retrain", {"min_samples": min_samples}, actor_id))


def start_evaluation(version: str, actor_id: int | None) -> str:
    from recommender.artifacts import check_version_name

    return str(tasks.enqueue_job("evaluate", {"version": check_version_name(version)}, actor_id))


def retry(job_id: str | int) -> str:
    key = _job_id(job_id)
    if key is None:
        raise JobError(f"no job {job_id}")
    return str(tasks.retry_job(key))


def wait(job_id: str | int, timeout: float | None = None) -> dict[str, Any] | None:
    """Block until the job is done or failed (polling its row); for tests and the CLI."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        db.session.expire_all()
        job = read_job(job_id)
        if job is None or job["status"] in ("done", "failed"):
            return job
        if deadline is not None and time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def read_evaluation(version: str) -> dict[str, Any] | None:
    """The latest evaluation of ``version`` that a job recorded."""
    rows = db.session.scalars(
        sa.select(Job)
        .where(Job.kind.in_(("retrain", "evaluate")), Job.status == "done")
        .order_by(Job.id.desc())
        .limit(200)
    )
    for job in rows:
        evaluation = (job.result or {}).get("evaluation")
        if isinstance(evaluation, dict) and evaluation.get("version") == version:
            return evaluation
    return None
