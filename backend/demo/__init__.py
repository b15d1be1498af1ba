"""The demo company: Nordvind Digital A/S, a Danish cloud, security and software consultancy.

``load_demo(seed, now)`` (inside an app context) adds 42 people, three campaigns with goals,
~180 English and Danish articles and 90 days of suggestions, shares, clicks, conversions and
profile snapshots ending at ``now``. The same seed and ``now`` give the same data; loading twice
adds nothing. ``flask --app wsgi seed-demo`` prints the summary it returns.
"""

from __future__ import annotations

from backend.demo.generator import (
    DEFAULT_SEED,
    HISTORY_DAYS,
    MARKER_KEY,
    DemoResult,
    generate,
    is_loaded,
    load_demo,
)
from backend.demo.people import ADMIN_EMAIL, COMPANY, CONTENT_EMAILS, DOMAIN, ROSTER

__all__ = [
    "ADMIN_EMAIL",
    "COMPANY",
    "CONTENT_EMAILS",
    "DEFAULT_SEED",
    "DOMAIN",
    "HISTORY_DAYS",
    "MARKER_KEY",
    "ROSTER",
    "DemoResult",
    "generate",
    "is_loaded",
    "load_demo",
]
