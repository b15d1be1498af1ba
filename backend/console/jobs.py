"""Background retraining for the console: a thread runs the model-lifecycle service
(``backend.services.model_lifecycle``: embed → fit → evaluate, the functions ``python -m
training`` runs too) inside an app context, so it uses exactly the app's configuration and
database.

Progress lives in a JSON file per job under ``ARTIFACTS_DIR/console/jobs/`` so every worker
process can show it; evaluation results are kept per version under
``ARTIFACTS_DIR/console/evaluations/`` for the report page. A job whose file has not been
updated for ``STALE_AFTER`` (its worker died) is shown as failed. One job runs at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import tempfile
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from backend.models import utcnow
from backend.services import model_lifecycle

STALE_AFTER = dt.timedelta(minutes=30)
MAX_LOG_LINES = 200
_JOB_ID = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{6}$")
_threads: dict[str, threading.Thread] = {}
_start_lock = threading.Lock()


class JobBusy(RuntimeError):
    """Another retraining job is still running."""


def console_dir(app: Flask | None = None) -> Path:
    cfg = (app or current_app).config
    return Path(cfg["ARTIFACTS_DIR"]) / "console"


def _jobs_dir(app: Flask | None = None) -> Path:
    return console_dir(app) / "jobs"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


def read_job(job_id: str, app: Flask | None = None) -> dict[str, Any] | None:
    if not _JOB_ID.match(job_id):
        return None
    path = _jobs_dir(app) / f"{job_id}.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("status") in ("queued", "running"):
        updated = dt.datetime.fromisoformat(data["updated_at"])
        if utcnow() - updated > STALE_AFTER:
            data["status"] = "failed"
            data["error"] = "the worker running this job stopped"
    return data


def list_jobs(limit: int = 10, app: Flask | None = None) -> list[dict[str, Any]]:
    folder = _jobs_dir(app)
    if not folder.is_dir():
        return []
    ids = sorted((p.stem for p in folder.glob("*.json")), reverse=True)[:limit]
    return [job for job in (read_job(i, app) for i in ids) if job is not None]


def running_job(app: Flask | None = None) -> dict[str, Any] | None:
    for job in list_jobs(5, app):
        if job["status"] in ("queued", "running"):
            return job
    return None


class _Progress:
    def __init__(self, app: Flask, job: dict[str, Any]) -> None:
        self.app = app
        self.job = job
        self.path = _jobs_dir(app) / f"{job['id']}.json"

    def update(self, **changes: Any) -> None:
        self.job.update(changes)
        self.job["updated_at"] = utcnow().isoformat()
        _write_json(self.path, self.job)

    def log(self, line: str) -> None:
        self.job["log"] = [*self.job.get("log", []), line][-MAX_LOG_LINES:]
        self.update()


Step = tuple[str, Callable[[_Progress], None]]


def _run(app: Flask, progress: _Progress, steps: list[Step]) -> None:
    with app.app_context():
        from backend.extensions import db

        try:
            progress.update(status="running")
            for i, (name, fn) in enumerate(steps):
                progress.update(step=name, progress=i / len(steps))
                progress.log(f"{name} …")
                fn(progress)
            progress.update(status="done", progress=1.0, step="")
            progress.log("done")
        except Exception as exc:  # noqa: BLE001 - the job reports whatever stopped it
            db.session.rollback()
            progress.log("".join(traceback.format_exception_only(type(exc), exc)).strip())
            progress.update(status="failed", error=str(exc))
        finally:
            db.session.remove()


def start(kind: str, steps: list[Step], actor_id: int | None, params: dict[str, Any]) -> str:
    """Start a job in a thread; raises JobBusy if one is running."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with _start_lock:
        if running_job(app) is not None:
            raise JobBusy("a retraining job is already running")
        now = utcnow()
        job_id = now.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        job: dict[str, Any] = {
            "id": job_id,
            "kind": kind,
            "status": "queued",
            "step": "",
            "steps": [name for name, _ in steps],
            "progress": 0.0,
            "log": [],
            "error": None,
            "result": {},
            "params": params,
            "actor_id": actor_id,
            "created_at": now.isoformat(),
            "updated_at": now.isoformat(),
        }
        progress = _Progress(app, job)
        progress.update()
        thread = threading.Thread(
            target=_run, args=(app, progress, steps), name=f"console-job-{job_id}", daemon=True
        )
        _threads[job_id] = thread
        thread.start()
    return job_id


def wait(job_id: str, timeout: float | None = None) -> None:
    """Block until the job's thread (in this process) finishes; for tests and the CLI."""
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


# --- the retraining pipeline -----------------------------------------------------------------


def evaluation_path(version: str, app: Flask | None = None) -> Path:
    from recommender.artifacts import check_version_name

    return console_dir(app) / "evaluations" / f"{check_version_name(version)}.json"


def read_evaluation(version: str) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(evaluation_path(version).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def _embed(progress: _Progress) -> None:
    n = model_lifecycle.embed()
    progress.log(f"embedded {n} new or changed articles")


def _fit(min_samples: int) -> Callable[[_Progress], None]:
    def step(progress: _Progress) -> None:
        result = model_lifecycle.fit(min_samples=min_samples)
        kind = "fixed default weights (too little data)" if result.fallback else "learned"
        progress.job["result"]["version"] = result.version
        progress.log(f"saved candidate {result.version} ({kind})")

    return step


def _evaluate(version: str | None) -> Callable[[_Progress], None]:
    def step(progress: _Progress) -> None:
        name = version or progress.job["result"].get("version")
        if not name:
            raise RuntimeError("nothing to evaluate: the fit step saved no version")
        ev = model_lifecycle.evaluate(name)
        data = {**ev.to_dict(), "evaluated_at": utcnow().isoformat()}
        _write_json(evaluation_path(name), data)
        progress.job["result"]["version"] = name
        progress.log(ev.sentence)

    return step


def start_retrain(actor_id: int | None, min_samples: int = 200) -> str:
    steps: list[Step] = [
        ("embed", _embed),
        ("fit", _fit(min_samples)),
        ("evaluate", _evaluate(None)),
    ]
    return start("retrain", steps, actor_id, {"min_samples": min_samples})


def start_evaluation(version: str, actor_id: int | None) -> str:
    return start("evaluate", [("evaluate", _evaluate(version))], actor_id, {"version": version})
