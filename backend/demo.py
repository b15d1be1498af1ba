"""Placeholder: the demo company generator (replaced by the content engineer)."""

from __future__ import annotations


def load_demo(seed: int = 7) -> str:
    raise NotImplementedError("demo generator not written yet")
