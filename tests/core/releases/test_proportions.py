"""The error-rate tests give the known values, and read rare errors as the exact binomial does."""

import math
from statistics import NormalDist

import pytest

from vamp.core.releases import proportions


def binomial_tail(seen: int, requests: int, rate: float) -> float:
    """The exact chance of at least ``seen`` errors of ``requests`` at ``rate``."""
    below = sum(
        math.exp(
            math.lgamma(requests + 1)
            - math.lgamma(k + 1)
            - math.lgamma(requests - k + 1)
            + k * math.log(rate)
            + (requests - k) * math.log(1 - rate)
        )
        for k in range(seen)
    )
    return 1.0 - below


def test_a_rate_within_its_limit_shows_no_excess() -> None:
    assert proportions.rate_above(2, 200, 0.011) == proportions.Excess(0.0, 1.0)
    assert proportions.rate_above(0, 0, 0.01) == proportions.Excess(0.0, 1.0)


def test_six_errors_where_two_are_expected_have_the_signed_root_likelihood_ratio() -> None:
    # r = sqrt(2 * (6 ln(6/2.2) + 194 ln(194/197.8)))
    expected = math.sqrt(2 * (6 * math.log(0.03 / 0.011) + 194 * math.log(0.97 / 0.989)))
    excess = proportions.rate_above(6, 200, 0.011)
    assert excess.statistic == pytest.approx(expected)
    assert excess.statistic == pytest.approx(2.124, abs=1e-3)
    assert excess.p_value == pytest.approx(0.0168, abs=1e-4)


@pytest.mark.parametrize(("seen", "requests", "rate"), [(6, 200, 0.011), (9, 500, 0.01), (40, 2000, 0.011)])
def test_the_p_value_of_rare_errors_stays_near_the_exact_binomial_chance(
    seen: int, requests: int, rate: float
) -> None:
    exact = binomial_tail(seen, requests, rate)
    p_value = proportions.rate_above(seen, requests, rate).p_value
    assert exact / 2 < p_value < exact * 2


def test_a_difference_within_the_tolerance_shows_no_excess() -> None:
    assert proportions.difference_above(1, 1000, 10, 1000, 0.01).statistic == 0.0
    assert proportions.difference_above(50, 1000, 55, 1000, 0.01).p_value == 1.0


def test_a_difference_beyond_the_tolerance_grows_with_the_evidence() -> None:
    fewer = proportions.difference_above(2, 2000, 8, 400, 0.01)
    more = proportions.difference_above(8, 8000, 42, 2000, 0.01)
    assert 0 < fewer.statistic < more.statistic
    assert more.p_value < 0.001 < fewer.p_value


def test_a_difference_from_a_baseline_without_errors_is_judged() -> None:
    excess = proportions.difference_above(0, 5000, 30, 1000, 0.0)
    assert excess.statistic > 5


def test_with_the_tolerance_at_zero_the_difference_is_the_likelihood_ratio_of_two_proportions() -> None:
    # Held equal, both rates are the pooled 40/4000; r^2 is twice the log-likelihood gained by freeing them.
    def loglik(errors: int, requests: int, rate: float) -> float:
        return errors * math.log(rate) + (requests - errors) * math.log(1 - rate)

    gain = (
        loglik(10, 2000, 10 / 2000)
        + loglik(30, 2000, 30 / 2000)
        - loglik(10, 2000, 0.01)
        - loglik(30, 2000, 0.01)
    )
    assert proportions.difference_above(10, 2000, 30, 2000, 0.0).statistic == pytest.approx(
        math.sqrt(2 * gain)
    )


def test_a_rate_exactly_at_its_limit_shows_no_excess() -> None:
    assert proportions.rate_above(1, 100, 0.01) == proportions.Excess(0.0, 1.0)
    assert proportions.rate_above(1, 1, 0.5).statistic == pytest.approx(math.sqrt(2 * math.log(2)))


def test_a_difference_exactly_at_the_tolerance_shows_no_excess_and_one_request_is_judged() -> None:
    assert proportions.difference_above(0, 100, 1, 100, 0.01) == proportions.Excess(0.0, 1.0)
    assert proportions.difference_above(0, 1, 1, 1, 0.0).statistic > 0
    assert proportions.difference_above(0, 0, 1, 1, 0.0) == proportions.Excess(0.0, 1.0)
    assert proportions.difference_above(0, 1, 1, 1, 0.0).statistic == pytest.approx(
        math.sqrt(2 * 2 * math.log(2))
    )


