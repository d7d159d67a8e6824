"""The judge: wait without data, fail a clearly worse candidate, pass an equal one, and say why."""

import math
from dataclasses import astuple, replace
from statistics import NormalDist

import pytest

from vamp.core.latency_buckets import latency_bounds
from vamp.core.releases import spending
from vamp.core.releases.judge import Criteria, Outcome, Sample, Verdict, judge

BOUNDS = latency_bounds()


def latencies(requests: int, median_ms: float = 50.0) -> tuple[int, ...]:
    """Cumulative counts of ``requests`` log-normal latencies (log deviation 0.5), as expected, not drawn."""
    normal = NormalDist(math.log(median_ms), 0.5)
    return tuple(requests if b == math.inf else round(requests * normal.cdf(math.log(b))) for b in BOUNDS)


def sample(requests: int, errors: int = 0, median_ms: float = 50.0) -> Sample:
    return Sample(requests, errors, BOUNDS, latencies(requests, median_ms))


def finding(verdict: Verdict, check: str) -> Outcome:
    return next(f.outcome for f in verdict.findings if f.check == check)


def test_no_traffic_waits_for_samples_at_every_look_and_never_fails() -> None:
    for look in range(1, 11):
        verdict = judge(Criteria(), sample(0), sample(0), look=look, looks=5)
        assert verdict.outcome is Outcome.WAIT
        assert verdict.reason == "Waiting for samples: the candidate has served 0 of the 200 requests needed."
        assert {f.outcome for f in verdict.findings} == {Outcome.WAIT}


def test_one_request_short_of_the_minimum_still_waits() -> None:
    verdict = judge(Criteria(), sample(5000), sample(199, errors=100, median_ms=500), look=1, looks=5)
    assert verdict.outcome is Outcome.WAIT
    assert "199 of the 200" in verdict.reason


def test_a_candidate_with_far_more_errors_fails_with_its_figures() -> None:
    verdict = judge(Criteria(), sample(8000, errors=8), sample(2000, errors=42), look=4, looks=5)
    assert verdict.outcome is Outcome.FAIL
    errors = verdict.findings[0]
    assert errors.check == "errors"
    assert errors.outcome is Outcome.FAIL
    assert errors.baseline == pytest.approx(0.001)
    assert errors.candidate == pytest.approx(0.021)
    assert errors.samples == (8000, 2000)
    assert errors.p_value is not None
    assert errors.level is not None
    assert errors.p_value <= errors.level
    assert verdict.reason.startswith("The candidate's 5xx rate 2.10 % against the baseline's 0.10 % is more")
    assert finding(verdict, "latency") is Outcome.PASS


def test_an_equal_candidate_passes() -> None:
    verdict = judge(Criteria(), sample(8000, errors=400), sample(2000, errors=100), look=4, looks=5)
    assert verdict.outcome is Outcome.PASS
    assert verdict.reason == "Every check passes at look 4 of 5."
    assert finding(verdict, "errors") is Outcome.PASS


@pytest.mark.parametrize("errors", [1, 2])
@pytest.mark.parametrize("look", [1, 5])
def test_one_or_two_errors_over_a_rare_error_baseline_do_not_fail(errors: int, look: int) -> None:
    verdict = judge(Criteria(), sample(3800, errors=4), sample(200, errors=errors), look=look, looks=5)
    assert verdict.outcome is Outcome.PASS


def test_a_candidate_beyond_the_tolerance_without_enough_evidence_passes_and_says_so() -> None:
    verdict = judge(Criteria(), sample(3800, errors=4), sample(200, errors=4), look=1, looks=5)
    assert verdict.outcome is Outcome.PASS
    assert "but not yet beyond chance" in verdict.findings[0].reason


def test_a_candidate_half_again_as_slow_fails_the_latency_check() -> None:
    verdict = judge(Criteria(), sample(8000), sample(1000, median_ms=75.0), look=3, looks=5)
    assert verdict.outcome is Outcome.FAIL
    latency = next(f for f in verdict.findings if f.check == "latency")
    assert latency.outcome is Outcome.FAIL
    assert latency.baseline is not None
    assert latency.candidate is not None
    assert latency.candidate / latency.baseline == pytest.approx(1.5, rel=0.05)
    assert "slower than the baseline's latencies plus 20 %" in verdict.reason


def test_a_candidate_slower_by_less_than_the_tolerance_passes() -> None:
    verdict = judge(Criteria(), sample(8000), sample(1000, median_ms=55.0), look=3, looks=5)
    assert finding(verdict, "latency") is Outcome.PASS


