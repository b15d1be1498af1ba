"""Gunicorn settings for ``make serve``: ``gunicorn --config backend/gunicorn_conf.py wsgi:app``.

Every setting can be overridden on the command line or with the variables below:

- ``HERALD_BIND`` (default ``127.0.0.1:5000``), ``HERALD_WORKERS`` (default ``2 * cores + 1``,
  at most 8), ``HERALD_THREADS`` (default 1), ``HERALD_TIMEOUT`` (default 30 s; a worker stuck
  longer is killed and replaced), ``HERALD_MAX_REQUESTS`` (default 10000, with jitter; recycles
  workers so a slow leak cannot grow without bound; 0 turns it off).
- ``PROMETHEUS_MULTIPROC_DIR``: where workers write their metric samples so that ``/metrics`` in
  any worker reports the sum over all of them. Defaults to a fresh directory under the system temp
  dir, emptied at start; it must be set before the app (and prometheus_client) is imported, which
  is why it is set here, in the master, before any worker starts.

Access logs are off: the app logs every request itself as one JSON line with its request id, route
template (never the query string), status and duration.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from typing import Any

_env = os.environ

bind = _env.get("HERALD_BIND", "127.0.0.1:5000")
workers = int(_env.get("HERALD_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 8))))
threads = int(_env.get("HERALD_THREADS", "1"))
timeout = int(_env.get("HERALD_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = int(_env.get("HERALD_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
accesslog = None
errorlog = "-"
loglevel = _env.get("HERALD_LOG_LEVEL", "info").lower()
forwarded_allow_ips = _env.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "backend.observability.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    # The app installs its own JSON handler on the root logger in each worker (create_app).
    "root": {"level": loglevel.upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
    },
}

if not _env.get("PROMETHEUS_MULTIPROC_DIR"):
    _env["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(
        tempfile.gettempdir(), f"herald-metrics-{os.getpid()}"
    )
_metrics_dir = _env["PROMETHEUS_MULTIPROC_DIR"]
os.makedirs(_metrics_dir, exist_ok=True)


def on_starting(server: Any) -> None:
    """Start with an empty metrics directory: stale files would add old counts to new ones."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (its counters stay in the sums)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
