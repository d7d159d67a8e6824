"""Reading Envoy's Prometheus exposition, histogram quantiles and rates between readings (pure)."""

from __future__ import annotations

import pytest

from vamp import errors
from vamp.adapters.envoy import stats

BOUNDS = (0.5, 1.0, 5.0, 10.0, 25.0, float("inf"))

# Trimmed from Envoy 1.40's /stats/prometheus (the real text has every default bucket).
EXPOSITION = """\
# TYPE envoy_cluster_upstream_rq_completed counter
envoy_cluster_upstream_rq_completed{envoy_cluster_name="a"} 12
envoy_cluster_upstream_rq_completed{envoy_cluster_name="b"} 3
# TYPE envoy_cluster_upstream_rq_xx counter
envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="a"} 10
envoy_cluster_upstream_rq_xx{envoy_response_code_class="5",envoy_cluster_name="a"} 2
envoy_cluster_upstream_rq_xx{envoy_response_code_class="4",envoy_cluster_name="b"} 0
envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="b"} 3
# TYPE envoy_cluster_upstream_rq_time histogram
envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="a",le="0.5"} 4
envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="a",le="1"} 8
envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="a",le="5"} 10
envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="a",le="10"} 10
envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="a",le="25"} 12
envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="a",le="+Inf"} 12
envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="a"} 60
envoy_cluster_upstream_rq_time_count{envoy_cluster_name="a"} 12
"""


def histogram(*counts: int, sum_ms: float = 0.0) -> stats.Histogram:
    return stats.Histogram(BOUNDS, counts, sum_ms)


def test_parse_reads_counts_by_status_class_and_the_latency_histogram():
    parsed = stats.parse(EXPOSITION)

    assert parsed == {
        "a": stats.ClusterStats(12, {"2xx": 10, "5xx": 2}, histogram(4, 8, 10, 10, 12, 12, sum_ms=60)),
        "b": stats.ClusterStats(3, {"2xx": 3}, stats.Histogram()),
    }
    assert parsed["a"].latency.mean_ms == 5.0


def test_parse_refuses_a_line_it_cannot_read():
    with pytest.raises(errors.DataPlaneError) as raised:
        stats.parse('envoy_cluster_upstream_rq_completed{envoy_cluster_name="a"}')

    assert str(raised.value) == (
        "Cannot read Envoy's stat line 'envoy_cluster_upstream_rq_completed{envoy_cluster_name=\"a\"}'."
    )


@pytest.mark.parametrize(
    ("counts", "q", "expected"),
    [
        ((4, 8, 10, 10, 12, 12), 0.5, 0.75),  # rank 6 lies half-way through the (0.5, 1] bucket
        ((4, 8, 10, 10, 12, 12), 0.25, 0.375),
        ((4, 8, 10, 10, 12, 12), 0.95, 20.5),
        ((4, 8, 10, 10, 12, 12), 1.0, 25.0),
        ((0, 0, 0, 0, 0, 5), 0.5, 25.0),  # everything beyond the last finite bound
        ((0, 0, 0, 0, 0, 0), 0.5, None),
        ((10, 10, 10, 10, 10, 10), 0.99, 0.495),
    ],
)
def test_quantiles_interpolate_inside_their_bucket(counts: tuple[int, ...], q: float, expected: float | None):
    assert histogram(*counts).quantile(q) == pytest.approx(expected)


def test_rates_are_the_differences_between_two_readings_over_the_seconds_given():
    before = {"a": stats.ClusterStats(2, {"2xx": 2}, histogram(1, 2, 2, 2, 2, 2, sum_ms=1))}
    after = {
        "a": stats.ClusterStats(12, {"2xx": 10, "5xx": 2}, histogram(4, 8, 10, 10, 12, 12, sum_ms=61)),
        "new": stats.ClusterStats(5, {"2xx": 5}, histogram(5, 5, 5, 5, 5, 5)),
    }

    traffic = stats.rates(before, after, 4.0)

    assert traffic["a"] == stats.ClusterRates(
        10, 2.5, {"2xx": 8, "5xx": 2}, histogram(3, 6, 8, 8, 10, 10, sum_ms=60)
    )
    assert traffic["a"].server_errors == 2
    assert (traffic["a"].p50, traffic["a"].p95, traffic["a"].p99) == pytest.approx(
        (0.5 + 0.5 * 2 / 3, 21.25, 24.25)
    )
    assert traffic["new"].requests == 5


def test_after_a_restart_the_later_reading_counts_from_zero():
    before = {"a": stats.ClusterStats(100, {"2xx": 100}, histogram(100, 100, 100, 100, 100, 100))}
    after = {"a": stats.ClusterStats(7, {"2xx": 7}, histogram(7, 7, 7, 7, 7, 7))}

    assert stats.rates(before, after, 1.0)["a"].requests == 7
    assert stats.rates(before, after, 1.0)["a"].latency.count == 7


def test_rates_need_a_positive_interval():
    with pytest.raises(ValueError, match="seconds between two readings must be positive, not 0"):
        stats.rates({}, {}, 0)
