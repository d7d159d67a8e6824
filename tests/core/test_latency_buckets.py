"""The data plane's latency buckets tell a 20 % change apart from half a millisecond to a minute."""

import itertools
import math

from vamp.core.latency_buckets import FIRST, LAST, latency_bounds


def test_bounds_rise_by_about_ten_percent_from_half_a_millisecond_to_a_minute() -> None:
    bounds = latency_bounds()
    assert bounds[0] == FIRST
    assert bounds[-1] == math.inf
    assert bounds[-2] <= LAST < bounds[-2] * 1.11
    finite = bounds[:-1]
    ratios = [later / earlier for earlier, later in itertools.pairwise(finite)]
    assert all(1.09 < ratio < 1.11 for ratio in ratios)


def test_latencies_twenty_percent_apart_fall_in_different_buckets() -> None:
    bounds = latency_bounds()
    for latency in (0.6, 1.0, 10.0, 57.0, 480.0, 9_000.0, 45_000.0):
        bucket = next(i for i, bound in enumerate(bounds) if latency <= bound)
        slower = next(i for i, bound in enumerate(bounds) if latency * 1.2 <= bound)
        assert slower >= bucket + 1
