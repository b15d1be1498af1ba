"""Gunicorn settings for ``make serve``: ``gunicorn --config backend/gunicorn_conf.py wsgi:app``.

Every setting can be overridden on the command line or with the variables below:

- ``HERALD_BIND`` (default ``127.0.0.1:5000``), ``HERALD_WORKERS`` (default ``2 * cores + 1``,
  at most 8), ``HERALD_THREADS`` (default 1), ``HERALD_TIMEOUT`` (default 30 s; a worker stuck
  longer is killed and replaced), ``HERALD_MAX_REQUESTS`` (default 100000, with 10 % jitter;
  recycles workers so a slow leak cannot grow without bound; 0 turns it off). Not lower: a worker
  that restarts imports the app and loads the encoder again (seconds), and at 10,000 a worker
  serving ~1,000 redirects/s restarted every ~10 s, which halved ``make bench-load``'s throughput
  (956 against 1,550 redirects/s in back-to-back runs); the ~300 bytes per request the soak sees a
  worker gain (docs/operations.md) bound the growth at ~30 MiB between restarts.
- ``HERALD_WORKER_CONNECTIONS`` (gthread workers, i.e. ``HERALD_THREADS`` > 1; default threads
  + threads / 2, 12 for 8 threads): the most connections one worker holds. Every worker accepts
  from the one listening socket, and a gthread worker's main thread keeps accepting however busy
  its threads are; with gunicorn's default of 1,000, long-lived connections (a load balancer's
  keep-alive pool, ``make bench-load``'s 16) piled onto whichever worker woke first: with 2
  workers, one served nearly all of them and the run measured one core (675 and 1,068
  redirects/s on PostgreSQL in two runs, against 1,628 and 1,915 with the cap). At the cap a
  worker stops accepting, leaving new connections in the shared backlog to a worker with room, and
  closes a connection after its response rather than keeping it idle.
  ``reuse_port`` (a socket per worker, balanced by the kernel) is not used: a worker binds its
  socket before it loads the app, and a stopping one keeps its socket open while it finishes, so
  connections queued on either wait seconds or are reset — with workers recycled every 3,000
  requests it cost 12,374 failed requests in a 10 s run against 0 with the shared socket.
- ``HERALD_WORKER_TMP_DIR`` (default ``/dev/shm`` where it exists): where each worker's heartbeat
  file lives; it is touched on every request, so it belongs on a memory filesystem.
- ``PROMETHEUS_MULTIPROC_DIR``: where workers write their metric samples so that ``/metrics`` in
  any worker reports the sum over all of them. Defaults to a fresh directory under the system temp
  dir, emptied at start; it must be set before the app (and prometheus_client) is imported, which
  is why it is set here, in the master, before any worker starts.

Memory: ``post_fork`` fixes glibc's mmap threshold in every worker (``tune_malloc``;
``HERALD_MALLOC_MMAP_THRESHOLD``, ``HERALD_MALLOC_ARENA_MAX``) so that large temporary blocks go
back to the system when freed instead of staying in the worker's heap. There is no
``preload_app``: each worker loads the app and its model after the fork (``warm_up`` runs a thread
and ONNX Runtime / torch keep thread pools and locks, none of which survive a fork), and the
encoder's shared libraries are shared between workers through the page cache anyway.

Access logs are off: the app logs every request itself as one JSON line with its request id, route
template (never the query string), status and duration. ``accesslog = None`` alone does not turn
gunicorn's off once ``logconfig_dict`` is set: it then builds the access-log fields of every
response and a log record that no handler takes (3.6 % of the Python time of a redirect worker
under ``make bench-load``, py-spy). ``logger_class`` is gunicorn's logger with ``access`` a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import shutil
import sys
import tempfile
from typing import Any

from gunicorn.glogging import Logger

_env = os.environ

bind = _env.get("HERALD_BIND", "127.0.0.1:5000")
workers = int(_env.get("HERALD_WORKERS", str(min(2 * multiprocessing.cpu_count() + 1, 8))))
threads = int(_env.get("HERALD_THREADS", "1"))
timeout = int(_env.get("HERALD_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# gthread only (see the module docstring): the threads' requests plus half as many idle
# keep-alive connections; gunicorn closes a connection after its response beyond that.
worker_connections = int(_env.get("HERALD_WORKER_CONNECTIONS", str(threads + max(threads // 2, 1))))
# The heartbeat file every worker touches (an fchmod per request on a sync worker) on a memory
# filesystem: gunicorn's docs warn that on a disk-backed one it "may block a worker for arbitrary
# time". None (the system temp dir) where there is no /dev/shm.
worker_tmp_dir = _env.get("HERALD_WORKER_TMP_DIR") or (
    "/dev/shm" if os.path.isdir("/dev/shm") else None
)
max_requests = int(_env.get("HERALD_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
accesslog = None


class NoAccessLog(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's logger without the access log: the app writes the request line itself."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        return None


logger_class = NoAccessLog
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


def post_fork(server: Any, worker: Any) -> None:
    tune_malloc()


# glibc's mallopt() parameters (malloc.h).
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def tune_malloc(
    mmap_threshold: int | None = None, arena_max: int | None = None
) -> dict[str, int] | None:
    """Make a worker give memory back: a fixed mmap threshold, optionally fewer malloc arenas.

    glibc raises its mmap threshold each time a large block is freed (up to 32 MiB), so after a
    few large temporaries (an encoder batch, a query result) later ones of that size are carved
    from the heap, whose free space is rarely returned. A serving worker's RSS then climbs to the
    high-water mark of the largest request it ever served and stays there. Setting the threshold
    (``HERALD_MALLOC_MMAP_THRESHOLD``, default glibc's initial 128 KiB; 0 leaves glibc alone)
    turns that adjustment off: blocks above it are mapped for themselves and unmapped on free.
    ``HERALD_MALLOC_ARENA_MAX`` (default 0 = glibc's 8 per core) caps the per-thread arenas.
    Returns what was set; None where the C library has no ``mallopt`` (not Linux, or not glibc).
    """
    if mmap_threshold is None:
        mmap_threshold = int(_env.get("HERALD_MALLOC_MMAP_THRESHOLD", str(128 * 1024)))
    if arena_max is None:
        arena_max = int(_env.get("HERALD_MALLOC_ARENA_MAX", "0"))
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    done: dict[str, int] = {}
    if mmap_threshold > 0 and mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1:
        done["mmap_threshold"] = mmap_threshold
    if arena_max > 0 and mallopt(M_ARENA_MAX, arena_max) == 1:
        done["arena_max"] = arena_max
    return done
