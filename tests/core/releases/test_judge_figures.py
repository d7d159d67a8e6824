"""The judge's figures and boundaries: every check's finding word for word from known inputs, the edges
of the criteria, and a p-value exactly at its look's level (fails) or just above it (passes)."""

import math
from dataclasses import astuple, replace
from statistics import NormalDist

import pytest

from tests.core.releases.test_judge import sample
from vamp.core.releases import spending
from vamp.core.releases.judge import Criteria, Finding, Outcome, Sample, Verdict, judge

GUARD_BOUNDS = (100.0, 200.0, 400.0, math.inf)
GUARD_BASELINE = Sample(1000, 10, GUARD_BOUNDS, (900, 990, 1000, 1000))
# p90 of the candidate: the 900th request, a third of the way (50 of 150) from 200 to 400 ms on a log scale.
GUARD_CANDIDATE = Sample(1000, 100, GUARD_BOUNDS, (700, 850, 1000, 1000))
CANDIDATE_P90 = 200.0 * 2.0 ** (1 / 3)


def signed_root(seen: float, requests: float, limit: float) -> float:
    """The signed root likelihood ratio of ``seen`` of ``requests`` against a rate of ``limit``."""
    rate = seen / requests
    gain = seen * math.log(rate / limit) + (requests - seen) * math.log((1 - rate) / (1 - limit))
    return math.sqrt(2 * gain)


def guards(error_max: float, latency_max: float) -> Criteria:
    return Criteria(
        error_increase=None,
        error_max=error_max,
        latency_increase=None,
        latency_max=latency_max,
        latency_percentile=90.0,
    )


def test_the_guards_fail_with_every_figure_a_user_reads() -> None:
    verdict = judge(guards(0.05, 220.0), GUARD_BASELINE, GUARD_CANDIDATE, look=2, looks=5)
    errors, latency = verdict.findings
    level = 0.05 * (4 - 1) / 25
    p_errors = 1 - NormalDist().cdf(signed_root(100, 1000, 0.05))
    assert astuple(errors) == (
        "errors.max",
        Outcome.FAIL,
        None,
        0.1,
        pytest.approx(signed_root(100, 1000, 0.05)),
        pytest.approx(p_errors),
        (1000, 1000),
        "The candidate's 5xx rate 10 % is above the 5 % allowed: "
        f"p = {p_errors:.2g} <= 0.006 at look 2 of 5.",
        pytest.approx(level),
    )
    # 220 ms is 0.1375 of the way (log scale) from 200 to 400 ms: 870.6 requests took at most that.
    slower = 1000 - (850 + 150 * math.log(1.1) / math.log(2.0))
    p_latency = 1 - NormalDist().cdf(signed_root(slower, 1000, 0.1))
    assert astuple(latency) == (
        "latency.max",
        Outcome.FAIL,
        pytest.approx(100.0),
        pytest.approx(CANDIDATE_P90),
        pytest.approx(signed_root(slower, 1000, 0.1)),
        pytest.approx(p_latency),
        (1000, 1000),
        "The candidate's p90 252 ms against the 220 ms allowed: more than 10 % of its requests take longer, "
        f"p = {p_latency:.2g} <= 0.006 at look 2 of 5.",
        pytest.approx(level),
    )
    assert verdict == Verdict(Outcome.FAIL, (errors, latency), errors.reason)


def test_the_guards_pass_a_candidate_within_them_and_say_by_how_much() -> None:
    verdict = judge(guards(0.2, 300.0), GUARD_BASELINE, GUARD_CANDIDATE, look=1, looks=1)
    errors, latency = verdict.findings
    assert astuple(errors) == (
        "errors.max",
        Outcome.PASS,
        None,
        0.1,
        0.0,
        1.0,
        (1000, 1000),
        "The candidate's 5xx rate 10 % is not beyond chance above the 20 % allowed (p = 1).",
        pytest.approx(0.05),
    )
    assert astuple(latency) == (
        "latency.max",
        Outcome.PASS,
        pytest.approx(100.0),
        pytest.approx(CANDIDATE_P90),
        0.0,
        1.0,
        (1000, 1000),
        "The candidate's p90 252 ms against the 300 ms allowed is not beyond chance too slow (p = 1).",
        pytest.approx(0.05),
    )
    assert verdict.reason == "Every check passes at look 1 of 1."


