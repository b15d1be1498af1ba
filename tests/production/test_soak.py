"""The soak benchmark's harness and what keeps a serving worker's memory flat.

``make bench-soak`` prints numbers; these tests check the behaviour behind them: the harness
measures each worker from a warm start to the end, gunicorn's workers give large blocks back to
the system, and per-request data cannot grow a worker's caches or metric series without bound.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from cachetools import TTLCache
from flask import Flask
from flask.testing import FlaskClient

from backend.observability import LATENCY, REQUESTS
from backend.services import suggestions
from training.benchmarks import soak

ROOT = Path(__file__).resolve().parents[2]


def load_gunicorn_conf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> ModuleType:
    """backend/gunicorn_conf.py as gunicorn loads it (a file, not a package module)."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location(
        "herald_gunicorn_conf_under_test", ROOT / "backend" / "gunicorn_conf.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- gunicorn workers --------------------------------------------------------------------------


@pytest.mark.skipif(not os.uname().sysname == "Linux", reason="glibc malloc settings")
def test_workers_fix_the_mmap_threshold(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    conf = load_gunicorn_conf(monkeypatch, tmp_path)
    done = conf.tune_malloc()
    if done is None:
        pytest.skip("this C library has no mallopt (not glibc)")
    assert done == {"mmap_threshold": 128 * 1024}
    assert conf.post_fork is not None  # gunicorn calls it in every new worker


def test_malloc_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    conf = load_gunicorn_conf(
        monkeypatch,
        tmp_path,
        HERALD_MALLOC_MMAP_THRESHOLD="0",
        HERALD_MALLOC_ARENA_MAX="2",
    )
    done = conf.tune_malloc()
    if done is None:
        pytest.skip("this C library has no mallopt (not glibc)")
    assert done == {"arena_max": 2}  # 0 leaves glibc's own threshold alone


# --- bounded per-request state -----------------------------------------------------------------


def test_signal_cache_keeps_at_most_its_maximum(app: Flask) -> None:
    suggestions._signal_cache.clear()
    try:
        for i in range(suggestions.SIGNAL_CACHE_MAX * 2 + 3):
            value = suggestions._cached(("peer", "Sales", "AE", str(i)), lambda i=i: {i: 1.0})
            assert value == {i: 1.0}
            assert len(suggestions._signal_cache) <= suggestions.SIGNAL_CACHE_MAX
    finally:
        suggestions._signal_cache.clear()


def test_expired_signals_are_dropped_before_fresh_ones(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [0.0]
    cache: TTLCache[tuple[str, ...], dict[int, float]] = TTLCache(
        maxsize=suggestions.SIGNAL_CACHE_MAX, ttl=suggestions.SIGNAL_TTL_S, timer=lambda: now[0]
    )
    monkeypatch.setattr(suggestions, "_signal_cache", cache)
    suggestions._cached(("peer", "0"), dict)
    now[0] += suggestions.SIGNAL_TTL_S / 2
    for i in range(1, suggestions.SIGNAL_CACHE_MAX - 1):
        suggestions._cached(("peer", str(i)), dict)
    now[0] += suggestions.SIGNAL_TTL_S / 2 + 0.1  # "0" is past its TTL, the rest are not
    suggestions._cached(("peer", "new"), dict)
    suggestions._cached(("peer", "newer"), dict)
    assert ("peer", "0") not in cache  # the expired one went
    assert ("peer", "1") in cache  # fresh ones stayed
    assert len(cache) == suggestions.SIGNAL_CACHE_MAX


def _series(metric: Any) -> set[tuple[tuple[str, str], ...]]:
    return {
        tuple(sorted(sample.labels.items()))
        for family in metric.collect()
        for sample in family.samples
    }


def test_unusual_methods_add_no_metric_series(client: FlaskClient) -> None:
    client.open("/healthz", method="BREW")  # one "other" series may appear
    requests_before, latency_before = _series(REQUESTS), _series(LATENCY)
    for i in range(20):
        reply = client.open("/healthz", method=f"X{i}YZ")
        assert reply.status_code == 405
    assert _series(REQUESTS) == requests_before
    assert _series(LATENCY) == latency_before
    methods = {dict(labels).get("method") for labels in _series(REQUESTS)}
    assert "other" in methods
    assert not any(m and m.startswith("X") for m in methods)


# --- the harness -------------------------------------------------------------------------------


def test_report_prints_each_workers_growth_from_the_warm_start(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stats = soak.Stats()
    stats.add("POST /api/v1/suggestions", 0.05, 200)
    stats.add("GET /r/<code>", 0.01, 302)
    memory = soak.MemoryWatch(master=1)
    memory.samples = [
        (0.0, {11: 400 * 1024, 12: 500 * 1024, 13: 300 * 1024}),
        (30.0, {11: 420 * 1024, 12: 560 * 1024, 13: 300 * 1024}),
        (60.0, {11: 410 * 1024, 12: 520 * 1024, 14: 200 * 1024}),
    ]
    out = soak.report(
        stats, 60.0, 2, 3, memory, served_warm={11: 5, 12: 7}, served={11: 9, 12: 8, 14: 1}
    )
    text = capsys.readouterr().out
    assert out["growth"] == {11: 0.025, 12: 0.04, 13: None, 14: None}
    assert "11    400.0    410.0    +2.5%    420.0  5/9" in text
    assert "12    500.0    520.0    +4.0%    560.0  7/8" in text
    assert "13    300.0      0.0 recycled" in text
    assert "largest +4.0%" in text
    assert "note: workers [13] served no request during the warm-up" in text
    assert "errors (5xx, timeouts, transport): 0" in text


def test_warm_up_requests_are_not_counted() -> None:
    stats = soak.Stats(counting_from=float("inf"))
    stats.add("GET /r/<code>", 0.01, 500)
    assert not stats.latencies and not stats.errors
    stats.counting_from = 0.0
    stats.add("GET /r/<code>", 0.01, 500)
    assert stats.statuses["GET /r/<code>"] == {500: 1}
    assert len(stats.errors) == 1


def test_requests_are_counted_per_worker_from_the_log(tmp_path: Path) -> None:
    log = tmp_path / "gunicorn.log"
    lines = [
        {"message": "request", "pid": 7, "path": "/readyz"},
        "[2026-11-27 06:00:00 +0000] [6] [INFO] Booting worker with pid: 7",
        {"message": "request", "pid": 8, "path": "/api/v1/suggestions"},
        {"message": "recommender warm: model default in 1.0 s", "pid": 8},
        {"message": "request", "pid": 7, "path": "/r/<code>"},
    ]
    log.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", "utf-8"
    )
    middle = len(log.read_bytes().split(b"\n", 3)[0]) + 1  # after the first line
    assert soak.requests_per_worker(log, 0, None) == {7: 2, 8: 1}
    assert soak.requests_per_worker(log, 0, middle) == {7: 1}
    assert soak.requests_per_worker(log, middle, None) == {7: 1, 8: 1}


@pytest.fixture
def soak_database_url() -> Iterator[str]:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgresql+psycopg://...)")
    url = sa.engine.make_url(base)
    name = f"{url.database}_soak"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_a_short_soak_measures_every_worker_without_errors(
    soak_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HERALD_ENCODER", "hashing")
    monkeypatch.setenv("HERALD_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    result = soak.run(duration=4, clients=4, workers=2, database_url=soak_database_url, warmup=4)
    text = capsys.readouterr().out
    assert result["errors"] == 0, text
    assert result["requests"] > 0
    assert "POST /api/v1/suggestions" in result["routes"]
    assert len(result["rss_start"]) == 2
    assert set(result["rss_start"]) == set(result["rss_end"])  # nothing recycled in seconds
    assert all(kib > 0 for kib in result["rss_start"].values())
    assert all(isinstance(g, float) for g in result["growth"].values())
    assert "worker memory growth: largest" in text
