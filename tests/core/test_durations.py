"""Durations into cumulative buckets, as Prometheus counts them: a duration on a bound is in that bucket."""

from __future__ import annotations

import math

import pytest

from vamp.core.durations import Durations


def test_durations_fall_in_the_first_bucket_at_least_their_size_and_buckets_accumulate():
    durations = Durations((0.01, 0.1, math.inf))
    for seconds in (0.005, 0.01, 0.05, 3.0):
        durations.observe(seconds)

    assert durations.cumulative() == [(0.01, 2), (0.1, 3), (math.inf, 4)]
    assert durations.count == 4
    assert durations.sum == pytest.approx(3.065)


@pytest.mark.parametrize("bounds", [(), (0.1, 0.01, math.inf), (0.1, 1.0)])
def test_bounds_must_ascend_to_infinity(bounds):
    with pytest.raises(ValueError, match="ascending and end with infinity"):
        Durations(bounds)
