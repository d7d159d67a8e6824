"""The verdict on a release's candidate: pass, fail or wait, with the figures behind it.

A release controller calls ``judge`` once per look (after each step), with everything each cohort has
served since the release started. Each check of the ``Criteria`` gives a ``Finding``:

* ``errors``: is the candidate's 5xx rate above the baseline's by more than ``error_increase``?
  A one-sided likelihood-ratio test of the difference of two proportions (``proportions``);
* ``errors.max``: is the candidate's 5xx rate above ``error_max``?
* ``latency``: is the candidate slower than the baseline slowed by ``latency_increase``? The
  Mann-Whitney rank test on the two histograms (``ranks``), the baseline's latencies multiplied by
  ``1 + latency_increase``: with 20 %, a candidate whose every request takes 1.2 times as long as the
  baseline's sits exactly on the limit, and one slower than that fails once the data show it;
* ``latency.max``: is the candidate's ``latency_percentile`` above ``latency_max`` ms?

A check fails only on evidence: its p-value at or below the level its look may spend (``spending``), the
check's false-alarm budget ``1 - confidence`` spread over the planned looks, so the chance that a check
fails a candidate sitting exactly on its limit, at any look of the release, is at most ``1 - confidence``
(with several checks on their limits at once, at most that many times as much; a candidate well within
its limits is failed far less often). A check waits while the candidate, or for the checks that compare
the baseline too, has fewer than ``min_samples`` requests (no traffic is waiting, never a failure), and
passes otherwise. The judge never raises:
inconsistent counts make a check wait, with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

from vamp.core.releases import proportions, ranks, spending


@dataclass(frozen=True, slots=True)
class Sample:
    """What one cohort (the baseline route or the candidate route) served over the judged window."""

    requests: int
    """Completed requests."""
    errors: int
    """Of which answered 5xx."""
    bounds: tuple[float, ...]
    """Latency bucket upper bounds in ms, increasing, the last is ``math.inf``."""
    counts: tuple[int, ...]
    """Cumulative: ``counts[i]`` requests took at most ``bounds[i]`` ms (as ``gateway_agent.Latency``)."""


@dataclass(frozen=True, slots=True)
class Criteria:
    """What the candidate must satisfy, from a release policy's ``checks`` and ``confidence``."""

    confidence: float = 0.95
    """1 - alpha, over the whole release (all looks), for each check."""
    min_samples: int = 200
    """Requests the candidate (and, for the checks that compare, the baseline) needs before a check can pass
    or fail."""
    error_increase: float | None = 0.01
    """Most the candidate's 5xx rate may exceed the baseline's, absolute (1 % = 0.01)."""
    error_max: float | None = None
    """Absolute guard on the candidate's 5xx rate."""
    latency_percentile: float = 99.0
    latency_increase: float | None = 0.2
    """Relative tolerance on latency against the baseline's (20 % = 0.2)."""
    latency_max: float | None = None
    """Milliseconds: absolute guard on the candidate's ``latency_percentile``."""


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class Finding:
    """The answer of one check, with what it was based on."""

    check: str
    """``errors``, ``errors.max``, ``latency`` or ``latency.max``."""
    outcome: Outcome
    baseline: float | None
    """The baseline's estimate (5xx rate, or latency in ms)."""
    candidate: float | None
    statistic: float | None
    p_value: float | None
    samples: tuple[int, int]
    """(baseline requests, candidate requests)."""
    reason: str
    """One plain sentence a user reads in ``vamp release status``."""
    level: float | None = None
    """The significance level this look tested at: the check fails when ``p_value <= level``."""


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    """FAIL if any finding fails; WAIT if none fails and any waits; else PASS."""
    findings: tuple[Finding, ...]
    reason: str
    """The deciding sentence."""


def judge(criteria: Criteria, baseline: Sample, candidate: Sample, *, look: int, looks: int) -> Verdict:
    """Judge ``candidate`` against ``baseline`` at look ``look`` (1-based) of ``looks`` planned.

    ``baseline``/``candidate`` are cumulative since the release started (all steps so far), so a sequential
    test sees all data; zero or too few samples -> WAIT, never FAIL.
    """
    unusable = _unusable(criteria)
    if unusable is not None:
        return Verdict(Outcome.WAIT, (), unusable)
    checks = [
        name
        for name, limit in (
            ("errors", criteria.error_increase),
            ("errors.max", criteria.error_max),
            ("latency", criteria.latency_increase),
            ("latency.max", criteria.latency_max),
        )
        if limit is not None
    ]
    if not checks:
        return Verdict(Outcome.PASS, (), "No checks are set: the candidate passes on its steps alone.")
    level = spending.level(1.0 - criteria.confidence, look, looks)
    where = f"look {look} of {looks}"
    findings = tuple(_finding(name, criteria, baseline, candidate, level, where) for name in checks)
    for outcome in (Outcome.FAIL, Outcome.WAIT):
        deciding = [finding for finding in findings if finding.outcome is outcome]
        if deciding:
            return Verdict(outcome, findings, deciding[0].reason)
    return Verdict(Outcome.PASS, findings, f"Every check passes at {where}.")


