"""Background work on a task queue: Huey, with SQLite storage by default and Redis in production.

Why Huey: it is maintained, small, has a SQLite storage (so ``make run`` needs no Redis: the web
process and ``flask worker`` share ``instance/tasks.db``) and a Redis one for several nodes, and it
schedules periodic tasks itself (no cron). Dramatiq and RQ need Redis or RabbitMQ even on a laptop.

What runs here:

* **Jobs the console shows** (retrain, evaluate, embed, import): a ``jobs`` row is the job's truth
  (status, step, progress, log, result, error); the queue carries only its id (``run_job``). The
  worker heartbeats the row while it runs. A job whose worker died (``kill -9``, a lost node) is
  found by ``recover_jobs`` (at worker start and every minute) once its heartbeat is older than
  ``JOB_STALE_AFTER_S`` and is run again; a claim (``queued`` → ``running`` in one UPDATE) makes a
  duplicate message harmless. A failed job can be retried from the console (``retry_job``).
* **Work the web asks for** (never done in a request): committing a new or edited article queues
  ``embed_new_articles``; a suggestion that finds the co-engagement model stale queues
  ``fit_co_engagement`` (backend/services/co_engagement.py) and serves the last fit meanwhile;
  committing a webhook delivery queues ``deliver_webhook`` for it, which re-schedules itself
  (Huey's ``RetryTask``) when the delivery schedule in ``backend/services/webhooks.py`` says the
  next attempt is due. Requests are coalesced and queued after the commit (backend/task_queue.py):
  one waiting task per kind however many processes ask, across nodes.
* **Periodic work**: a webhook sweep every minute (deliveries whose message was lost, e.g. the
  queue was unreachable at commit), embedding every minute (behind the on-commit request), click
  rollups hourly, retention daily, digests on Monday mornings.

``init_app`` points the queue (backend/task_queue.py) at ``TASK_QUEUE_URL`` (``redis://…``, ``sqlite:///path``,
``memory://``); under ``TESTING`` without a URL tasks run at once in the caller (Huey's immediate
mode), except webhook deliveries, which tests drive themselves (``webhooks.deliver_due``) rather
than have a request wait on a receiver. ``flask worker`` (backend/cli.py) runs the consumer
(``make worker``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from huey import crontab
from huey.exceptions import RetryTask

from backend import task_queue
from backend.extensions import db
from backend.models import Job, utcnow
from backend.task_queue import configure, enqueue_coalesced, huey, mark_started, queue_url
from backend.task_queue import context_app as _context_app

__all__ = ["configure", "enqueue_coalesced", "huey", "queue_url"]  # the queue, for callers

log = logging.getLogger("herald.tasks")

MAX_LOG_LINES = 200
HEARTBEAT_S = 5.0


class JobBusy(RuntimeError):
    """A job of the same family is still queued or running."""


class JobError(RuntimeError):
    """A job cannot be started or retried (message shown as is)."""


def init_app(app: Flask) -> None:
    if app.config.get("ENV") == "production" and not app.config.get("TASK_QUEUE_URL"):
        log.warning(
            "TASK_QUEUE_URL is not set: jobs queue in a SQLite file on this machine, which only a "
            "worker on the same machine sees; with several nodes set HERALD_TASK_QUEUE_URL=redis://"
        )
    task_queue.init_app(app)


# --- jobs -----------------------------------------------------------------------------------


class Progress:
    """What a step may report: progress within the job, log lines, result values."""

    def __init__(self, job: Job, n_steps: int) -> None:
        self.job = job
        self.n_steps = max(n_steps, 1)
        self.index = 0

    def _save(self) -> None:
        self.job.updated_at = utcnow()
        db.session.commit()

    def step(self, index: int, name: str) -> None:
        self.index = index
        self.job.step = name
        self.job.progress = index / self.n_steps
        self.log(f"{name} …")

    def fraction(self, done: float) -> None:
        """Progress inside the current step (0..1)."""
        self.job.progress = (self.index + max(0.0, min(done, 1.0))) / self.n_steps
        self._save()

    def log(self, line: str) -> None:
        self.job.log = [*(self.job.log or []), line][-MAX_LOG_LINES:]
        self._save()

    def result(self, **values: Any) -> None:
        self.job.result = {**(self.job.result or {}), **values}
        self._save()


Step = tuple[str, Callable[[Progress], None]]
JOB_KINDS: dict[str, Callable[[dict[str, Any]], list[Step]]] = {}
# Kinds of which one at a time may be queued or running (they write the same model store).
EXCLUSIVE = {"retrain", "evaluate"}


def job_kind(name: str) -> Callable[[Callable[[dict[str, Any]], list[Step]]], Any]:
    def register(fn: Callable[[dict[str, Any]], list[Step]]) -> Any:
        JOB_KINDS[name] = fn
        return fn

    return register


def enqueue_job(kind: str, params: dict[str, Any], actor_id: int | None) -> int:
    """Record a job and put it on the queue; returns its id."""
    if kind not in JOB_KINDS:
        raise JobError(f"unknown job kind {kind!r}")
    steps = [name for name, _ in JOB_KINDS[kind](params)]
    if kind in EXCLUSIVE:
        busy = db.session.scalar(
            sa.select(Job.id).where(Job.kind.in_(EXCLUSIVE), Job.status.in_(("queued", "running")))
        )
        if busy is not None:
            raise JobBusy("a retraining job is already running")
    job = Job(kind=kind, params=params, actor_id=actor_id, steps=steps, log=[], result={})
    db.session.add(job)
    db.session.flush()
    job_id = int(job.id)
    db.session.commit()  # and no read after it: the caller's next read sees what the job did
    run_job(job_id)
    return job_id


def retry_job(job_id: int) -> int:
    """Queue a failed job again (same kind and parameters, same row); returns its id."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise JobError(f"no job {job_id}")
    if job.status != "failed":
        raise JobError(f"job {job_id} is {job.status}; only a failed job can be retried")
    if job.kind in EXCLUSIVE:
        busy = db.session.scalar(
            sa.select(Job.id).where(
                Job.kind.in_(EXCLUSIVE), Job.status.in_(("queued", "running")), Job.id != job_id
            )
        )
        if busy is not None:
            raise JobBusy("a retraining job is already running")
    job.status, job.error, job.progress, job.step = "queued", None, 0.0, ""
    job.finished_at = None
    job.updated_at = utcnow()
    job.log = [*(job.log or []), "retry requested"][-MAX_LOG_LINES:]
    db.session.commit()
    run_job(job_id)
    return job_id


