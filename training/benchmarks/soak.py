"""Soak benchmark: a realistic request mix against gunicorn on PostgreSQL (``make bench-soak``).

    python -m training.benchmarks.soak [--duration 300] [--clients 50] [--workers 4] [--warmup 30]

Migrates ``DATABASE_URL`` (PostgreSQL; the database must exist), loads the demo company, embeds the
catalog (``python -m training embed``, as a deployment does before serving), starts gunicorn
(``backend/gunicorn_conf.py``) on 127.0.0.1, waits for ``/readyz``, pairs a set of demo employees,
then runs ``--clients`` concurrent clients for ``--warmup`` + ``--duration`` seconds:

- 70% ``POST /api/v1/suggestions`` with page context of varied length (falls back to
  ``GET /api/v1/articles`` while the suggestions endpoint does not exist, and says so),
- 20% events and shares (``POST /api/v1/events`` when it exists, else shares),
- 10% tracked-link redirects (``GET /r/<code>``, not followed).

The first ``--warmup`` seconds are not counted. Memory "start" is read when they end: by then
every worker has loaded its model, encoder and catalog and has answered requests (the report
shows how many each worker served in the warm-up, from the request lines in gunicorn's log, and
names any worker that served none). "End" is read after the last request. Growth is per worker,
``(end - start) / start`` of its resident set (VmRSS); a worker that was recycled (max_requests)
shows as such instead.

Prints the encoder, load average, throughput, p50/p95/p99 per route, the error count (any status
>= 500, timeout or transport error) and each worker's memory at start, end and peak. Printed, not
asserted (a benchmark prints numbers; tests assert behaviour). Bounded: every request has a
timeout and the run stops at the deadline. The HTTP client (``training.benchmarks.http_client``)
is stdlib ``http.client`` with keep-alive, so the load generator needs nothing beyond the
project's dependencies.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.benchmarks.http_client import HttpClient, Reply

ROOT = Path(__file__).resolve().parents[2]
# Seconds of the same mix before the measured run: every worker loads its model and catalog and
# answers requests first, so "start" memory is a serving worker's, not a booting one's.
WARMUP_S = 30.0

# LinkedIn-like page context the extension would send (the raw text is never stored).
CONTEXTS = [
    "Excited to share how our team cut onboarding time in half with better tooling.",
    "Hvordan bruger I AI i kundeservice? Vi har lært meget det seneste år.",
    "Hiring: senior backend engineers who love PostgreSQL and observability.",
    "Our sustainability report is out: scope 3 emissions down 18% year over year.",
    "Thoughts on the future of hybrid work and what it means for team culture?",
    "We just closed our biggest quarter yet, and I want to thank every customer who trusted us, "
    "every colleague who stayed late, and the partners who made the launch in three new markets "
    "possible. Next up: better onboarding, faster support and a product roadmap shaped by you.",
    "Three lessons from migrating a decade-old monolith to services: measure first, move the "
    "data last, and never let two systems own the same record for longer than a sprint.",
]


def page_context(rng: random.Random) -> str:
    """A post of a random length (a few words to past the encoder's limit), from ``CONTEXTS``.

    Varied lengths matter for memory: an encoder sees a new input shape with every new token
    count, and per-shape buffers or caches would grow with them; five fixed texts would hide that.
    """
    words = " ".join(rng.sample(CONTEXTS, k=len(CONTEXTS))).split()
    return " ".join(words[: rng.randint(3, len(words))])


# --- server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flask_cli(env: dict[str, str], *args: str, check: bool = True) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def rss_kib(pid: int) -> int:
    """Resident set size of one process in KiB (Linux /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    )
    return sorted(int(p) for p in out.stdout.split())


# --- load ------------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counting_from: float = 0.0  # time.monotonic(); requests that end earlier are the warm-up

    def add(self, route: str, seconds: float, status: int, detail: str = "") -> None:
        if time.monotonic() < self.counting_from:
            return
        with self.lock:
            self.latencies[route].append(seconds)
            self.statuses[route][status] += 1
            if status >= 500 or status == 0:
                self.errors.append(f"{route} {status} {detail[:200]}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


@dataclass
class Plan:
    base_url: str
    tokens: list[str]
    article_ids: list[int]
    codes: list[str]
    has_suggestions: bool
    has_events: bool


def timed(
    stats: Stats, route: str, client: HttpClient, method: str, path: str, body: Any = None
) -> Reply | None:
    start = time.perf_counter()
    try:
        reply = client.request(method, path, body)
    except OSError as exc:
        stats.add(route, time.perf_counter() - start, 0, repr(exc))
        return None
    stats.add(route, time.perf_counter() - start, reply.status, reply.text)
    return reply


def client_loop(plan: Plan, stats: Stats, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    token = rng.choice(plan.tokens)
    api = HttpClient(plan.base_url, token, timeout=15)
    anon = HttpClient(plan.base_url, None, timeout=15)
    last_request_id: str | None = None
    shown: list[int] = []  # articles of the last suggestions answer (events must refer to them)
    try:
        while time.monotonic() < deadline:
            roll = rng.random()
            article = rng.choice(shown or plan.article_ids)
            if roll < 0.70:
                if plan.has_suggestions:
                    context = {"page_type": "post", "text": page_context(rng)}
                    route = "POST /api/v1/suggestions"
                    reply = timed(
                        stats, route, api, "POST", "/api/v1/suggestions", {"context": context}
                    )
                    if reply is not None and reply.status == 200:
                        answer = reply.json()
                        items = [item["article_id"] for item in answer.get("items", [])]
                        if items:
                            last_request_id, shown = answer.get("request_id"), items
                else:
                    route = "GET /api/v1/articles"
                    timed(stats, route, api, "GET", "/api/v1/articles?limit=10")
            elif roll < 0.90:
                if plan.has_events and roll < 0.80 and last_request_id and shown:
                    event = {
                        "article_id": article,
                        "type": rng.choice(["opened", "saved"]),
                        "request_id": last_request_id,
                    }
                    timed(stats, "POST /api/v1/events", api, "POST", "/api/v1/events", event)
                else:
                    share = {"article_id": article, "network": "linkedin"}
                    timed(stats, "POST /api/v1/shares", api, "POST", "/api/v1/shares", share)
            else:
                code = rng.choice(plan.codes)
                timed(stats, "GET /r/<code>", anon, "GET", f"/r/{code}")
    finally:
        api.close()
        anon.close()


def prepare(base_url: str, admin_token: str, n_employees: int) -> Plan:
    """Pair employees (demo ones when loaded), find approved articles, create tracked links."""
    admin = HttpClient(base_url, admin_token, timeout=30)
    listed = admin.get(f"/api/v1/employees?limit={n_employees}&active=true").json()
    ids = [e["id"] for e in listed.get("items", []) if e.get("access_role") == "employee"]
    while len(ids) < n_employees:
        made = admin.post(
            "/api/v1/employees",
            {"email": f"soak-{secrets.token_hex(6)}@example.com", "name": "Soak Tester"},
        )
        ids.append(made.json()["id"])
    tokens = []
    for eid in ids[:n_employees]:
        code = admin.post(f"/api/v1/employees/{eid}/pairing-code").json()["code"]
        tokens.append(
            HttpClient(base_url).post("/api/v1/auth/pair", {"code": code}).json()["token"]
        )
    articles = admin.get("/api/v1/articles?status=approved&limit=100").json()
    article_ids = [a["id"] for a in articles.get("items", [])]
    if not article_ids:
        for i in range(20):
            made = admin.post(
                "/api/v1/articles",
                {
                    "canonical_url": f"https://example.com/soak/{i}-{secrets.token_hex(4)}",
                    "title": f"Soak article {i}",
                    "summary": "A benchmark article about observability and PostgreSQL.",
                    "status": "approved",
                },
            )
            article_ids.append(made.json()["id"])
    codes = []
    for token in tokens[:10]:
        for article in article_ids[:3]:
            reply = HttpClient(base_url, token).post(
                "/api/v1/shares", {"article_id": article, "network": "linkedin"}
            )
            if reply.status in (200, 201):
                codes.append(reply.json()["code"])
    has_suggestions = admin.get("/api/v1/openapi.json").json()["paths"]
    admin.close()
    return Plan(
        base_url=base_url,
        tokens=tokens,
        article_ids=article_ids,
        codes=codes,
        has_suggestions="/api/v1/suggestions" in has_suggestions,
        has_events="/api/v1/events" in has_suggestions,
    )


def run(
    duration: float, clients: int, workers: int, database_url: str, warmup: float = WARMUP_S
) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="herald-soak-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "PROMETHEUS_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "HERALD_ENV": "production",
            "HERALD_SECRET_KEY": secrets.token_urlsafe(48),
            "HERALD_BIND": f"127.0.0.1:{port}",
            "HERALD_WORKERS": str(workers),
            "HERALD_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "HERALD_RATELIMIT_DEFAULT": "1000000 per minute",
            "HERALD_RATELIMIT_AUTH": "1000000 per minute",  # all clients pair from one address
            # INFO, as in production: one JSON line per request, with the worker's pid.
            "HERALD_LOG_LEVEL": "INFO",
            "HERALD_ARTIFACTS_DIR": os.environ.get("HERALD_ARTIFACTS_DIR", str(tmp / "artifacts")),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
            # The run's own queue, consumed by the worker started below (as production runs one).
            "HERALD_TASK_QUEUE_URL": f"sqlite:///{tmp / 'tasks.db'}",
        }
    )
    for key in ("HERALD_ENCODER", "HERALD_MALLOC_MMAP_THRESHOLD", "HERALD_MALLOC_ARENA_MAX"):
        if key in os.environ:  # settings under test pass through
            env[key] = os.environ[key]
    from backend.config import Settings

    encoder = env.get("HERALD_ENCODER") or str(Settings.model_fields["ENCODER"].default)
    print(f"encoder {encoder}, {workers} workers, {clients} clients, {os.cpu_count()} CPUs")
    print(f"migrating and seeding {urllib.parse.urlsplit(database_url).path.lstrip('/')} ...")
    flask_cli(env, "db-upgrade")
    if "seed-demo" in flask_cli(env, "--help"):
        flask_cli(env, "seed-demo", check=False)
    admin_token = flask_cli(env, "create-admin", "soak-admin@example.com").strip().splitlines()[-1]
    # As a deployment does (`python -m training embed` or `bootstrap`): the catalog is embedded
    # before serving, so the worker's embedding task has nothing to catch up on.
    print(embed_catalog(env))
    log_path = tmp / "gunicorn.log"
    with (tmp / "worker.log").open("ab") as log:  # the task queue's consumer, as in production
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    with log_path.open("ab") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "backend/gunicorn_conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    memory = MemoryWatch(proc.pid)
    try:
        _wait_ready(base_url, proc)
        plan = prepare(base_url, admin_token, min(clients, 40))
        if not plan.has_suggestions:
            print(
                "note: POST /api/v1/suggestions does not exist yet; GET /api/v1/articles stands in"
            )
        stats = Stats()
        print(f"warm-up: {warmup:.0f} s of the same mix, not counted ...")
        started = time.monotonic()
        measure_from = started + warmup
        deadline = measure_from + duration
        stats.counting_from = measure_from
        threads = [
            threading.Thread(target=client_loop, args=(plan, stats, deadline, i), daemon=True)
            for i in range(clients)
        ]
        for t in threads:
            t.start()
        time.sleep(max(0.0, measure_from - time.monotonic()))
        # Start: every worker has loaded the model and the catalog and has answered suggestions
        # (checked in the log below); memory from here on is what the soak is about.
        warm_log = log_path.stat().st_size
        memory.sample(0.0)
        load_start = os.getloadavg()
        interval = min(30.0, max(1.0, duration / 10))
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline + 60:
            time.sleep(max(0.0, min(interval, deadline - time.monotonic())) or 1.0)
            memory.sample(time.monotonic() - measure_from)
            if time.monotonic() >= deadline:
                break
        for t in threads:
            t.join(timeout=60)
        elapsed = time.monotonic() - measure_from
        memory.sample(elapsed)
        load_end = os.getloadavg()
    finally:
        for child in (proc, worker):
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
                child.wait(timeout=30)
    served_warm = requests_per_worker(log_path, 0, warm_log)
    served = requests_per_worker(log_path, warm_log, None)
    print(f"gunicorn log: {log_path}")
    return report(
        stats,
        elapsed,
        clients,
        workers,
        memory,
        served_warm=served_warm,
        served=served,
        load=(load_start, load_end),
    )


def embed_catalog(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "training", "embed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"python -m training embed failed:\n{done.stderr[-2000:]}")
    return done.stdout.strip()


@dataclass
class MemoryWatch:
    """Resident memory of each gunicorn worker, sampled over the measured part of the run."""

    master: int
    samples: list[tuple[float, dict[int, int]]] = field(default_factory=list)

    def sample(self, at: float) -> None:
        self.samples.append((at, {pid: rss_kib(pid) for pid in worker_pids(self.master)}))

    @property
    def start(self) -> dict[int, int]:
        return self.samples[0][1] if self.samples else {}

    @property
    def end(self) -> dict[int, int]:
        return self.samples[-1][1] if self.samples else {}


def requests_per_worker(log_path: Path, start: int, end: int | None) -> dict[int, int]:
    """Requests each worker logged between two byte offsets of the gunicorn log."""
    with log_path.open("rb") as fh:
        fh.seek(start)
        chunk = fh.read() if end is None else fh.read(max(0, end - start))
    counts: dict[int, int] = defaultdict(int)
    for line in chunk.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("message") == "request" and "pid" in entry:
            counts[int(entry["pid"])] += 1
    return dict(counts)


def _wait_ready(base_url: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    """Until ``/readyz`` answers 200 (the answering worker has loaded its model and catalog)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            if HttpClient(base_url, timeout=5).get("/readyz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn was not ready in {timeout:.0f} s")


def growth(start_kib: int, end_kib: int) -> float | None:
    """Relative change from start to end; None when the worker was not there at both ends."""
    if not start_kib or not end_kib:
        return None
    return (end_kib - start_kib) / start_kib


def report(
    stats: Stats,
    elapsed: float,
    clients: int,
    workers: int,
    memory: MemoryWatch,
    served_warm: dict[int, int] | None = None,
    served: dict[int, int] | None = None,
    load: tuple[tuple[float, ...], tuple[float, ...]] | None = None,
) -> dict[str, Any]:
    total = sum(len(v) for v in stats.latencies.values())
    print(f"\nsoak: {clients} clients, {workers} gunicorn workers, {elapsed:.0f} s measured")
    if load is not None:
        (a1, a5, a15), (b1, b5, b15) = load
        print(
            f"load average: {a1:.2f} {a5:.2f} {a15:.2f} at the start, "
            f"{b1:.2f} {b5:.2f} {b15:.2f} at the end ({os.cpu_count()} CPUs)"
        )
    print(f"throughput: {total / elapsed:.1f} req/s ({total} requests)")
    head = ("route", "count", "share", "p50 ms", "p95 ms", "p99 ms")
    print(
        f"{head[0]:<28} {head[1]:>7} {head[2]:>6} {head[3]:>8} {head[4]:>8} {head[5]:>8}  statuses"
    )
    rows = {}
    for route in sorted(stats.latencies):
        lat = stats.latencies[route]
        p50, p95, p99 = (percentile(lat, q) * 1000 for q in (50, 95, 99))
        statuses = dict(sorted(stats.statuses[route].items()))
        rows[route] = {"count": len(lat), "p50_ms": p50, "p95_ms": p95, "p99_ms": p99}
        print(
            f"{route:<28} {len(lat):>7} {len(lat) / max(total, 1):>6.0%} "
            f"{p50:>8.1f} {p95:>8.1f} {p99:>8.1f}  {statuses}"
        )
    print(f"errors (5xx, timeouts, transport): {len(stats.errors)}")
    for line in stats.errors[:10]:
        print("  " + line)
    rss_start, rss_end = memory.start, memory.end
    print(
        "worker RSS (MiB), start = after the warm-up (every worker ready and serving), "
        "end = after the last request:"
    )
    print(
        f"  {'pid':>8} {'start':>8} {'end':>8} {'growth':>8} {'peak':>8}  requests warm-up/measured"
    )
    growths: dict[int, float | None] = {}
    for pid in sorted(set(rss_start) | set(rss_end)):
        start, end = rss_start.get(pid, 0), rss_end.get(pid, 0)
        change = growths[pid] = growth(start, end)
        peak = max(s.get(pid, 0) for _, s in memory.samples)
        shown = f"{change:+.1%}" if change is not None else "recycled"
        count = f"{(served_warm or {}).get(pid, 0)}/{(served or {}).get(pid, 0)}"
        print(
            f"  {pid:>8} {start / 1024:>8.1f} {end / 1024:>8.1f} {shown:>8} "
            f"{peak / 1024:>8.1f}  {count}"
        )
    known = [g for g in growths.values() if g is not None]
    total_start, total_end = sum(rss_start.values()), sum(rss_end.values())
    if known:
        print(
            f"worker memory growth: largest {max(known):+.1%}, all workers together "
            f"{growth(total_start, total_end) or 0.0:+.1%} (target: < +10% each)"
        )
    if len(memory.samples) > 2:
        points = ", ".join(
            f"{at:.0f}s {sum(kib.values()) / 1024:.0f}" for at, kib in memory.samples
        )
        print(f"all workers' RSS over the measured run (MiB): {points}")
    cold = [pid for pid in rss_start if not (served_warm or {}).get(pid)]
    if served_warm is not None and cold:
        print(f"note: workers {cold} served no request during the warm-up")
    return {
        "requests": total,
        "throughput": total / elapsed,
        "errors": len(stats.errors),
        "routes": rows,
        "rss_start": rss_start,
        "rss_end": rss_end,
        "growth": growths,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds (default 300)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--warmup",
        type=float,
        default=WARMUP_S,
        help=f"seconds of the same mix before the measured run (default {WARMUP_S:.0f})",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL URL (default: DATABASE_URL)",
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        parser.error("the soak runs on PostgreSQL: set DATABASE_URL or --database-url")
    run(args.duration, args.clients, args.workers, args.database_url, args.warmup)


if __name__ == "__main__":
    main()