def _unusable(criteria: Criteria) -> str | None:
    """Why ``criteria`` cannot be judged by, naming the field and what it may be; ``None`` when they can."""
    ranges = (
        ("confidence", criteria.confidence, 0.0, 1.0, "between 0 and 1 (95 % is 0.95)"),
        ("error_increase", criteria.error_increase, 0.0, 1.0, "from 0 up to 1 (1 % is 0.01)"),
        ("error_max", criteria.error_max, 0.0, 1.0, "from 0 up to 1 (5 % is 0.05)"),
        ("latency_percentile", criteria.latency_percentile, 0.0, 100.0, "between 0 and 100 (99 for p99)"),
        ("latency_increase", criteria.latency_increase, 0.0, math.inf, "0 or more (20 % is 0.2)"),
        ("latency_max", criteria.latency_max, 0.0, math.inf, "above 0 ms"),
    )
    for name, value, low, high, valid in ranges:
        if value is None:
            continue
        closed_low = name in ("error_increase", "error_max", "latency_increase")
        inside = (low <= value if closed_low else low < value) and value < high
        if not inside:
            return f"The criteria's {name} {value:g} cannot be used: it must be {valid}."
    if criteria.min_samples < 0:
        return f"The criteria's min_samples {criteria.min_samples} cannot be used: it must be 0 or more."
    return None


def _finding(
    name: str, criteria: Criteria, baseline: Sample, candidate: Sample, level: float, where: str
) -> Finding:
    samples = (baseline.requests, candidate.requests)
    cohorts = [("candidate", candidate)]
    if name in ("errors", "latency"):
        cohorts.append(("baseline", baseline))
    waiting = _waiting(criteria.min_samples, cohorts, histograms=name.startswith("latency"))
    if waiting is not None:
        return Finding(name, Outcome.WAIT, None, None, None, None, samples, waiting)
    if name == "errors":
        return _errors(criteria, baseline, candidate, level, where, samples)
    if name == "errors.max":
        return _errors_max(criteria, candidate, level, where, samples)
    if name == "latency":
        return _latency(criteria, baseline, candidate, level, where, samples)
    return _latency_max(criteria, baseline, candidate, level, where, samples)


def _waiting(minimum: int, cohorts: list[tuple[str, Sample]], *, histograms: bool) -> str | None:
    """Why a check cannot judge the ``cohorts`` it compares yet, or ``None`` when it can."""
    needed = max(minimum, 1)
    for role, sample in cohorts:
        if sample.requests < 0 or not 0 <= sample.errors <= sample.requests:
            return (
                f"The {role}'s counts cannot be judged: {sample.errors} errors of {sample.requests} requests."
            )
        if sample.requests < needed:
            served = sample.requests
            return f"Waiting for samples: the {role} has served {served} of the {needed} requests needed."
        if not histograms:
            continue
        if not ranks.is_histogram(sample.bounds, sample.counts):
            return (
                f"The {role}'s latency histogram cannot be judged: its bounds must increase from above 0 ms "
                "to infinity and its counts be cumulative."
            )
        if sample.counts[-1] < needed:
            return (
                f"Waiting for samples: the {role}'s latency histogram holds {sample.counts[-1]} of the "
                f"{needed} requests needed."
            )
    return None


