"""Simulation of the release judge against a static threshold check, on the same seeded replays.

Each scenario replays a 5-step canary release (the candidate's weight 5, 10, 25, 50 then 100 %) 1,000
times. A step lasts one interval of ``INTERVAL`` requests through the gateway, and at least until the
candidate has served ``SAMPLES`` (200, 200, 500, 1,000 and 2,000 candidate requests; 200, 400, 900,
1,900 and 3,900 in all after each step). After each step:

* the judge (``vamp.core.releases.judge``) sees everything both routes served since the release started,
  at look k of 5, and rolls back on FAIL;
* the static check, as Flagger and Argo Rollouts do it, sees only that step's interval and rolls back when
  the candidate's 5xx rate is above 1 %, or its p99 above a fixed line (20 % above the baseline's true
  p99), or when there is no data at all ("no values found").

Errors are drawn per request (binomial); latencies are log-normal (median 50 ms, log deviation 0.5),
counted into the data plane's buckets (``vamp.core.latency_buckets``). A latency regression multiplies
every request's latency, so "+20 %" moves the median, the p99 and every other percentile by 20 %; the
judge's ``latency_increase`` is the same kind of factor, so a candidate 20 % slower sits exactly on a
20 % tolerance (the row "on the limit" shows it is failed at most 5 % of the time) and the regression
row uses a 10 % tolerance. The error scenarios judge errors only, the latency ones latency only.

Errors are judged at confidence 90 % for (a) and (b): a candidate 1 point beyond a 1 % tolerance (2.1 %
against 0.1 %) is hard to tell from one on it, and even one test of exactly 2,000 candidate requests at
the 5 % level catches it only 96.8 % of the time (exact binomial); five looks that share 5 % catch it
91.6 % of the time within 2,000. At 90 % the false alarms of equal candidates stay far under 1 % (they are
far from the limit; only a candidate exactly on it is failed up to 10 % of the time): the rows at 95 %
show the same replays at the policy's default.

Prints one table: per scenario, how often each side rolled back, how often within 2,000 candidate requests,
the mean candidate requests at rollback, and the target. Run: ``.venv/bin/python -m bench.judge``
(about 15 s on 2 cores). Benchmarks are never tests.
"""

from __future__ import annotations

import itertools
import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist, fmean

from vamp.core.latency_buckets import latency_bounds
from vamp.core.releases.judge import Criteria, Outcome, Sample, judge
from vamp.core.releases.ranks import percentile

REPLAYS = 1_000
WEIGHTS = (0.05, 0.10, 0.25, 0.50, 1.00)
INTERVAL = 2_000
"""Requests through the gateway per step."""
SAMPLES = 200
"""Candidate requests a step waits for at least."""
WITHIN = 2_000
"""Candidate requests by which a regression should be caught."""
STATIC_ERRORS = 0.01
MEDIAN_MS = 50.0
LOG_DEVIATION = 0.5
BOUNDS = latency_bounds()
STATIC_P99_MS = MEDIAN_MS * math.exp(NormalDist().inv_cdf(0.99) * LOG_DEVIATION) * 1.2
ERRORS_ONLY = Criteria(latency_increase=None)
LATENCY_ONLY = Criteria(error_increase=None)
SILENT_LOOKS = 10


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    criteria: Criteria
    target: str
    baseline_errors: float = 0.0
    candidate_errors: float = 0.0
    slowdown: float = 1.0
    """The candidate's latencies are the baseline's times this."""
    traffic: bool = True
    latency: bool = False


@dataclass(slots=True)
class Tally:
    """How one side fared over the replays of a scenario."""

    rolled_back: int = 0
    within: int = 0
    waited_throughout: int = 0
    at_rollback: list[int] = field(default_factory=list)


def binomial(rng: random.Random, trials: int, rate: float) -> int:
    """A binomial draw by inversion (Python 3.11 has no ``binomialvariate``), in chunks small enough that
    the chance of no success in one does not underflow."""
    if trials <= 0 or rate <= 0.0:
        return 0
    if rate >= 1.0:
        return trials
    chunk = max(1, int(600.0 / -math.log1p(-rate)))
    successes = 0
    for start in range(0, trials, chunk):
        successes += _inverted(rng, min(chunk, trials - start), rate)
    return successes