def test_the_absolute_guards_fail_a_candidate_above_them() -> None:
    criteria = Criteria(error_increase=None, error_max=0.05, latency_increase=None, latency_max=100.0)
    verdict = judge(criteria, sample(1000), sample(1000, errors=100, median_ms=80.0), look=2, looks=5)
    assert verdict.outcome is Outcome.FAIL
    assert finding(verdict, "errors.max") is Outcome.FAIL
    # p99 of a log-normal with median 80 ms and log deviation 0.5 is about 256 ms.
    assert finding(verdict, "latency.max") is Outcome.FAIL
    passing = judge(criteria, sample(1000), sample(1000, errors=20, median_ms=20.0), look=2, looks=5)
    assert passing.outcome is Outcome.PASS


def test_a_missing_histogram_makes_the_latency_check_wait_and_the_verdict_with_it() -> None:
    candidate = Sample(1000, 0, (), ())
    verdict = judge(Criteria(), sample(8000), candidate, look=2, looks=5)
    assert verdict.outcome is Outcome.WAIT
    assert finding(verdict, "errors") is Outcome.PASS
    assert "latency histogram cannot be judged" in verdict.reason


def test_a_failing_check_decides_over_a_waiting_one() -> None:
    candidate = Sample(2000, 200, (), ())
    verdict = judge(Criteria(), sample(8000, errors=8), candidate, look=2, looks=5)
    assert verdict.outcome is Outcome.FAIL


def test_counts_that_cannot_be_true_wait_with_the_reason() -> None:
    verdict = judge(Criteria(), sample(1000), Sample(500, 600, BOUNDS, latencies(500)), look=1, looks=5)
    assert verdict.outcome is Outcome.WAIT
    assert verdict.reason == "The candidate's counts cannot be judged: 600 errors of 500 requests."


def test_a_confidence_outside_zero_to_one_is_named() -> None:
    verdict = judge(Criteria(confidence=95.0), sample(1000), sample(1000), look=1, looks=5)
    assert verdict.outcome is Outcome.WAIT
    assert (
        verdict.reason
        == "The criteria's confidence 95 cannot be used: it must be between 0 and 1 (95 % is 0.95)."
    )


@pytest.mark.parametrize(
    ("criteria", "named"),
    [
        (Criteria(error_increase=-0.01), "error_increase -0.01 cannot be used: it must be from 0 up to 1"),
        (Criteria(error_max=1.5), "error_max 1.5 cannot be used"),
        (Criteria(latency_percentile=100.0), "latency_percentile 100 cannot be used"),
        (Criteria(latency_increase=-0.2), "latency_increase -0.2 cannot be used: it must be 0 or more"),
        (Criteria(latency_max=0.0), "latency_max 0 cannot be used: it must be above 0 ms"),
        (Criteria(min_samples=-1), "min_samples -1 cannot be used"),
    ],
)
def test_criteria_out_of_range_wait_naming_the_field_and_what_it_may_be(
    criteria: Criteria, named: str
) -> None:
    verdict = judge(criteria, sample(1000), sample(1000, errors=500), look=1, looks=5)
    assert verdict.outcome is Outcome.WAIT
    assert named in verdict.reason


def test_without_checks_the_candidate_passes() -> None:
    criteria = Criteria(error_increase=None, latency_increase=None)
    assert judge(criteria, sample(0), sample(0), look=1, looks=5).outcome is Outcome.PASS


def test_the_looks_share_the_false_alarm_budget_and_no_more() -> None:
    levels = [spending.level(0.05, look, 5) for look in range(1, 6)]
    assert sum(levels) == pytest.approx(0.05)
    assert levels == sorted(levels)
    assert spending.level(0.05, 7, 5) == levels[-1]


def test_with_no_tolerance_one_error_over_a_rare_error_baseline_never_fails() -> None:
    criteria = Criteria(error_increase=0.0, latency_increase=None)
    for look in range(1, 6):
        verdict = judge(criteria, sample(3800, errors=4), sample(200, errors=1), look=look, looks=5)
        assert verdict.outcome is Outcome.PASS


def test_the_absolute_guards_judge_a_candidate_whose_baseline_serves_nothing() -> None:
    # After a blue/green switch the baseline gets no traffic; the guards need only the candidate.
    # The candidate's p99 is about 160 ms (median 50 ms, log deviation 0.5).
    criteria = Criteria(error_increase=None, error_max=0.05, latency_increase=None, latency_max=250.0)
    verdict = judge(criteria, sample(0), sample(1000, errors=100), look=1, looks=1)
    assert verdict.outcome is Outcome.FAIL
    assert finding(verdict, "errors.max") is Outcome.FAIL
    assert finding(verdict, "latency.max") is Outcome.PASS
    compared = judge(Criteria(), sample(0), sample(1000, errors=100), look=1, looks=1)
    assert compared.outcome is Outcome.WAIT
    assert compared.reason == "Waiting for samples: the baseline has served 0 of the 200 requests needed."


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
