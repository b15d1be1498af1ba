"""Intervals describe the statistic they sit next to."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.metrics import ratio_bootstrap_ci


def test_ratio_interval_contains_the_micro_average_not_the_per_unit_mean() -> None:
    # 20 heavy users with 100 items and 10 hits, 20 light users with 1 item and 1 hit each:
    # micro-average 220/2020 ≈ 0.11; the mean of per-user recalls is 0.55.
    hits = np.array([10.0] * 20 + [1.0] * 20)
    items = np.array([100.0] * 20 + [1.0] * 20)
    lo, hi = ratio_bootstrap_ci(hits, items)
    point = hits.sum() / items.sum()
    assert lo <= point <= hi
    assert hi < 0.3 < float(np.mean(hits / items))


def test_ratio_interval_input_checks() -> None:
    assert np.isnan(ratio_bootstrap_ci([], [])[0])
    with pytest.raises(ValueError, match="2 numerators but 1 denominators"):
        ratio_bootstrap_ci([1.0, 2.0], [1.0])
