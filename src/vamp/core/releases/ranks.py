"""Latency histograms: per-bucket counts, rescaling, percentiles, and the Mann-Whitney rank test.

The data plane counts each route's requests into the same latency buckets (cumulative counts at
increasing upper bounds, the last infinite). A histogram is all a judge gets, so everything here works
on buckets: within a bucket the requests are taken as spread evenly on a log scale between its bounds
(the buckets are geometric), and in the first bucket evenly from 0.

``scaled`` moves a histogram as if every request had taken ``factor`` times as long, read back at any
bounds: that is how a relative tolerance becomes a comparison (the candidate against the baseline
slowed by 20 %), and how histograms with different bounds are brought onto the same ones.

``mann_whitney`` is the rank-sum test on two histograms: ``U`` counts the pairs (candidate request,
baseline request) in which the candidate's is slower, a tie (the same bucket) counting half; ``z`` is
``U`` standardised with the variance corrected for ties, positive when the candidate is slower.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RankSum:
    """The Mann-Whitney ``u`` of candidate over baseline, its mean and deviation under no difference,
    and ``z``; ``probability`` is ``U`` over the number of pairs (0.5 when neither is slower)."""

    u: float
    mean: float
    deviation: float
    z: float
    probability: float


def is_histogram(bounds: Sequence[float], counts: Sequence[float]) -> bool:
    """Whether ``bounds`` increase from above 0 to infinity and ``counts`` are cumulative over them."""
    if not bounds or len(bounds) != len(counts) or bounds[-1] != math.inf or bounds[0] <= 0:
        return False
    if any(later <= earlier for earlier, later in itertools.pairwise(bounds)):
        return False
    return counts[0] >= 0 and all(later >= earlier for earlier, later in itertools.pairwise(counts))


def per_bucket(counts: Sequence[float]) -> list[float]:
    """The count in each bucket from cumulative counts."""
    return [count - (counts[index - 1] if index else 0) for index, count in enumerate(counts)]


def below(bounds: Sequence[float], counts: Sequence[float], latency: float) -> float:
    """How many requests took at most ``latency`` ms, interpolated within its bucket (all of them at
    infinity: the last bound is infinite, so every latency has a bucket)."""
    if latency <= 0:
        return 0.0
    index = bisect.bisect_left(bounds, latency)
    bound = bounds[index]
    before = float(counts[index - 1]) if index else 0.0
    if latency == bound:
        return float(counts[index])
    if bound == math.inf:
        return before
    lower = bounds[index - 1] if index else 0.0
    share = latency / bound if lower == 0 else math.log(latency / lower) / math.log(bound / lower)
    return before + (counts[index] - before) * share


def scaled(
    bounds: Sequence[float], counts: Sequence[float], factor: float, onto: Sequence[float]
) -> list[float]:
    """The cumulative counts at the bounds ``onto`` if every request had taken ``factor`` (above 0) times
    as long; at an infinite bound, all of them."""
    return [below(bounds, counts, bound / factor) for bound in onto]


def percentile(bounds: Sequence[float], counts: Sequence[float], percent: float) -> float | None:
    """The latency in ms below which ``percent`` % (above 0, at most 100) of the requests of a histogram
    fall, interpolated within its bucket; ``None`` without requests. In the last (infinite) bucket, the
    last finite bound."""
    total = counts[-1]
    if total <= 0:
        return None
    rank = total * percent / 100.0
    # The last count is the total, so some bucket holds the rank; as it is above 0, that bucket is not empty.
    index = next(index for index, count in enumerate(counts) if count >= rank)
    lower = bounds[index - 1] if index else 0.0
    upper = bounds[index]
    if upper == math.inf:
        return lower
    before = counts[index - 1] if index else 0.0
    share = (rank - before) / (counts[index] - before)
    if lower == 0:
        return upper * share
    return float(lower * (upper / lower) ** share)


def mann_whitney(baseline: Sequence[float], candidate: Sequence[float]) -> RankSum | None:
    """The rank-sum test of per-bucket counts on the same buckets; ``None`` when a side is empty."""
    base_total = sum(baseline)
    cand_total = sum(candidate)
    if base_total <= 0 or cand_total <= 0:
        return None
    u = 0.0
    below = 0.0
    ties = 0.0
    for base, cand in zip(baseline, candidate, strict=True):
        u += cand * (below + base / 2.0)
        below += base
        tied = base + cand
        ties += tied**3 - tied
    pairs = base_total * cand_total
    everyone = base_total + cand_total
    mean = pairs / 2.0
    correction = ties / (everyone * (everyone - 1.0))  # both sides hold a request: everyone is 2 or more
    variance = pairs / 12.0 * (everyone + 1.0 - correction)
    deviation = math.sqrt(max(variance, 0.0))
    z = (u - mean) / deviation if deviation > 0 else 0.0
    return RankSum(u=u, mean=mean, deviation=deviation, z=z, probability=u / pairs)
