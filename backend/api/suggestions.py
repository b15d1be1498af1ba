"""Placeholder: the recommender engineer replaces this module (POST /suggestions, /events)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("suggestions", __name__)
