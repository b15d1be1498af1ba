"""The soak benchmark's harness and what keeps a serving worker's memory flat.

``make bench-soak`` prints numbers; these tests check the behaviour behind them: the harness
measures each worker from a warm start to the end, gunicorn's workers give large blocks back to
the system, and per-request data cannot grow a worker's caches or metric series without bound.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.observability import LATENCY, REQUESTS
from backend.services import suggestions

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


def test_expired_signals_are_dropped_before_fresh_ones(app: Flask) -> None:
    suggestions._signal_cache.clear()
    try:
        for i in range(suggestions.SIGNAL_CACHE_MAX - 1):
            suggestions._cached(("peer", str(i)), dict)
        stale = next(iter(suggestions._signal_cache.values()))
        stale.at -= suggestions.SIGNAL_TTL_S + 1
        suggestions._cached(("peer", "new"), dict)
        suggestions._cached(("peer", "newer"), dict)
        assert ("peer", "0") not in suggestions._signal_cache  # the expired one went
        assert ("peer", "1") in suggestions._signal_cache  # fresh ones stayed
        assert len(suggestions._signal_cache) == suggestions.SIGNAL_CACHE_MAX
    finally:
        suggestions._signal_cache.clear()


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