def _inverted(rng: random.Random, trials: int, rate: float) -> int:
    odds = rate / (1.0 - rate)
    mass = (1.0 - rate) ** trials
    total = mass
    draw = rng.random()
    count = 0
    while draw > total and count < trials:
        mass *= (trials - count) / (count + 1) * odds
        count += 1
        total += mass
    return count


def cumulative_shares(slowdown: float) -> list[float]:
    """The log-normal's share of requests at or below each bound, ``slowdown`` times slower."""
    centre = math.log(MEDIAN_MS * slowdown)
    normal = NormalDist(centre, LOG_DEVIATION)
    return [1.0 if bound == math.inf else normal.cdf(math.log(bound)) for bound in BOUNDS]


def histogram(rng: random.Random, shares: Sequence[float], requests: int) -> list[int]:
    """Per-bucket counts of ``requests`` latencies drawn from the cumulative ``shares``."""
    counts = [0] * len(shares)
    for bucket in rng.choices(range(len(shares)), cum_weights=shares, k=requests):
        counts[bucket] += 1
    return counts


def accumulate(per_bucket: Sequence[int]) -> tuple[int, ...]:
    """Cumulative counts, as the data plane reports them."""
    return tuple(itertools.accumulate(per_bucket))


def p99(per_bucket: Sequence[int]) -> float | None:
    """The p99 of one interval's histogram, interpolated within its bucket as the judge reads it."""
    return percentile(BOUNDS, accumulate(per_bucket), 99.0)


def step_requests(weight: float) -> tuple[int, int]:
    """(baseline, candidate) requests in one step at the candidate's ``weight``."""
    candidate = max(SAMPLES, round(INTERVAL * weight))
    return round(candidate * (1.0 - weight) / weight), candidate


def replay(scenario: Scenario, seed: int, judged: Tally, static: Tally) -> None:
    """One release, judged by both sides on the same draws."""
    rng = random.Random(seed)
    base_shares = cumulative_shares(1.0)
    cand_shares = cumulative_shares(scenario.slowdown)
    looks = len(WEIGHTS) if scenario.traffic else SILENT_LOOKS
    totals = {"base_n": 0, "base_e": 0, "cand_n": 0, "cand_e": 0}
    base_hist = [0] * len(BOUNDS)
    cand_hist = [0] * len(BOUNDS)
    judge_done = static_done = False
    waits = 0
    for look in range(1, looks + 1):
        weight = WEIGHTS[min(look, len(WEIGHTS)) - 1]
        base_n, cand_n = step_requests(weight) if scenario.traffic else (0, 0)
        cand_e = binomial(rng, cand_n, scenario.candidate_errors)
        totals["base_n"] += base_n
        totals["base_e"] += binomial(rng, base_n, scenario.baseline_errors)
        totals["cand_n"] += cand_n
        totals["cand_e"] += cand_e
        step_cand_hist: list[int] = [0] * len(BOUNDS)
        if scenario.latency:
            step_cand_hist = histogram(rng, cand_shares, cand_n)
            for index, count in enumerate(histogram(rng, base_shares, base_n)):
                base_hist[index] += count
            for index, count in enumerate(step_cand_hist):
                cand_hist[index] += count
        if not judge_done:
            verdict = judge(
                scenario.criteria,
                Sample(totals["base_n"], totals["base_e"], BOUNDS, accumulate(base_hist)),
                Sample(totals["cand_n"], totals["cand_e"], BOUNDS, accumulate(cand_hist)),
                look=look,
                looks=looks,
            )
            waits += verdict.outcome is Outcome.WAIT
            if verdict.outcome is Outcome.FAIL:
                judge_done = True
                record(judged, totals["cand_n"])
        if not static_done and static_fails(scenario, cand_n, cand_e, step_cand_hist):
            static_done = True
            record(static, totals["cand_n"])
    judged.waited_throughout += waits == looks


def static_fails(scenario: Scenario, requests: int, errors: int, per_bucket: Sequence[int]) -> bool:
    """Flagger's and Argo's check of one interval: a fixed line, and "no values found" fails."""
    if requests == 0:
        return True
    if scenario.criteria.error_increase is not None and errors / requests > STATIC_ERRORS:
        return True
    if scenario.latency:
        line = p99(per_bucket)
        return line is not None and line > STATIC_P99_MS
    return False


