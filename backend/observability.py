"""Structured JSON logs with request ids, and Prometheus metrics at ``/metrics``.

Logs: one JSON object per line on stderr (``HERALD_LOG_FORMAT=json``, the default), with the
request id that backend/hooks.py puts in ``g.request_id`` (and echo as ``X-Request-ID``).
Anything that looks like a secret (API tokens, pairing codes, bearer headers, HMAC signatures) is
masked before it is written, as a second line of defence: the code logs no secrets on purpose.

Metrics: prometheus_client. Under gunicorn, ``backend/gunicorn_conf.py`` sets
``PROMETHEUS_MULTIPROC_DIR`` so every worker writes its samples to shared files and any worker can
answer a scrape with the sum over all of them. ``/metrics`` is readable from the addresses in
``HERALD_METRICS_ALLOWED_IPS`` (loopback by default) or from anywhere with
``Authorization: Bearer $HERALD_METRICS_TOKEN``; everyone else gets 404, so it is not advertised.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

from backend.errors import error_response
from backend.extensions import limiter

log = logging.getLogger("herald.observability")

# --- metrics ---------------------------------------------------------------------------------

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "herald_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "herald_http_request_duration_seconds",
    "Time to answer a request, by route template and method",
    ["route", "method"],
    buckets=_BUCKETS,
)
SUGGESTION_LATENCY = Histogram(
    "herald_suggestion_duration_seconds",
    "Time to answer a suggestions request (model scoring included)",
    ["route"],
    buckets=_BUCKETS,
)


def _suggestion_route(route: str) -> bool:
    return route.startswith("/api/v1/suggestions")


# Label values must come from a fixed set: every distinct combination is a new series, kept in
# every worker and in the multiprocess files for good. Routes are templates (or "<unmatched>") and
# statuses are the app's own; the method is whatever token the client sent (gunicorn accepts any
# upper-case token of 3-20 characters), so anything unusual is counted as "other".
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Record one answered request (called by backend.hooks.log_request)."""
    method = method if method in _METHODS else "other"
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    LATENCY.labels(route=route, method=method).observe(seconds)
    if _suggestion_route(route):
        SUGGESTION_LATENCY.labels(route=route).observe(seconds)


class StateCollector(Collector):
    """Scrape-time gauges read from the database: active model version, pending webhook deliveries.

    Read when scraped (not kept per worker) so every worker reports the same, current value.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        from sqlalchemy import func, select

        from backend.extensions import db
        from backend.models import ModelVersion, WebhookDelivery

        up = GaugeMetricFamily("herald_database_up", "1 when the database answered the scrape")
        model = GaugeMetricFamily(
            "herald_model_version_info",
            "The active recommender model version (value is always 1)",
            labels=["version", "encoder"],
        )
        pending = GaugeMetricFamily(
            "herald_webhook_deliveries_pending",
            "Outbound webhook deliveries waiting to be sent (the queue of pending writes)",
        )
        try:
            with self.app.app_context():
                active = db.session.execute(
                    select(ModelVersion.version, ModelVersion.encoder)
                    .where(ModelVersion.status == "active")
                    .order_by(ModelVersion.activated_at.desc())
                    .limit(1)
                ).first()
                waiting = db.session.scalar(
                    select(func.count())
                    .select_from(WebhookDelivery)
                    .where(WebhookDelivery.status == "pending")
                )
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail because the DB did
            log.warning("metrics: database unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        if active is not None:
            model.add_metric([active[0], active[1]], 1)
        else:
            model.add_metric(["none", ""], 1)
        yield model
        pending.add_metric([], float(waiting or 0))
        yield pending


def render_metrics(app: Flask) -> bytes:
    """The Prometheus text exposition: request metrics (all workers) plus scrape-time state."""
    state = CollectorRegistry(auto_describe=False)
    state.register(StateCollector(app))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers)  # type: ignore[no-untyped-call]
        return generate_latest(workers) + generate_latest(state)
    return generate_latest(REGISTRY) + generate_latest(state)


def metrics_allowed(app: Flask) -> bool:
    token = app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), str(token).encode()
        ):
            return True
    return (request.remote_addr or "") in set(app.config.get("METRICS_ALLOWED_IPS") or ())


# --- logs ------------------------------------------------------------------------------------

# Masked wherever they appear in a log line: API tokens, "Bearer ..." values, pairing codes,
# HMAC signatures ("sha256=<hex>" / "v1=<hex>").
_SECRET_PATTERNS = (
    re.compile(r"hrd_[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)(bearer\s+)[^\s\"',]+"),
    re.compile(r"\b[A-HJKMNP-TV-Z2-9]{5}-[A-HJKMNP-TV-Z2-9]{5}\b"),
    re.compile(r"(?i)((?:sha256|v1)=)[0-9a-f]{32,}"),
)


# A case-insensitive pattern can only match where its literal part appears in the case-folded
# text (``casefold`` maps every character that ``re.IGNORECASE`` equates with these letters, the
# long s included, to its lowercase letter). Scanning with a ``(?i)`` pattern costs several times
# a ``casefold`` and a substring search, and most lines (every request's access line) have none.
_LITERALS: dict[re.Pattern[str], tuple[str, ...]] = {
    _SECRET_PATTERNS[1]: ("bearer",),
    _SECRET_PATTERNS[3]: ("sha256=", "v1="),
}


def redact(text: str) -> str:
    """Mask anything that looks like a secret.

    The line is folded once, before any masking: a mask ("[redacted]", after a kept prefix of the
    line) holds none of the literals and brackets cannot join two pieces of the line into one, so
    every literal of the masked line was already in the original."""
    folded: str | None = None
    for pattern in _SECRET_PATTERNS:
        literals = _LITERALS.get(pattern)
        if literals is not None:
            if folded is None:
                folded = text.casefold()
            if not any(literal in folded for literal in literals):
                continue
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
        else:
            text = pattern.sub("[redacted]", text)
    return text


_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, request_id, ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is None and has_request_context():
            request_id = g.get("request_id")
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        entry["pid"] = record.process
        return redact(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """Plain lines for a developer's terminal, secrets masked all the same."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


_HANDLER_MARK = "_herald_handler"


def configure_logging(fmt: str, level: str) -> None:
    """Send the root logger to stderr in ``fmt`` (json|text); idempotent."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper())


# --- wiring ----------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Install JSON logging and ``GET /metrics`` (backend/hooks.py records each request)."""
    if not app.testing:  # tests capture records with pytest's own handlers
        configure_logging(str(app.config["LOG_FORMAT"]), str(app.config["LOG_LEVEL"]))

    @limiter.exempt
    def metrics() -> Response:
        if not metrics_allowed(current_app):
            return error_response(404, "not_found", "not found")
        return Response(render_metrics(current_app), mimetype=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", endpoint="metrics", view_func=metrics, methods=["GET"])
