"""Soak benchmark: a realistic request mix against gunicorn on PostgreSQL (``make bench-soak``).

    python -m training.benchmarks.soak [--duration 300] [--clients 50] [--workers 4]

Starts gunicorn (``backend/gunicorn_conf.py``) on 127.0.0.1 against ``DATABASE_URL`` (PostgreSQL;
the database must exist, it is migrated and the demo company loaded first), pairs a set of demo
employees, then runs ``--clients`` concurrent clients for ``--duration`` seconds:

- 70% ``POST /api/v1/suggestions`` with page context (falls back to ``GET /api/v1/articles`` while
  the suggestions endpoint does not exist, and says so),
- 20% events and shares (``POST /api/v1/events`` when it exists, else shares),
- 10% tracked-link redirects (``GET /r/<code>``, not followed).

Prints throughput, p50/p95/p99 per route, the error count (any status >= 500, timeout or transport
error) and the resident memory of each gunicorn worker at the start and end. Printed, not asserted
(a benchmark prints numbers; tests assert behaviour). Bounded: every request has a timeout and the
run stops at the deadline. The HTTP client is stdlib ``http.client`` with keep-alive, so the load
generator needs nothing beyond the project's dependencies.
"""

from __future__ import annotations

import argparse
import http.client
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

ROOT = Path(__file__).resolve().parents[2]

# LinkedIn-like page context the extension would send (the raw text is never stored).
CONTEXTS = [
    "Excited to share how our team cut onboarding time in half with better tooling.",
    "Hvordan bruger I AI i kundeservice? Vi har lært meget det seneste år.",
    "Hiring: senior backend engineers who love PostgreSQL and observability.",
    "Our sustainability report is out: scope 3 emissions down 18% year over year.",
    "Thoughts on the future of hybrid work and what it means for team culture?",
]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class HttpClient:
    """A minimal keep-alive JSON client over ``http.client`` with a timeout on every request."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.token = token
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Send one request; raises ``OSError`` (``TimeoutError`` included) on transport failure."""
        hdrs = {"Accept": "application/json"}
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self._conn.request(method, path, body=body, headers=hdrs)
                resp = self._conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed between requests: retry once, fresh.
                self.close()
                if attempt:
                    raise
                continue
            except BaseException:
                self.close()
                raise
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
        raise AssertionError("unreachable")

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, json_body, **kw)


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

    def add(self, route: str, seconds: float, status: int, detail: str = "") -> None:
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
                    context = {"page_type": "post", "text": rng.choice(CONTEXTS)}
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


def run(duration: float, clients: int, workers: int, database_url: str) -> dict[str, Any]:
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
            "HERALD_LOG_LEVEL": "WARNING",
            "HERALD_ARTIFACTS_DIR": os.environ.get("HERALD_ARTIFACTS_DIR", str(tmp / "artifacts")),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
        }
    )
    print(f"migrating and seeding {urllib.parse.urlsplit(database_url).path.lstrip('/')} ...")
    flask_cli(env, "db-upgrade")
    if "seed-demo" in flask_cli(env, "--help"):
        flask_cli(env, "seed-demo", check=False)
    admin_token = flask_cli(env, "create-admin", "soak-admin@example.com").strip().splitlines()[-1]
    with (tmp / "gunicorn.log").open("ab") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "backend/gunicorn_conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, proc)
        plan = prepare(base_url, admin_token, min(clients, 40))
        if not plan.has_suggestions:
            print(
                "note: POST /api/v1/suggestions does not exist yet; GET /api/v1/articles stands in"
            )
        # Warm every worker (encoder, model and catalog loaded) before the first memory reading.
        warm = HttpClient(base_url, plan.tokens[0], timeout=120)
        for i in range(workers * 10):
            if plan.has_suggestions:
                context = {"page_type": "post", "text": CONTEXTS[i % len(CONTEXTS)]}
                warm.post(
                    "/api/v1/suggestions", {"context": context}, headers={"Connection": "close"}
                )
            else:
                warm.get("/api/v1/articles?limit=10", headers={"Connection": "close"})
        warm.close()
        pids = worker_pids(proc.pid)
        rss_start = {pid: rss_kib(pid) for pid in pids}
        stats = Stats()
        deadline = time.monotonic() + duration
        started = time.monotonic()
        threads = [
            threading.Thread(target=client_loop, args=(plan, stats, deadline, i), daemon=True)
            for i in range(clients)
        ]
        for t in threads:
            t.start()
        timeline: list[tuple[float, int]] = []  # (seconds into the run, total worker RSS in KiB)
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline + 60:
            time.sleep(min(30.0, max(1.0, duration / 10)))
            timeline.append(
                (time.monotonic() - started, sum(rss_kib(p) for p in worker_pids(proc.pid)))
            )
        for t in threads:
            t.join(timeout=60)
        elapsed = time.monotonic() - started
        pids_end = worker_pids(proc.pid)
        rss_end = {pid: rss_kib(pid) for pid in pids_end}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    return report(stats, elapsed, clients, workers, rss_start, rss_end, timeline)


def _wait_healthy(base_url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            if HttpClient(base_url, timeout=1).get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become healthy in 60 s")


def report(
    stats: Stats,
    elapsed: float,
    clients: int,
    workers: int,
    rss_start: dict[int, int],
    rss_end: dict[int, int],
    timeline: list[tuple[float, int]] | None = None,
) -> dict[str, Any]:
    total = sum(len(v) for v in stats.latencies.values())
    print(f"\nsoak: {clients} clients, {workers} gunicorn workers, {elapsed:.0f} s")
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
    print("worker RSS (MiB): pid start -> end")
    for pid in sorted(set(rss_start) | set(rss_end)):
        start, end = rss_start.get(pid, 0), rss_end.get(pid, 0)
        growth = f"{(end - start) / start:+.1%}" if start and end else "(recycled)"
        print(f"  {pid}: {start / 1024:.1f} -> {end / 1024:.1f} {growth}")
    if timeline:
        points = ", ".join(f"{t:.0f}s {kib / 1024:.0f}" for t, kib in timeline)
        print(f"all workers' RSS over the run (MiB): {points}")
        # Caches, the catalog and the encoder's buffers fill during the first minute; growth after
        # that is what a leak would look like.
        settled = [kib for t, kib in timeline if t >= elapsed * 0.2]
        if len(settled) >= 2 and settled[0]:
            change = (settled[-1] - settled[0]) / settled[0]
            print(f"growth after warm-up (from 20% of the run to the end): {change:+.1%}")
    return {
        "requests": total,
        "throughput": total / elapsed,
        "errors": len(stats.errors),
        "routes": rows,
        "rss_start": rss_start,
        "rss_end": rss_end,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds (default 300)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="PostgreSQL URL (default: DATABASE_URL)",
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        parser.error("the soak runs on PostgreSQL: set DATABASE_URL or --database-url")
    run(args.duration, args.clients, args.workers, args.database_url)


if __name__ == "__main__":
    main()