def test_the_latency_guard_without_a_baseline_histogram_reports_no_baseline() -> None:
    criteria = guards(0.2, 300.0)
    verdict = judge(criteria, Sample(0, 0, (), ()), GUARD_CANDIDATE, look=1, looks=1)
    latency = verdict.findings[1]
    assert (latency.outcome, latency.baseline) == (Outcome.PASS, None)


@pytest.mark.parametrize(
    ("criteria", "baseline", "candidate"),
    [
        (
            Criteria(latency_increase=None),
            GUARD_BASELINE,
            Sample(1000, 21, GUARD_BOUNDS, (900, 990, 1000, 1000)),
        ),
        (
            Criteria(error_increase=None, error_max=0.005, latency_increase=None),
            GUARD_BASELINE,
            Sample(1000, 6, GUARD_BOUNDS, (900, 990, 1000, 1000)),
        ),
        (Criteria(error_increase=None, latency_increase=0.0), GUARD_BASELINE, GUARD_BASELINE),
        (guards(1.0 - 1e-9, 220.0), GUARD_BASELINE, Sample(1000, 0, GUARD_BOUNDS, (700, 850, 1000, 1000))),
    ],
    ids=["errors", "errors.max", "latency", "latency.max"],
)
def test_a_check_whose_p_value_is_exactly_its_level_fails_and_one_just_above_passes(
    criteria: Criteria, baseline: Sample, candidate: Sample
) -> None:
    # Exactly on the line "fails only on evidence: its p-value at or below the level its look may spend".
    check = judge(criteria, baseline, candidate, look=1, looks=1).findings[-1]
    p = check.p_value
    assert p is not None
    assert 0 < p < 1
    assert 1 - (1 - p) == p  # the level of a single look at confidence 1 - p is p itself
    at = replace(criteria, confidence=1 - p)
    assert judge(at, baseline, candidate, look=1, looks=1).findings[-1].outcome is Outcome.FAIL
    above = replace(criteria, confidence=math.nextafter(1 - p, 1.0))
    assert judge(above, baseline, candidate, look=1, looks=1).findings[-1].outcome is Outcome.PASS


SLOW = Sample(1000, 0, GUARD_BOUNDS, (700, 850, 1000, 1000))
STEADY = Sample(1000, 0, GUARD_BOUNDS, (900, 990, 1000, 1000))


def test_the_latency_check_fails_with_its_figures_and_passes_saying_so() -> None:
    strict = Criteria(error_increase=None, latency_increase=0.0)
    failed = judge(strict, STEADY, SLOW, look=1, looks=1).findings[0]
    assert astuple(failed) == (
        "latency",
        Outcome.FAIL,
        200.0,
        pytest.approx(381.9366, rel=1e-6),
        pytest.approx(11.777741, rel=1e-6),
        0.0,
        (1000, 1000),
        "The candidate is slower than the baseline's latencies plus 0 % "
        "(p99 382 ms against the baseline's 200 ms): p = 0 <= 0.05 at look 1 of 1.",
        pytest.approx(0.05),
    )
    passed = judge(Criteria(error_increase=None), STEADY, STEADY, look=1, looks=1).findings[0]
    assert astuple(passed) == (
        "latency",
        Outcome.PASS,
        200.0,
        200.0,
        pytest.approx(-8.859758, rel=1e-6),
        1.0,
        (1000, 1000),
        "The candidate is not beyond chance slower than the baseline's latencies plus 20 % "
        "(p99 200 ms against the baseline's 200 ms, p = 1).",
        pytest.approx(0.05),
    )


