"""Placeholder: GDPR export/erasure endpoints (owned by ops)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("privacy", __name__)
