"""Benchmarks: ``python -m training.benchmarks.quality`` and ``... .speed`` (printed only)."""
