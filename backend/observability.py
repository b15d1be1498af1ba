"""Placeholder: structured JSON logs, request ids and Prometheus metrics (owned by ops)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install logging and metrics hooks."""
