"""How fast this machine is right now: a fixed reference workload, timed next to a benchmark.

A shared virtual machine changes speed under a benchmark. On session 9's 2-vCPU VM the reference
below took 8 ms in one second and 16 ms a few seconds later, with the machine otherwise idle and
its CPU time doubling with it (so it is the vCPU that slowed down, not a queue for it), and the
same redirect benchmark printed 572 and 2,298 requests/s minutes apart. The load average does
not show this. ``make bench-speed`` and ``make bench-load`` print the reference's time before and
after each cell, so a number measured in a slow phase can be told from a slower build.
"""

from __future__ import annotations

import statistics
import time

REFERENCE_LOOPS = 300_000  # ~8 ms of one core on the VM above when it runs at full speed


def _reference() -> int:
    total = 0
    for i in range(REFERENCE_LOOPS):
        total += i * i
    return total


def reference_ms(repeats: int = 3) -> float:
    """Median wall time of the reference workload, in milliseconds (one core, pure Python)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _reference()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def reference_span(before: float, after: float) -> str:
    """``before-after`` as a table cell."""
    return f"{before:.1f}-{after:.1f}"