def _heartbeat(engine: sa.Engine, job_id: int, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_S):
        try:
            with engine.begin() as conn:
                conn.execute(
                    sa.update(Job)
                    .where(Job.id == job_id, Job.status == "running")
                    .values(updated_at=utcnow())
                )
        except sa.exc.SQLAlchemyError:
            log.warning("job %s: heartbeat failed", job_id, exc_info=True)


def execute_job(job_id: int) -> str:
    """Claim and run one job in this process (inside an app context); returns its final status."""
    claimed = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(
            status="running", started_at=utcnow(), updated_at=utcnow(), attempts=Job.attempts + 1
        )
    )
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return "skipped"  # another worker has it, or it finished: a duplicate message
    job = db.session.get_one(Job, job_id)
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(db.engine, job_id, stop), name=f"job-{job_id}-beat", daemon=True
    )
    beat.start()
    try:
        steps = JOB_KINDS[job.kind](dict(job.params or {}))
        progress = Progress(job, len(steps))
        for i, (name, fn) in enumerate(steps):
            progress.step(i, name)
            fn(progress)
        job.status, job.progress, job.step, job.finished_at = "done", 1.0, "", utcnow()
        progress.log("done")
    except Exception as exc:  # noqa: BLE001 - the job reports whatever stopped it
        db.session.rollback()
        job = db.session.get_one(Job, job_id)
        message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        job.log = [*(job.log or []), message][-MAX_LOG_LINES:]
        job.status, job.error, job.finished_at = "failed", str(exc) or message, utcnow()
        job.updated_at = utcnow()
        db.session.commit()
        log.warning("job %s (%s) failed: %s", job_id, job.kind, message)
    finally:
        stop.set()
    return str(job.status)


@huey.task()
def run_job(job_id: int) -> None:
    with _context_app().app_context():
        try:
            execute_job(job_id)
        finally:
            db.session.remove()


def recover_stale_jobs(stale_after: dt.timedelta | None = None) -> list[int]:
    """Queue again every job whose worker stopped (no heartbeat for ``stale_after``)."""
    if stale_after is None:
        stale_after = dt.timedelta(seconds=int(current_app.config.get("JOB_STALE_AFTER_S", 60)))
    cutoff = utcnow() - stale_after
    rows = db.session.scalars(
        sa.select(Job).where(Job.status.in_(("queued", "running")), Job.updated_at < cutoff)
    ).all()
    ids = []
    for job in rows:
        was = job.status
        job.status, job.updated_at = "queued", utcnow()
        job.log = [*(job.log or []), f"the worker stopped while {was}; running again"][
            -MAX_LOG_LINES:
        ]
        ids.append(int(job.id))
    db.session.commit()
    for job_id in ids:
        run_job(job_id)
    return ids


