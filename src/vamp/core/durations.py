"""How long something took, counted into histogram buckets: what the server's ``/metrics`` exposes.

``Durations`` keeps the per-bucket counts, the sum and the count of the durations it observed, in
seconds (Prometheus' base unit), under ``BOUNDS`` unless given others. It only counts; the exposition
format is the interfaces' business (``vamp.interfaces.server_metrics``). Pure: the caller measures.
"""

from __future__ import annotations

import bisect
import math

BOUNDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)
"""Upper bounds in seconds, from half a millisecond (an API read) to ten seconds (a slow reconcile)."""


class Durations:
    """A histogram of durations in seconds; the last bound is infinite, so every duration has a bucket."""

    def __init__(self, bounds: tuple[float, ...] = BOUNDS) -> None:
        if not bounds or bounds[-1] != math.inf or list(bounds) != sorted(bounds):
            raise ValueError(f"Durations: bounds must be ascending and end with infinity, not {bounds}")
        self.bounds = bounds
        self._counts = [0] * len(bounds)
        self.sum = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        """Count one duration."""
        self._counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.sum += seconds
        self.count += 1

    def cumulative(self) -> list[tuple[float, int]]:
        """``(bound, durations at most bound)`` for every bound, as Prometheus' buckets count."""
        total, buckets = 0, []
        for bound, count in zip(self.bounds, self._counts, strict=True):
            total += count
            buckets.append((bound, total))
        return buckets
