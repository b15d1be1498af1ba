"""The demo company generator (being written; see backend/demo/people.py)."""

from __future__ import annotations


def load_demo(seed: int = 7) -> str:
    raise NotImplementedError("demo generator not written yet")