def _errors(
    criteria: Criteria,
    baseline: Sample,
    candidate: Sample,
    level: float,
    where: str,
    samples: tuple[int, int],
) -> Finding:
    tolerance = criteria.error_increase or 0.0
    base = baseline.errors / baseline.requests
    cand = candidate.errors / candidate.requests
    excess = proportions.difference_above(
        baseline.errors, baseline.requests, candidate.errors, candidate.requests, tolerance
    )
    rates = f"The candidate's 5xx rate {_percent(cand)} against the baseline's {_percent(base)}"
    allowed = f"{_percent(tolerance)} more allowed"
    if excess.p_value <= level:
        outcome = Outcome.FAIL
        reason = f"{rates} is more than {allowed}: p = {excess.p_value:.2g} <= {level:.2g} at {where}."
    elif cand - base > tolerance:
        outcome = Outcome.PASS
        reason = (
            f"{rates} is more than {allowed}, but not yet beyond chance: "
            f"p = {excess.p_value:.2g} > {level:.2g} at {where}."
        )
    else:
        outcome = Outcome.PASS
        reason = f"{rates} is within the {allowed}."
    return Finding("errors", outcome, base, cand, excess.statistic, excess.p_value, samples, reason, level)


def _errors_max(
    criteria: Criteria, candidate: Sample, level: float, where: str, samples: tuple[int, int]
) -> Finding:
    limit = criteria.error_max or 0.0
    cand = candidate.errors / candidate.requests
    excess = proportions.rate_above(candidate.errors, candidate.requests, limit)
    rate = f"The candidate's 5xx rate {_percent(cand)}"
    allowed = f"the {_percent(limit)} allowed"
    if excess.p_value <= level:
        outcome = Outcome.FAIL
        reason = f"{rate} is above {allowed}: p = {excess.p_value:.2g} <= {level:.2g} at {where}."
    else:
        outcome = Outcome.PASS
        reason = f"{rate} is not beyond chance above {allowed} (p = {excess.p_value:.2g})."
    return Finding(
        "errors.max", outcome, None, cand, excess.statistic, excess.p_value, samples, reason, level
    )


def _latency(
    criteria: Criteria,
    baseline: Sample,
    candidate: Sample,
    level: float,
    where: str,
    samples: tuple[int, int],
) -> Finding:
    tolerance = criteria.latency_increase or 0.0
    percent = criteria.latency_percentile
    base_p = ranks.percentile(baseline.bounds, baseline.counts, percent)
    cand_p = ranks.percentile(candidate.bounds, candidate.counts, percent)
    slowed = ranks.scaled(baseline.bounds, baseline.counts, 1.0 + tolerance, candidate.bounds)
    test = ranks.mann_whitney(ranks.per_bucket(slowed), ranks.per_bucket(candidate.counts))
    z = test.z if test is not None else 0.0
    p_value = 1.0 - NormalDist().cdf(z)
    figures = f"p{percent:g} {_ms(cand_p)} against the baseline's {_ms(base_p)}"
    allowed = f"the baseline's latencies plus {_percent(tolerance)}"
    if p_value <= level:
        outcome = Outcome.FAIL
        evidence = f"p = {p_value:.2g} <= {level:.2g} at {where}"
        reason = f"The candidate is slower than {allowed} ({figures}): {evidence}."
    else:
        outcome = Outcome.PASS
        reason = f"The candidate is not beyond chance slower than {allowed} ({figures}, p = {p_value:.2g})."
    return Finding("latency", outcome, base_p, cand_p, z, p_value, samples, reason, level)


def _latency_max(
    criteria: Criteria,
    baseline: Sample,
    candidate: Sample,
    level: float,
    where: str,
    samples: tuple[int, int],
) -> Finding:
    limit = criteria.latency_max or 0.0
    percent = criteria.latency_percentile
    cand_p = ranks.percentile(candidate.bounds, candidate.counts, percent)
    base_p = None
    if ranks.is_histogram(baseline.bounds, baseline.counts):
        base_p = ranks.percentile(baseline.bounds, baseline.counts, percent)
    total = candidate.counts[-1]
    slower = total - ranks.below(candidate.bounds, candidate.counts, limit)
    excess = proportions.rate_above(slower, total, max(0.0, min(1.0, 1.0 - percent / 100.0)))
    figures = f"p{percent:g} {_ms(cand_p)} against the {_ms(limit)} allowed"
    if excess.p_value <= level:
        outcome = Outcome.FAIL
        reason = (
            f"The candidate's {figures}: more than {100 - percent:g} % of its requests take longer, "
            f"p = {excess.p_value:.2g} <= {level:.2g} at {where}."
        )
    else:
        outcome = Outcome.PASS
        reason = f"The candidate's {figures} is not beyond chance too slow (p = {excess.p_value:.2g})."
    return Finding(
        "latency.max", outcome, base_p, cand_p, excess.statistic, excess.p_value, samples, reason, level
    )


def _percent(rate: float) -> str:
    return f"{rate * 100:.2f} %".replace(".00 %", " %")


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g} ms"
