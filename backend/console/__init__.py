"""Placeholder: the content team console (owned by the console engineer)."""

from __future__ import annotations

from flask import Flask


def register_console(app: Flask) -> None:
    """Register the console blueprint under /console."""
