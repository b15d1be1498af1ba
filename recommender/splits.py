"""Time-based splits (the default: a model never sees the future it is scored on)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

WEEK_S = 7 * 86400


def time_split(
    timestamps: NDArray[np.float64] | NDArray[np.int64], test_fraction: float = 0.2
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], float]:
    """Train = events before the cutoff, test = at or after it; cutoff leaves ``test_fraction``."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    ts = np.asarray(timestamps, dtype=np.float64)
    if ts.size == 0:
        raise ValueError("cannot split an empty interaction log")
    cutoff = float(np.quantile(ts, 1.0 - test_fraction))
    test = ts >= cutoff
    return ~test, test, cutoff


@dataclass(frozen=True)
class Fold:
    start: float
    end: float
    train: NDArray[np.bool_]
    test: NDArray[np.bool_]


def weekly_folds(
    timestamps: NDArray[np.float64] | NDArray[np.int64],
    first_test_start: float,
    period_s: float = WEEK_S,
    last_end: float | None = None,
) -> Iterator[Fold]:
    """Expanding-window folds: train on everything before week W, test on week W."""
    ts = np.asarray(timestamps, dtype=np.float64)
    end_all = float(ts.max()) + 1 if last_end is None else last_end
    start = first_test_start
    while start < end_all:
        end = start + period_s
        yield Fold(start, end, ts < start, (ts >= start) & (ts < end))
        start = end
