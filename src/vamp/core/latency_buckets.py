"""The latency buckets a gateway's data plane counts requests into, fine enough to judge a release by.

A release's judge compares the latency of two routes from their histograms alone, so the buckets must
tell a 20 % change apart anywhere from a cached answer to a slow report: bounds grow geometrically by
``RATIO`` (10 %) from ``FIRST`` (half a millisecond) up to ``LAST`` (a minute), and the last bound is
infinite so every request has a bucket. Envoy's default buckets (0.5, 1, 5, 10, 25 … ms) would put 10 ms
and 12 ms in one bucket. Pure: the data plane adapters configure these, the judge reads them back.
"""

from __future__ import annotations

import math

FIRST = 0.5
"""Milliseconds: the first bound."""
LAST = 60_000.0
"""Milliseconds: no finite bound is above this."""
RATIO = 1.1
"""Each bound is this many times the one before it."""


def latency_bounds() -> tuple[float, ...]:
    """The bucket upper bounds in milliseconds, increasing, each rounded to three significant digits,
    ending with ``math.inf``."""
    bounds: list[float] = []
    bound = FIRST
    while bound <= LAST:
        bounds.append(float(f"{bound:.3g}"))
        bound *= RATIO
    return (*bounds, math.inf)