def _best_on_line(errors: tuple[int, int], requests: tuple[int, int], tolerance: float) -> float:
    """The highest log-likelihood with the candidate held at the baseline plus ``tolerance``, found by a
    golden-section search on the likelihood itself (not on its slope, as the module does)."""

    def loglik(rate: float) -> float:
        total = 0.0
        for seen, count, at in zip(errors, requests, (rate, rate + tolerance), strict=True):
            total += (seen * math.log(at) if seen else 0.0) + (
                (count - seen) * math.log(1 - at) if count - seen else 0.0
            )
        return total

    low, high = 1e-12, 1.0 - tolerance - 1e-12
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        left, right = high - ratio * (high - low), low + ratio * (high - low)
        if loglik(left) < loglik(right):
            low = left
        else:
            high = right
    return loglik((low + high) / 2)


def _freed(errors: tuple[int, int], requests: tuple[int, int]) -> float:
    return sum(
        (seen * math.log(seen / count) if seen else 0.0)
        + ((count - seen) * math.log(1 - seen / count) if count - seen else 0.0)
        for seen, count in zip(errors, requests, strict=True)
    )


@pytest.mark.parametrize(
    ("baseline_errors", "baseline_requests", "candidate_errors", "candidate_requests", "tolerance"),
    [
        (10, 1000, 40, 1000, 0.01),  # 1 % against 4 %, allowed 1 point more
        (0, 500, 20, 400, 0.02),  # a baseline without errors
        (3, 300, 50, 200, 0.1),  # a wide tolerance
        (5, 100, 30, 30, 0.5),  # every candidate request failed
        (1, 10, 70, 100, 0.5),  # a tolerance of half: the line ends at a baseline rate of 0.5
    ],
)
def test_a_difference_beyond_a_tolerance_has_the_likelihood_ratio_with_the_candidate_held_on_the_line(
    baseline_errors: int,
    baseline_requests: int,
    candidate_errors: int,
    candidate_requests: int,
    tolerance: float,
) -> None:
    errors, requests = (baseline_errors, candidate_errors), (baseline_requests, candidate_requests)
    expected = math.sqrt(2 * (_freed(errors, requests) - _best_on_line(errors, requests, tolerance)))
    excess = proportions.difference_above(
        baseline_errors, baseline_requests, candidate_errors, candidate_requests, tolerance
    )
    assert excess.statistic == pytest.approx(expected, rel=1e-6)
    assert excess.p_value == pytest.approx(1 - NormalDist().cdf(expected), rel=1e-6)


def test_one_percent_against_four_with_one_point_allowed_gives_its_known_statistic() -> None:
    excess = proportions.difference_above(10, 1000, 40, 1000, 0.01)
    assert excess.statistic == pytest.approx(2.998, abs=1e-3)
    assert excess.p_value == pytest.approx(0.00136, abs=1e-5)


def test_a_small_excess_has_a_statistic_below_one_and_a_large_p_value() -> None:
    # 2 errors in 100 against a 1.5 % limit: r = sqrt(2 (2 ln(2/1.5) + 98 ln(98/98.5))).
    expected = math.sqrt(2 * (2 * math.log(0.02 / 0.015) + 98 * math.log(0.98 / 0.985)))
    excess = proportions.rate_above(2, 100, 0.015)
    assert excess.statistic == pytest.approx(expected)
    assert excess.statistic == pytest.approx(0.391, abs=1e-3)
    assert excess.p_value == pytest.approx(0.348, abs=1e-3)
    small = proportions.difference_above(10, 1000, 14, 1000, 0.0)
    assert 0 < small.statistic < 1


def test_any_error_against_a_limit_of_zero_is_certain_excess() -> None:
    assert proportions.rate_above(1, 1000, 0.0) == proportions.Excess(math.inf, 0.0)


def test_a_candidate_without_requests_shows_no_excess() -> None:
    assert proportions.difference_above(1, 10, 0, 0, 0.0) == proportions.Excess(0.0, 1.0)
