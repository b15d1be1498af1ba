"""Placeholder: articles API (replaced by the content engineer)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("articles", __name__)