def record(tally: Tally, candidate_requests: int) -> None:
    tally.rolled_back += 1
    tally.within += candidate_requests <= WITHIN
    tally.at_rollback.append(candidate_requests)


ERRORS_90 = Criteria(confidence=0.90, latency_increase=None)
"""Errors judged at confidence 90 %: what (a) needs (see the module's docstring)."""

SCENARIOS = (
    Scenario("(a) errors 2.1 % vs 0.1 %, confidence 90 %", ERRORS_90, ">= 95 % within 2,000", 0.001, 0.021),
    Scenario("(a) the same at confidence 95 %", ERRORS_ONLY, "(for comparison)", 0.001, 0.021),
    Scenario("(b) errors 0.1 % vs 0.1 %, confidence 90 %", ERRORS_90, "<= 1 % wrongly", 0.001, 0.001),
    Scenario("(b) errors 5 % vs 5 %, confidence 90 %", ERRORS_90, "<= 1 % wrongly", 0.05, 0.05),
    Scenario("(b) errors 5 % vs 5 %, confidence 95 %", ERRORS_ONLY, "<= 1 % wrongly", 0.05, 0.05),
    Scenario("errors 1.1 % vs 0.1 %: on the limit, 90 %", ERRORS_90, "<= 10 % (alpha)", 0.001, 0.011),
    Scenario("errors 1.1 % vs 0.1 %: on the limit, 95 %", ERRORS_ONLY, "<= 5 % (alpha)", 0.001, 0.011),
    Scenario(
        "(c) latency +20 %, tolerance 10 %",
        Criteria(error_increase=None, latency_increase=0.1),
        ">= 90 % within 2,000",
        slowdown=1.2,
        latency=True,
    ),
    Scenario("latency +50 %, tolerance 20 %", LATENCY_ONLY, "caught", slowdown=1.5, latency=True),
    Scenario(
        "latency +20 %, tolerance 20 %: on the limit",
        LATENCY_ONLY,
        "<= 5 % (alpha)",
        slowdown=1.2,
        latency=True,
    ),
    Scenario("latency equal, tolerance 20 %", LATENCY_ONLY, "<= 1 % wrongly", latency=True),
    Scenario(f"(d) no traffic for {SILENT_LOOKS} looks", Criteria(), "wait, never fail", traffic=False),
)


def share(count: int, replays: int) -> str:
    return f"{100.0 * count / replays:5.1f} %"


def columns(tally: Tally, replays: int, width: int) -> str:
    """Rolled back, rolled back within ``WITHIN`` candidate requests, and the mean requests at rollback."""
    mean = f"{fmean(tally.at_rollback):6,.0f}" if tally.at_rollback else "-"
    return f"{share(tally.rolled_back, replays):>{width}} {share(tally.within, replays):>8} {mean:>7}"


def main(replays: int = REPLAYS) -> None:
    print(
        f"{replays:,} seeded replays per scenario; steps {', '.join(f'{w:.0%}' for w in WEIGHTS)}; "
        f"{INTERVAL:,} requests per step, at least {SAMPLES} to the candidate; static p99 line "
        f"{STATIC_P99_MS:.0f} ms."
    )
    head = (
        f"{'scenario':44} | {'judge: rolled back':>18} {'<=2,000':>8} {'mean n':>7} | "
        f"{'static: rolled back':>19} {'<=2,000':>8} {'mean n':>7} | target"
    )
    print(head)
    print("-" * len(head))
    started = time.perf_counter()
    for scenario in SCENARIOS:
        judged, static = Tally(), Tally()
        for seed in range(replays):
            replay(scenario, seed, judged, static)
        extra = (
            f" (waited every look: {share(judged.waited_throughout, replays)})"
            if not scenario.traffic
            else ""
        )
        ours, theirs = columns(judged, replays, 18), columns(static, replays, 19)
        print(f"{scenario.name:44} | {ours} | {theirs} | {scenario.target}{extra}")
        sys.stdout.flush()
    print(f"'mean n': candidate requests served when rolled back. {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else REPLAYS)
