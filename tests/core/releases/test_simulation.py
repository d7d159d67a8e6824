"""A small seeded simulation of whole releases: the judge catches regressions early and rarely fails an
equal candidate, however often it looks. (``bench/judge.py`` runs 1,000 replays and the static check.)"""

import itertools
import math
import random
from dataclasses import dataclass, field
from statistics import NormalDist

from vamp.core.latency_buckets import latency_bounds
from vamp.core.releases.judge import Criteria, Outcome, Sample, judge

BOUNDS = latency_bounds()
WEIGHTS = (0.05, 0.10, 0.25, 0.50, 1.00)
REPLAYS = 200


def binomial(rng: random.Random, trials: int, rate: float) -> int:
    """A binomial draw by inversion (in chunks, so that the chance of no error does not underflow)."""
    if trials <= 0 or rate <= 0.0:
        return 0
    chunk = max(1, int(600.0 / -math.log1p(-rate)))
    if trials > chunk:
        return binomial(rng, chunk, rate) + binomial(rng, trials - chunk, rate)
    odds, mass = rate / (1.0 - rate), (1.0 - rate) ** trials
    total, draw, count = mass, rng.random(), 0
    while draw > total and count < trials:
        mass *= (trials - count) / (count + 1) * odds
        count += 1
        total += mass
    return count


def shares(median_ms: float) -> list[float]:
    normal = NormalDist(math.log(median_ms), 0.5)
    return [1.0 if bound == math.inf else normal.cdf(math.log(bound)) for bound in BOUNDS]


@dataclass
class Cohort:
    """What one route has served since the release started."""

    requests: int = 0
    errors: int = 0
    per_bucket: list[int] = field(default_factory=lambda: [0] * len(BOUNDS))

    def serve(self, rng: random.Random, requests: int, rate: float, median_ms: float | None) -> None:
        self.requests += requests
        self.errors += binomial(rng, requests, rate)
        if median_ms is not None:
            for bucket in rng.choices(range(len(BOUNDS)), cum_weights=shares(median_ms), k=requests):
                self.per_bucket[bucket] += 1

    def sample(self) -> Sample:
        return Sample(self.requests, self.errors, BOUNDS, tuple(itertools.accumulate(self.per_bucket)))


def release(
    criteria: Criteria, seed: int, base_rate: float, cand_rate: float, slowdown: float, *, latency: bool
) -> int | None:
    """The candidate requests served when the judge fails the candidate, or ``None`` if it never does.

    Steps 5 .. 100 %, 2,000 requests each and at least 200 to the candidate; cumulative samples."""
    rng = random.Random(seed)
    base, cand = Cohort(), Cohort()
    for look, weight in enumerate(WEIGHTS, start=1):
        cand_n = max(200, round(2000 * weight))
        base.serve(rng, round(cand_n * (1 - weight) / weight), base_rate, 50.0 if latency else None)
        cand.serve(rng, cand_n, cand_rate, 50.0 * slowdown if latency else None)
        verdict = judge(criteria, base.sample(), cand.sample(), look=look, looks=len(WEIGHTS))
        if verdict.outcome is Outcome.FAIL:
            return cand.requests
    return None


def rolled_back(
    criteria: Criteria, base_rate: float, cand_rate: float, slowdown: float = 1.0, *, latency: bool = False
) -> list[int]:
    found = (
        release(criteria, seed, base_rate, cand_rate, slowdown, latency=latency) for seed in range(REPLAYS)
    )
    return [requests for requests in found if requests is not None]


def test_a_candidate_with_two_percent_more_errors_is_mostly_caught_within_two_thousand_requests() -> None:
    caught = rolled_back(Criteria(latency_increase=None), 0.001, 0.021)
    assert len(caught) >= 0.99 * REPLAYS
    # The bench's 1,000 replays measure 91.6 %; 200 replays vary by about 2 points.
    assert sum(requests <= 2000 for requests in caught) >= 0.85 * REPLAYS


def test_equal_candidates_are_rarely_failed_over_a_whole_release() -> None:
    criteria = Criteria(latency_increase=None)
    assert len(rolled_back(criteria, 0.001, 0.001)) <= 0.01 * REPLAYS
    assert len(rolled_back(criteria, 0.05, 0.05)) <= 0.01 * REPLAYS


def test_a_candidate_twenty_percent_slower_is_caught_with_a_ten_percent_tolerance() -> None:
    criteria = Criteria(error_increase=None, latency_increase=0.1)
    caught = rolled_back(criteria, 0.0, 0.0, 1.2, latency=True)
    assert sum(requests <= 2000 for requests in caught) >= 0.9 * REPLAYS


def test_an_equally_fast_candidate_is_rarely_failed() -> None:
    caught = rolled_back(Criteria(error_increase=None), 0.0, 0.0, 1.0, latency=True)
    assert len(caught) <= 0.02 * REPLAYS
