"""Placeholder: replaced by the engineer who owns this resource."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("redirect", __name__)
