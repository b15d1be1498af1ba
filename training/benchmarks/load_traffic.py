"""The load benchmark's redirect load: wrk or a Python fallback, and exact click matching.

Used by ``python -m training.benchmarks.load`` (see there).
"""

from __future__ import annotations

import http.client
import random
import re
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from training.benchmarks.load_servers import BROWSER_UA


@dataclass
class LoadResult:
    tool: str
    duration_s: float
    completed: int  # responses received by the load tool
    redirects: int  # of which 302
    errors: int  # non-302 responses plus socket errors
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    markers: list[str] = field(default_factory=list, repr=False)  # of the 302s received
    clicks_stored: int = 0
    lost: int = 0  # 302s received without a stored click (matched by marker)
    unanswered: int = 0  # clicks stored whose 302 the tool never received (in flight at the end)
    duplicated: int = 0  # markers stored more than once
    server_cpu_ms: float = 0.0  # CPU time of the gunicorn workers per completed request
    worker_restarts: int = 0  # workers replaced during the load (their CPU is not counted)
    load_before: float = 0.0  # 1-minute load average when the load started
    load_after: float = 0.0
    reference_before: float = 0.0  # training.benchmarks.machine.reference_ms around the load
    reference_after: float = 0.0


# --- load generators ----------------------------------------------------------------------------


_WRK_LUA = """
local codes = {%s}
local threads = {}
local n = 0
ok = {}
setup = function(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
request = function()
  n = n + 1
  local marker = "%s" .. id .. "-" .. n
  return wrk.format("GET", "/r/" .. codes[(n %% #codes) + 1], {
    ["User-Agent"] = "%s",
    ["Referer"] = "https://" .. marker .. "%s/",
    ["X-Request-ID"] = marker,
  })
end
response = function(status, headers, body)
  if status == 302 then
    ok[#ok + 1] = headers["X-Request-ID"]
  end
end
done = function(summary, latency, requests)
  local out = io.open("%s", "w")
  for _, thread in ipairs(threads) do
    for _, marker in ipairs(thread:get("ok")) do
      out:write(marker, "\\n")
    end
  end
  out:close()
end
"""
MARKER_SUFFIX = ".mark.bench.invalid"


def _marker_host(marker: str) -> str:
    return marker + MARKER_SUFFIX


def stored_markers(url: str, since_id: int, prefix: str) -> list[str]:
    """The markers of the clicks stored after ``since_id`` (from their referrer host)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT referrer_host FROM clicks WHERE id > :i AND referrer_host LIKE :p"),
            {"i": since_id, "p": prefix + "%" + MARKER_SUFFIX},
        ).scalars()
        out = [str(r).removesuffix(MARKER_SUFFIX) for r in rows]
    engine.dispose()
    return out


def max_click_id(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(sa.text("SELECT max(id) FROM clicks")) or 0
    engine.dispose()
    return int(n)


def match_clicks(answered: Sequence[str], stored: Sequence[str]) -> tuple[int, int, int]:
    """(lost, unanswered, duplicated): 302s without a stored row, rows without a 302 seen,
    markers stored more than once."""
    ok = set(answered)
    seen: dict[str, int] = {}
    for marker in stored:
        seen[marker] = seen.get(marker, 0) + 1
    lost = len(ok - seen.keys())
    unanswered = len(seen.keys() - ok)
    duplicated = sum(1 for n in seen.values() if n > 1)
    return lost, unanswered, duplicated


def _to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip()).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(
    base: str,
    codes: Sequence[str],
    duration: int,
    connections: int,
    threads: int,
    tmp: Path,
    prefix: str = "m",
) -> LoadResult:
    script = tmp / "redirect.lua"
    answered = tmp / f"answered-{prefix}.txt"
    script.write_text(
        _WRK_LUA % (",".join(f'"{c}"' for c in codes), prefix, BROWSER_UA, MARKER_SUFFIX, answered)
    )
    out = subprocess.run(
        [
            "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
            "--timeout", "5s", "-s", str(script), base + "/",
        ],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    ).stdout  # fmt: skip
    completed = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))  # type: ignore[union-attr]
    non_3xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(g) for g in sock.groups()) if sock else 0
    pct = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", out, re.MULTILINE))  # "2.83s " too
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = int(non_3xx.group(1)) if non_3xx else 0
    markers = answered.read_text().split() if answered.exists() else []
    return LoadResult(
        markers=markers,
        tool=f"wrk -t{threads} -c{connections}",
        duration_s=float(duration),
        completed=completed,
        redirects=completed - bad,
        errors=bad + socket_errors,
        rps=rps,
        p50_ms=_to_ms(pct["50"]),
        p90_ms=_to_ms(pct["90"]),
        p99_ms=_to_ms(pct["99"]),
    )


def run_python_load(
    base: str, codes: Sequence[str], duration: int, connections: int, prefix: str = "m"
) -> LoadResult:
    """Fallback when wrk is missing: ``connections`` threads with keep-alive, for ``duration`` s."""
    host, port = base.removeprefix("http://").split(":")
    deadline = time.monotonic() + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: list[dict[int, int]] = [{} for _ in range(connections)]
    errors = [0] * connections
    answered: list[list[str]] = [[] for _ in range(connections)]

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        rng = random.Random(i)
        n = 0
        while time.monotonic() < deadline:
            path = "/r/" + rng.choice(codes)
            n += 1
            marker = f"{prefix}{i}-{n}"
            headers = {
                "User-Agent": BROWSER_UA,
                "Referer": f"https://{_marker_host(marker)}/",
                "X-Request-ID": marker,
            }
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                continue
            latencies[i].append((time.perf_counter() - started) * 1000)
            statuses[i][resp.status] = statuses[i].get(resp.status, 0) + 1
            if resp.status == 302:
                answered[i].append(resp.getheader("X-Request-ID") or "")
        conn.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(duration + 30)
    elapsed = time.monotonic() - started
    lat = sorted(x for per in latencies for x in per)
    redirects = sum(s.get(302, 0) for s in statuses)
    completed = len(lat)
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    return LoadResult(
        markers=[m for per in answered for m in per],
        tool=f"python threads x{connections}",
        duration_s=elapsed,
        completed=completed,
        redirects=redirects,
        errors=sum(errors) + completed - redirects,
        rps=completed / elapsed if elapsed else 0.0,
        p50_ms=q[49],
        p90_ms=q[89],
        p99_ms=q[98],
    )