@huey.periodic_task(crontab(minute="*"))
def recover_jobs() -> None:
    with _context_app().app_context():
        try:
            recovered = recover_stale_jobs()
            if recovered:
                log.warning("re-queued jobs whose worker stopped: %s", recovered)
        finally:
            db.session.remove()


# --- job kinds: the model-lifecycle service's functions, as the CLI runs them -----------------


def _embed_step(progress: Progress) -> None:
    from backend.services import model_lifecycle

    n = model_lifecycle.embed()
    progress.result(embedded=n)
    progress.log(f"embedded {n} new or changed articles")


def _fit_step(min_samples: int) -> Callable[[Progress], None]:
    def step(progress: Progress) -> None:
        from backend.services import model_lifecycle

        result = model_lifecycle.fit(min_samples=min_samples)
        kind = "fixed default weights (too little data)" if result.fallback else "learned"
        progress.result(version=result.version)
        progress.log(f"saved candidate {result.version} ({kind})")

    return step


def _evaluate_step(version: str | None) -> Callable[[Progress], None]:
    def step(progress: Progress) -> None:
        from backend.services import model_lifecycle

        name = version or progress.job.result.get("version")
        if not name:
            raise JobError("nothing to evaluate: the fit step saved no version")
        ev = model_lifecycle.evaluate(name)
        evaluation = {**ev.to_dict(), "evaluated_at": utcnow().isoformat()}
        progress.result(version=name, evaluation=evaluation)
        progress.log(ev.sentence)

    return step


@job_kind("retrain")
def _retrain(params: dict[str, Any]) -> list[Step]:
    return [
        ("embed", _embed_step),
        ("fit", _fit_step(int(params.get("min_samples", 200)))),
        ("evaluate", _evaluate_step(None)),
    ]


@job_kind("evaluate")
def _evaluate(params: dict[str, Any]) -> list[Step]:
    return [("evaluate", _evaluate_step(str(params["version"])))]


@job_kind("embed")
def _embed(params: dict[str, Any]) -> list[Step]:
    return [("embed", _embed_step)]


def _import_step(params: dict[str, Any]) -> Callable[[Progress], None]:
    def step(progress: Progress) -> None:
        from backend.services import model_lifecycle

        report = model_lifecycle.import_file(
            Path(str(params["path"])), params.get("format"), params.get("language")
        )
        progress.result(summary=report.summary())
        progress.log(report.summary())

    return step


@job_kind("import")
def _import(params: dict[str, Any]) -> list[Step]:
    return [("import", _import_step(params))]


@job_kind("sleep")
def _sleep(params: dict[str, Any]) -> list[Step]:
    """A job that only waits ``seconds`` in small steps: for operators to check a worker."""

    def step(progress: Progress) -> None:
        import time

        total = float(params.get("seconds", 1.0))
        ticks = max(int(total / 0.5), 1)
        for i in range(ticks):
            time.sleep(total / ticks)
            progress.fraction((i + 1) / ticks)
        progress.result(slept=total)

    return [("sleep", step)]


# --- periodic work --------------------------------------------------------------------------


@huey.task()
def deliver_webhook(delivery_id: int) -> None:
    """Send one webhook delivery's due attempt; while it is pending, run again when the delivery
    schedule says the next attempt is due (Huey's ``RetryTask``: the backoff lives in the row, so
    a retry survives a worker restart in the queue's schedule and the sweep below)."""
    from backend.services import webhooks

    with _context_app().app_context():
        try:
            wait = webhooks.deliver_one(delivery_id)
        finally:
            db.session.remove()
    if wait is not None:
        raise RetryTask(f"webhook delivery {delivery_id}: next attempt in {wait:.0f} s", delay=wait)


@huey.periodic_task(crontab(minute="*"))
@huey.lock_task("herald-webhooks")
def deliver_webhooks() -> None:
    """The safety net: send every due delivery (one whose queued message was lost, or whose retry
    the sweep reaches first; each attempt is claimed, so none is sent twice)."""
    from backend.services import webhooks

    with _context_app().app_context():
        try:
            report = webhooks.deliver_due()
            if report.attempted:
                log.info(
                    "webhooks: attempted %s, delivered %s, retrying %s, failed %s",
                    report.attempted,
                    report.delivered,
                    report.retrying,
                    report.failed,
                )
        finally:
            db.session.remove()


def _embed_all() -> None:
    from backend.services.recommender_runtime import embed_pending, runtime

    app = _context_app()
    with app.app_context():
        try:
            model = runtime(app).serving()
            if model.encoder is not None:
                while embed_pending(model.encoder, limit=256, batch_size=64):
                    pass
        finally:
            db.session.remove()


