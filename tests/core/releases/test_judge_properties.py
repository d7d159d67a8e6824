"""Whatever counts and criteria it is given, the judge answers (never raises) by its one rule: fail if any
check fails, else wait if any waits, else pass; and without samples it never fails."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from vamp.core.releases.judge import Criteria, Outcome, Sample, judge

BOUNDS = (1.0, 2.0, 5.0, 10.0, math.inf)

counts = st.lists(st.integers(min_value=-5, max_value=3000), min_size=0, max_size=6)
samples = st.builds(
    lambda requests, errors, per_bucket, bounds: Sample(
        requests, errors, bounds, tuple(sum(per_bucket[: i + 1]) for i in range(len(per_bucket)))
    ),
    st.integers(min_value=-5, max_value=5000),
    st.integers(min_value=-5, max_value=5000),
    counts,
    st.sampled_from([BOUNDS, (), (1.0, 2.0), (2.0, 1.0, math.inf)]),
)
limits = st.one_of(st.none(), st.just(math.nan), st.floats(min_value=-1.0, max_value=2.0))
criteria = st.builds(
    Criteria,
    confidence=st.floats(min_value=-0.5, max_value=1.5),
    min_samples=st.integers(min_value=-1, max_value=300),
    error_increase=limits,
    error_max=limits,
    latency_percentile=st.floats(min_value=-1.0, max_value=101.0),
    latency_increase=limits,
    latency_max=st.one_of(st.none(), st.floats(min_value=-10.0, max_value=1000.0)),
)


@settings(max_examples=400, deadline=None)
@given(
    criteria, samples, samples, st.integers(min_value=0, max_value=8), st.integers(min_value=0, max_value=6)
)
def test_the_judge_always_answers_by_its_rule(
    rules: Criteria, baseline: Sample, candidate: Sample, look: int, looks: int
) -> None:
    verdict = judge(rules, baseline, candidate, look=look, looks=looks)
    outcomes = {finding.outcome for finding in verdict.findings}
    if Outcome.FAIL in outcomes:
        assert verdict.outcome is Outcome.FAIL
    elif Outcome.WAIT in outcomes:
        assert verdict.outcome is Outcome.WAIT
    elif verdict.findings:
        assert verdict.outcome is Outcome.PASS
    assert verdict.reason
    for finding in verdict.findings:
        assert finding.reason
        assert finding.p_value is None or 0.0 <= finding.p_value <= 1.0


@given(criteria, st.integers(min_value=1, max_value=8), st.integers(min_value=1, max_value=6))
def test_without_samples_the_judge_never_fails(rules: Criteria, look: int, looks: int) -> None:
    empty = Sample(0, 0, BOUNDS, (0, 0, 0, 0, 0))
    assert judge(rules, empty, empty, look=look, looks=looks).outcome is not Outcome.FAIL
