"""Long-lived connections spread over gunicorn's gthread workers (``backend/gunicorn_conf.py``,
``HERALD_WORKER_CONNECTIONS``).

Every worker accepts from one shared socket, and a gthread worker accepts whatever its threads are
doing; with gunicorn's default (1,000 connections a worker) a burst of keep-alive connections
could all land on one worker and leave the others idle, which halved ``make bench-load``'s
redirects per second. The production config caps a worker at its threads plus half as many idle
connections, so the rest wait in the backlog for another worker.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.production.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def start(port: int, tmp_path: Path, **env: str) -> subprocess.Popen[bytes]:
    with (tmp_path / "gunicorn.log").open("wb") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "backend/gunicorn_conf.py",
                "tests.production.pid_app:app",
            ],
            cwd=ROOT,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")},
                "HERALD_BIND": f"127.0.0.1:{port}",
                "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def booted_workers(tmp_path: Path) -> int:
    text = (tmp_path / "gunicorn.log").read_text(errors="replace")
    return text.count("Booting worker with pid")


def wait_for_workers(server: subprocess.Popen[bytes], port: int, tmp_path: Path) -> None:
    """Until both workers have booted and the server answers (60 s at most)."""
    deadline = time.monotonic() + 60
    while booted_workers(tmp_path) < 2 or not _answers(port):
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
        assert time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.2)


def worker_pids(server: subprocess.Popen[bytes]) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True, text=True
    ).stdout
    return [int(pid) for pid in out.split()]


def held_connections(port: int, pids: list[int]) -> dict[int, int]:
    """How many established connections to ``port`` each process holds (its socket fds matched
    with the kernel's TCP table): what a worker has accepted, whether or not a request came."""
    established: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in list(f)[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                    established.add(fields[9])  # the socket's inode
    held = {}
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        links = [os.readlink(fd) for fd in fds.iterdir()]
        held[pid] = sum(1 for link in links if link[8:-1] in established and link[:8] == "socket:[")
    return held


@pytest.mark.skipif(sys.platform != "linux", reason="gunicorn's gthread worker on Linux")
def test_a_burst_of_keep_alive_connections_reaches_every_worker(tmp_path: Path) -> None:
    port = free_port()
    # 2 workers x 2 threads: at most 3 connections each (2 + 1 idle); 16 clients.
    server = start(port, tmp_path, HERALD_WORKERS="2", HERALD_THREADS="2")
    try:
        wait_for_workers(server, port, tmp_path)
        pids = worker_pids(server)
        assert len(pids) == 2
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(16)]
        for conn in conns:  # all connected before any request: the accept race at its worst
            conn.connect()
        # Each worker accepts until it holds its cap, and the rest wait in the shared backlog.
        # Without the cap (HERALD_WORKER_CONNECTIONS=1000) the workers take all 16 between them
        # at once, so one holds at least 8 (it was 13-15 of 16 in earlier runs).
        deadline = time.monotonic() + 10
        held = held_connections(port, pids)
        while sum(held.values()) < 6 and time.monotonic() < deadline:
            time.sleep(0.1)
            held = held_connections(port, pids)
        assert sorted(held.values()) == [3, 3], held
        served = []
        for conn in conns:  # the backlog drains as connections close at the cap
            conn.request("GET", "/")
            reply = conn.getresponse()
            assert reply.status == 200
            served.append(int(reply.read()))
        for conn in conns:
            conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert set(served) == set(pids)


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no /dev/shm on this system")
def test_each_workers_heartbeat_file_is_in_memory(tmp_path: Path) -> None:
    """A sync worker touches its heartbeat file on every request: on /dev/shm, not a disk."""
    port = free_port()
    server = start(port, tmp_path, HERALD_WORKERS="2")
    try:
        wait_for_workers(server, port, tmp_path)
        workers = worker_pids(server)
        assert len(workers) == 2
        for pid in workers:
            fds = Path(f"/proc/{pid}/fd")
            opened = [os.readlink(fd) for fd in fds.iterdir() if fd.is_symlink()]
            heartbeat = [name for name in opened if "wgunicorn-" in name]
            assert heartbeat and all(name.startswith("/dev/shm/") for name in heartbeat), opened
    finally:
        server.terminate()
        server.wait(timeout=30)