# Created here, not inside the tasks: the worker's start flushes every lock created at import, so
# one left by a worker killed while holding it (kill -9) cannot block the task for good.
EMBED_LOCK = huey.lock_task("herald-embed")
CO_ENGAGEMENT_LOCK = huey.lock_task("herald-co-engagement")


@huey.periodic_task(crontab(minute="*"))
@EMBED_LOCK
def embed_articles() -> None:
    """Embed new or edited approved articles for the serving encoder (one worker at a time)."""
    _embed_all()


@huey.task(retries=6, retry_delay=5)
def embed_new_articles() -> None:
    """What committing a new or edited article queues; waits (retries) while a pass runs."""
    mark_started("embed")
    with EMBED_LOCK:
        _embed_all()


@huey.task(retries=3, retry_delay=10)
def fit_co_engagement() -> None:
    """Refit the co-engagement model that suggestions serve (backend/services/co_engagement.py)."""
    from backend.services import co_engagement

    mark_started(co_engagement.REQUEST)
    with CO_ENGAGEMENT_LOCK, _context_app().app_context():
        try:
            co_engagement.fit_and_store()
        finally:
            db.session.remove()


task_queue.register("embed", lambda: enqueue_coalesced(embed_new_articles, "embed"))
task_queue.register("co-engagement", lambda: enqueue_coalesced(fit_co_engagement, "co-engagement"))
task_queue.register("webhook", deliver_webhook)


@huey.periodic_task(crontab(minute="7"))
@huey.lock_task("herald-rollups")
def rollup_clicks() -> None:
    from backend.services.analytics import rollups

    with _context_app().app_context():
        try:
            rollups.rollup_clicks()
        finally:
            db.session.remove()


@huey.periodic_task(crontab(minute="30", hour="3"))
@huey.lock_task("herald-retention")
def apply_retention() -> None:
    """Retention; with clicks partitioned (PostgreSQL), whole months are dropped first and the
    next months' partitions created."""
    from backend.services import partitions, privacy

    app = _context_app()
    months = int(app.config["CLICK_RETENTION_MONTHS"])
    with app.app_context():
        try:
            if partitions.is_partitioned():
                partitions.ensure_partitions()
                cutoff = utcnow() - dt.timedelta(days=months * 31)
                dropped = partitions.drop_partitions_before(cutoff)
                if dropped:
                    log.info("retention dropped click partitions %s", dropped)
            privacy.apply_retention(months)
        finally:
            db.session.remove()


@huey.periodic_task(crontab(minute="0", hour="7", day_of_week="1"))
@huey.lock_task("herald-digests")
def send_digests() -> None:
    from backend.services import digest

    app = _context_app()
    cfg = app.config
    if not cfg.get("SMTP_HOST"):
        log.info("digests: SMTP_HOST not set; nothing sent")
        return
    with app.app_context():
        try:
            smtp = digest.SmtpSettings(
                host=str(cfg["SMTP_HOST"]),
                port=int(cfg["SMTP_PORT"]),
                sender=str(cfg["SMTP_FROM"]),
                company=str(cfg["COMPANY_NAME"]),
            )
            result = digest.send_digests(smtp)
            log.info("digests: %s employee, %s company", result.employee_sent, result.company_sent)
        finally:
            db.session.remove()


# --- the worker ------------------------------------------------------------------------------


def run_worker(app: Flask, workers: int = 3) -> None:
    """Run the consumer in this process until SIGINT/SIGTERM (``flask worker``)."""
    if huey.immediate:
        raise JobError("TASK_QUEUE_URL is immediate (tests): there is no queue to consume")
    with app.app_context():
        try:
            recovered = recover_stale_jobs()
            if recovered:
                log.warning("re-queued jobs whose worker stopped: %s", recovered)
        finally:
            db.session.remove()
    # flush_locks: a worker killed while holding a periodic task's lock (kill -9) leaves it set
    # in the queue's storage; the next start clears it (the tasks are idempotent, so a second
    # worker starting meanwhile at worst runs one pass twice).
    consumer = huey.create_consumer(
        workers=workers, worker_type="thread", periodic=True, flush_locks=True
    )
    consumer.run()


def start_consumer_threads(workers: int = 1, periodic: bool = False) -> Any:
    """Huey's consumer in threads of this process, without its signal handlers (which only the
    main thread may install): for a development server or a browser test that has no separate
    ``flask worker``. Stop it with ``consumer.stop(graceful=True)``."""
    if huey.immediate:
        raise JobError("TASK_QUEUE_URL is immediate (tests): there is no queue to consume")
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic)
    consumer.scheduler.start()
    for _, worker in consumer.worker_threads:
        worker.start()
    return consumer
