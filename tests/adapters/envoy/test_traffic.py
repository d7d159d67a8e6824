"""Per-cluster Envoy stats added up per route and per gateway, through the renderer's cluster names."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from vamp import errors
from vamp.adapters.envoy import stats, traffic
from vamp.ports import gateway_agent

BOUNDS = (1.0, 5.0, 10.0, 25.0, float("inf"))
CODES_NONE = {"1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}


@dataclass(frozen=True)
class Origin:
    gateway: str
    route: str


def cluster(completed: int, classes: dict[str, int], *counts: int, sum_ms: float) -> stats.ClusterStats:
    return stats.ClusterStats(completed, classes, stats.Histogram(BOUNDS, counts, sum_ms))


CLUSTERS = {
    "shop--v1": Origin("shop", "shop/v1"),
    "shop--v2": Origin("shop", "shop/v2"),
    "shop--v2-sticky": Origin("shop", "shop/v2"),  # a second cluster serving the same route
    "blog--main": Origin("blog", "blog/main"),
}
READINGS = {
    "shop--v1": cluster(10, {"2xx": 9, "5xx": 1}, 2, 8, 10, 10, 10, sum_ms=40),
    "shop--v2": cluster(4, {"2xx": 4}, 0, 0, 3, 4, 4, sum_ms=30),
    "shop--v2-sticky": cluster(6, {"2xx": 5, "4xx": 1}, 0, 0, 0, 6, 6, sum_ms=90),
    "old--cluster": cluster(99, {"2xx": 99}, 99, 99, 99, 99, 99, sum_ms=9),  # not in the rendering
}


def by_name(items: tuple[gateway_agent.Traffic, ...]) -> dict[tuple[str, str | None], gateway_agent.Traffic]:
    return {(item.gateway, item.route): item for item in items}


def test_gateways_come_first_then_their_routes_in_name_order():
    items = traffic.traffic(CLUSTERS, READINGS)

    assert [(item.gateway, item.route) for item in items] == [
        ("blog", None),
        ("blog", "blog/main"),
        ("shop", None),
        ("shop", "shop/v1"),
        ("shop", "shop/v2"),
    ]


@pytest.mark.parametrize(
    ("key", "requests", "codes", "counts", "sum_ms"),
    [
        (("shop", "shop/v1"), 10, {"2xx": 9, "5xx": 1}, (2, 8, 10, 10, 10), 40),
        (("shop", "shop/v2"), 10, {"2xx": 9, "4xx": 1}, (0, 0, 3, 10, 10), 120),
        (("shop", None), 20, {"2xx": 18, "4xx": 1, "5xx": 1}, (2, 8, 13, 20, 20), 160),
        (("blog", "blog/main"), 0, {}, (), 0),
        (("blog", None), 0, {}, (), 0),
    ],
    ids=["one-cluster", "two-clusters", "gateway", "no-traffic-yet", "gateway-without-traffic"],
)
def test_counts_and_histograms_add_up_per_route_and_per_gateway(key, requests, codes, counts, sum_ms):
    item = by_name(traffic.traffic(CLUSTERS, READINGS))[key]

    assert item.requests == requests
    assert item.codes == {**CODES_NONE, **codes}
    assert item.latency.counts == counts
    assert item.latency.bounds == (BOUNDS if counts else ())
    assert item.latency.sum_ms == sum_ms


def test_a_gateways_percentiles_come_from_its_merged_histogram_not_from_its_routes_percentiles():
    items = by_name(traffic.traffic(CLUSTERS, READINGS))
    gateway, v1, v2 = items[("shop", None)], items[("shop", "shop/v1")], items[("shop", "shop/v2")]

    # 20 requests: 2 ≤ 1 ms, 8 ≤ 5 ms, 13 ≤ 10 ms, 20 ≤ 25 ms. The median (rank 10) lies 2/5 into (5, 10].
    assert gateway.latency.p50 == pytest.approx(7.0)
    assert gateway.latency.p99 == pytest.approx(10 + 15 * (19.8 - 13) / 7)
    # Averaging the routes' medians would give (3 + 14.29) / 2 = 8.64 ms.
    assert v1.latency.p50 == pytest.approx(3.0)
    assert v2.latency.p50 == pytest.approx(10 + 15 * 2 / 7)
    assert items[("blog", None)].latency.p50 is None


def test_histograms_with_different_buckets_cannot_be_added():
    other = stats.ClusterStats(1, {"2xx": 1}, stats.Histogram((1.0, float("inf")), (1, 1), 1.0))

    with pytest.raises(errors.DataPlaneError) as raised:
        traffic.merge([READINGS["shop--v1"], other])

    assert str(raised.value) == (
        "Cannot add latency histograms with different buckets: [1.0, 5.0, 10.0, 25.0, inf] and [1.0, inf]."
    )


def test_a_route_envoy_did_not_report_is_the_same_zeros_as_one_it_reported_idle():
    """The meter reads only the clusters that served something; the others must look exactly as before."""
    reported_idle = {**READINGS, "blog--main": stats.ClusterStats(0, {}, stats.Histogram())}

    unreported = traffic.traffic(CLUSTERS, READINGS)

    assert unreported == traffic.traffic(CLUSTERS, reported_idle)
    assert by_name(unreported)[("blog", "blog/main")] == gateway_agent.Traffic(
        gateway="blog",
        route="blog/main",
        requests=0,
        codes=CODES_NONE,
        latency=gateway_agent.Latency(bounds=(), counts=(), sum_ms=0.0, p50=None, p95=None, p99=None),
    )