def test_with_no_error_tolerance_any_clear_excess_fails() -> None:
    criteria = Criteria(error_increase=0.0, latency_increase=None)
    failed = judge(criteria, sample(8000, errors=8), sample(2000, errors=42), look=1, looks=1).findings[0]
    assert failed.outcome is Outcome.FAIL
    assert failed.statistic == pytest.approx(9.769438, rel=1e-6)
    assert failed.reason == (
        "The candidate's 5xx rate 2.10 % against the baseline's 0.10 % is more than 0 % more allowed: "
        "p = 0 <= 0.05 at look 1 of 1."
    )


@pytest.mark.parametrize(
    ("baseline", "candidate", "reason"),
    [
        (
            Sample(1000, 50, GUARD_BOUNDS, (900, 990, 1000, 1000)),
            Sample(1000, 50, GUARD_BOUNDS, (900, 990, 1000, 1000)),
            "The candidate's 5xx rate 5 % against the baseline's 5 % is within the 1 % more allowed.",
        ),
        (
            Sample(200, 0, GUARD_BOUNDS, (180, 198, 200, 200)),
            Sample(200, 2, GUARD_BOUNDS, (180, 198, 200, 200)),
            "The candidate's 5xx rate 1 % against the baseline's 0 % is within the 1 % more allowed.",
        ),
    ],
    ids=["equal rates", "exactly the tolerance more"],
)
def test_a_candidate_within_the_error_tolerance_says_so(
    baseline: Sample, candidate: Sample, reason: str
) -> None:
    found = judge(Criteria(latency_increase=None), baseline, candidate, look=1, looks=1).findings[0]
    assert (found.outcome, found.reason) == (Outcome.PASS, reason)


def test_the_latency_check_waits_for_the_baseline_too_and_says_which_check_waits() -> None:
    criteria = Criteria(error_increase=None)
    short = Sample(100, 0, GUARD_BOUNDS, (90, 99, 100, 100))
    verdict = judge(criteria, short, SLOW, look=1, looks=1)
    reason = "Waiting for samples: the baseline has served 100 of the 200 requests needed."
    assert verdict.findings == (
        Finding("latency", Outcome.WAIT, None, None, None, None, (100, 1000), reason),
    )


def test_without_a_minimum_a_check_still_needs_one_request() -> None:
    empty = Sample(0, 0, GUARD_BOUNDS, (0, 0, 0, 0))
    verdict = judge(Criteria(min_samples=0), empty, empty, look=1, looks=1)
    assert verdict.reason == "Waiting for samples: the candidate has served 0 of the 1 requests needed."
    one = Sample(1, 0, GUARD_BOUNDS, (1, 1, 1, 1))
    assert judge(Criteria(min_samples=0), one, one, look=1, looks=1).outcome is Outcome.PASS


def test_a_histogram_holding_fewer_requests_than_needed_waits_naming_its_count() -> None:
    thin = Sample(1000, 0, GUARD_BOUNDS, (90, 120, 140, 150))
    verdict = judge(Criteria(error_increase=None), STEADY, thin, look=1, looks=1)
    assert verdict.reason == (
        "Waiting for samples: the candidate's latency histogram holds 150 of the 200 requests needed."
    )
    tail = Sample(1000, 0, GUARD_BOUNDS, (90, 120, 150, 1000))
    assert judge(Criteria(error_increase=None), STEADY, tail, look=1, looks=1).outcome is Outcome.FAIL
    bad = Sample(1000, 0, GUARD_BOUNDS, (90, 50, 150, 150))
    assert judge(Criteria(error_increase=None), STEADY, bad, look=1, looks=1).reason == (
        "The candidate's latency histogram cannot be judged: its bounds must increase from above 0 ms "
        "to infinity and its counts be cumulative."
    )


