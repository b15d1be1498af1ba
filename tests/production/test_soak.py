"""The soak benchmark's harness and what keeps a serving worker's memory flat.

``make bench-soak`` prints numbers; these tests check the behaviour behind them: the harness
measures each worker from a warm start to the end, gunicorn's workers give large blocks back to
the system, and per-request data cannot grow a worker's caches or metric series without bound.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from backend.observability import LATENCY, REQUESTS
from backend.services import suggestions

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
