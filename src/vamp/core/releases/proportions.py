"""Tests of error rates: is a route's 5xx rate above a limit, or above another route's by more than a
tolerance?

Both tests answer with the signed root of the likelihood ratio, ``r``: the square root of twice the
log-likelihood gained by letting the rates be what the data say instead of holding them on the limit,
positive when the data lie beyond the limit and 0 when they do not. Under the limit ``r`` is close to a
standard normal, and much closer than a z-score when errors are rare: with 2.2 errors expected in 200
requests (a 1.1 % rate) and 6 seen, the z-score is 2.6 (p = 0.005 read from the normal) while the exact
chance is 0.024; ``r`` is 2.1 (p = 0.017). The one-sided p-value is ``1 - Phi(r)``.

Pure: counts in, numbers out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

STANDARD = NormalDist()


@dataclass(frozen=True, slots=True)
class Excess:
    """How far the data lie beyond a limit: the signed root ``statistic`` and its one-sided p-value."""

    statistic: float
    p_value: float


def _xlogy(x: float, y: float) -> float:
    """``x * log(y)``, with ``0 * log(0) = 0`` as a likelihood needs."""
    if x == 0:
        return 0.0
    return x * math.log(y) if y > 0 else -math.inf


def _loglik(errors: float, requests: float, rate: float) -> float:
    """The binomial log-likelihood of ``errors`` of ``requests`` at ``rate``, without its constant."""
    return _xlogy(errors, rate) + _xlogy(requests - errors, 1.0 - rate)


def _excess(gain: float) -> Excess:
    """The root of a log-likelihood ``gain`` of data beyond the limit (never below 0, whatever the
    rounding), and its p-value."""
    statistic = math.sqrt(max(2.0 * gain, 0.0))
    return Excess(statistic=statistic, p_value=1.0 - STANDARD.cdf(statistic))


def rate_above(errors: float, requests: float, limit: float) -> Excess:
    """Evidence that the rate behind ``errors`` of ``requests`` is above ``limit`` (``0 <= limit < 1``)."""
    if requests <= 0:
        return Excess(0.0, 1.0)
    observed = errors / requests
    if observed <= limit:
        return Excess(0.0, 1.0)
    gain = _loglik(errors, requests, observed) - _loglik(errors, requests, limit)
    return _excess(gain)


def difference_above(
    baseline_errors: int,
    baseline_requests: int,
    candidate_errors: int,
    candidate_requests: int,
    tolerance: float,
) -> Excess:
    """Evidence that the candidate's rate exceeds the baseline's by more than ``tolerance`` (``>= 0``).

    The limit is the line ``candidate = baseline + tolerance``; the likelihood on it is at its best
    baseline rate, found by bisection (the log-likelihood along the line is concave).
    """
    if baseline_requests <= 0 or candidate_requests <= 0:
        return Excess(0.0, 1.0)
    base = baseline_errors / baseline_requests
    cand = candidate_errors / candidate_requests
    if cand - base <= tolerance:
        return Excess(0.0, 1.0)
    best = _loglik(baseline_errors, baseline_requests, base) + _loglik(
        candidate_errors, candidate_requests, cand
    )
    on_line = _best_on_line(
        baseline_errors, baseline_requests, candidate_errors, candidate_requests, tolerance
    )
    return _excess(best - on_line)


def _best_on_line(
    baseline_errors: int,
    baseline_requests: int,
    candidate_errors: int,
    candidate_requests: int,
    tolerance: float,
) -> float:
    """The highest log-likelihood with the candidate's rate held at the baseline's plus ``tolerance``."""
    baseline_ok = baseline_requests - baseline_errors
    candidate_ok = candidate_requests - candidate_errors

    def slope(rate: float) -> float:
        return (
            baseline_errors / rate
            - baseline_ok / (1.0 - rate)
            + candidate_errors / (rate + tolerance)
            - candidate_ok / (1.0 - rate - tolerance)
        )

    # The log-likelihood is concave, so its slope only falls over the rates the line allows; halving that
    # interval 100 times leaves the rate where the slope changes sign, or next to the edge it never does.
    tiny = 1e-15
    low, high = tiny, 1.0 - tolerance - tiny
    for _ in range(100):
        middle = (low + high) / 2.0
        if slope(middle) > 0:
            low = middle
        else:
            high = middle
    rate = (low + high) / 2.0
    return _loglik(baseline_errors, baseline_requests, rate) + _loglik(
        candidate_errors, candidate_requests, rate + tolerance
    )