def test_the_latency_guard_alone_also_waits_for_a_histogram_it_can_read() -> None:
    guard = Criteria(error_increase=None, latency_increase=None, latency_max=150.0)
    thin = Sample(1000, 0, GUARD_BOUNDS, (90, 120, 140, 150))
    verdict = judge(guard, STEADY, thin, look=1, looks=1)
    assert [(found.check, found.outcome) for found in verdict.findings] == [("latency.max", Outcome.WAIT)]
    assert verdict.reason == (
        "Waiting for samples: the candidate's latency histogram holds 150 of the 200 requests needed."
    )
    bad = Sample(1000, 0, GUARD_BOUNDS, (90, 50, 150, 150))
    assert judge(guard, STEADY, bad, look=1, looks=1).reason == (
        "The candidate's latency histogram cannot be judged: its bounds must increase from above 0 ms "
        "to infinity and its counts be cumulative."
    )


def test_without_checks_the_verdict_says_so() -> None:
    criteria = Criteria(error_increase=None, latency_increase=None)
    verdict = judge(criteria, sample(0), sample(0), look=1, looks=5)
    assert verdict.reason == "No checks are set: the candidate passes on its steps alone."


@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(error_increase=0.0, latency_increase=0.0),
        Criteria(error_increase=None, error_max=0.0, latency_increase=None),
        Criteria(latency_percentile=0.5, latency_max=0.5),
        Criteria(confidence=0.999, error_increase=0.999, error_max=0.999),
        Criteria(min_samples=0),
    ],
)
def test_criteria_at_the_edge_of_their_ranges_are_used(criteria: Criteria) -> None:
    verdict = judge(criteria, STEADY, STEADY, look=1, looks=1)
    assert verdict.findings
    assert "cannot be used" not in verdict.reason


@pytest.mark.parametrize(
    ("criteria", "reason"),
    [
        (Criteria(confidence=1.0), "confidence 1 cannot be used: it must be between 0 and 1 (95 % is 0.95)."),
        (
            Criteria(confidence=1.5),
            "confidence 1.5 cannot be used: it must be between 0 and 1 (95 % is 0.95).",
        ),
        (
            Criteria(error_increase=1.0),
            "error_increase 1 cannot be used: it must be from 0 up to 1 (1 % is 0.01).",
        ),
        (
            Criteria(error_increase=1.5),
            "error_increase 1.5 cannot be used: it must be from 0 up to 1 (1 % is 0.01).",
        ),
        (
            Criteria(error_max=-0.01),
            "error_max -0.01 cannot be used: it must be from 0 up to 1 (5 % is 0.05).",
        ),
        (
            Criteria(latency_percentile=0.0),
            "latency_percentile 0 cannot be used: it must be between 0 and 100 (99 for p99).",
        ),
        (Criteria(latency_max=math.inf), "latency_max inf cannot be used: it must be above 0 ms."),
    ],
)
def test_criteria_past_the_edge_of_their_ranges_are_named_in_full(criteria: Criteria, reason: str) -> None:
    assert judge(criteria, STEADY, STEADY, look=1, looks=1).reason == f"The criteria's {reason}"


def test_no_planned_looks_spend_nothing() -> None:
    assert spending.spent(0.05, 1, 0) == 0.0
    assert spending.spent(0.05, 0, 5) == 0.0


def test_an_error_guard_of_zero_fails_a_candidate_with_errors() -> None:
    criteria = Criteria(error_increase=None, error_max=0.0, latency_increase=None)
    verdict = judge(criteria, STEADY, Sample(1000, 5, GUARD_BOUNDS, STEADY.counts), look=1, looks=1)
    assert verdict.outcome is Outcome.FAIL
    assert verdict.reason.startswith("The candidate's 5xx rate 0.50 % is above the 0 % allowed: p = ")


def test_the_latency_guard_counts_the_requests_past_the_last_bound() -> None:
    # 40 of 1000 requests took longer than 400 ms: more than 1 % above a 500 ms p99 guard.
    tail = Sample(1000, 0, GUARD_BOUNDS, (700, 850, 960, 1000))
    criteria = Criteria(error_increase=None, latency_increase=None, latency_max=500.0)
    found = judge(criteria, STEADY, tail, look=1, looks=1).findings[0]
    assert found.outcome is Outcome.FAIL
    assert found.statistic == pytest.approx(signed_root(40, 1000, 0.01))
