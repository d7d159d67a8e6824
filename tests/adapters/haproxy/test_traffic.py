"""Reading HAProxy's latency table and ``show stat`` into traffic per gateway and route (pure): buckets
counted per backend, status classes and requests summed per route and gateway, percentiles as Envoy's."""

from __future__ import annotations

import pytest

from tests.adapters.haproxy.test_stats import csv
from vamp import errors
from vamp.adapters.envoy import stats as envoy_stats
from vamp.adapters.haproxy import traffic
from vamp.adapters.haproxy.runtime import parse_stat
from vamp.core.latency_buckets import latency_bounds
from vamp.core.routing.plan import Origin

BOUNDS = latency_bounds()
A, B, C = "shop_a-1111111111", "shop_b-2222222222", "cart_c-3333333333"
BACKENDS = {
    A: Origin("shop", "shop/web/a/http"),
    B: Origin("shop", "shop/web/b/http"),
    C: Origin("cart", "c"),
}

# As HAProxy 2.6.12 answers `show table vamp-latency` (keys <backend>/<bound>).
TABLE = f"""\
# table: vamp-latency, type: string, size:372, used:5
0x559f60cb5618: key={A}/0.5 use=0 exp=0 gpc0=90
0x559f60cb14f8: key={A}/1.07 use=0 exp=0 gpc0=10
0x559f60cb1028: key={B}/53.4 use=0 exp=0 gpc0=9
0x559f60cb5838: key={B}/inf use=0 exp=0 gpc0=1
0x559f60cb5839: key=old_backend-4444444444/0.5 use=0 exp=0 gpc0=7

"""

STAT = csv(
    "shop,FRONTEND,110,OPEN,,0,0,101,0,0,9,110,,,,,,,",
    f"{A},BACKEND,100,UP,1,1,0,100,0,0,0,100,0,0,0,0,1,1,",
    f"{B},BACKEND,10,UP,1,1,0,1,0,0,9,10,0,0,0,0,50,50,",
    "old_backend-4444444444,BACKEND,7,UP,1,1,0,7,0,0,0,7,0,0,0,0,1,1,",
)


def bucket(bound: float) -> int:
    return BOUNDS.index(bound)


def test_the_table_gives_each_backend_a_cumulative_histogram_over_the_envoy_bounds() -> None:
    histograms = traffic.parse_table(TABLE)

    assert histograms is not None
    a = histograms[A]
    assert a.bounds == BOUNDS
    assert (a.counts[0], a.counts[bucket(1.07) - 1], a.counts[bucket(1.07)], a.count) == (90, 90, 100, 100)
    assert histograms[B].counts[bucket(48.5)] == 0
    assert (histograms[B].counts[bucket(53.4)], histograms[B].counts[-1]) == (9, 10)


def test_the_sum_counts_each_request_at_the_middle_of_its_bucket() -> None:
    histograms = traffic.parse_table(TABLE)

    assert histograms is not None
    assert histograms[A].sum_ms == pytest.approx(90 * 0.25 + 10 * (0.974 + 1.07) / 2)
    assert histograms[B].sum_ms == pytest.approx(9 * (48.5 + 53.4) / 2 + 1 * BOUNDS[-2])


def test_no_table_means_nothing_was_measured() -> None:
    assert traffic.parse_table("No such table\n\n") is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Unknown command\n", "is not that table"),
        ("# table: other, type: string, size:1, used:0\n", "is not that table"),
        (f"# table: vamp-latency, type: string\n0x1: key={A}/0.75 use=0 exp=0 gpc0=1\n", "0.75"),
        (f"# table: vamp-latency, type: string\n0x1: key={A} use=0 exp=0 gpc0=1\n", "<backend>/<bound>"),
        (
            "# table: vamp-latency, type: string\n0x1: key=a/0.5 use=0 exp=0\n",
            "gpc0=<count>', with a bound from 0.5 to 56100 ms or inf",
        ),
    ],
)
def test_a_table_that_cannot_be_read_is_a_data_plane_error_saying_what_was_expected(
    text: str, says: str
) -> None:
    with pytest.raises(errors.DataPlaneError, match=says):
        traffic.parse_table(text)


def test_routes_and_gateways_add_up_their_backends_and_ignore_backends_of_earlier_plans() -> None:
    read = traffic.traffic(BACKENDS, parse_stat(STAT), traffic.parse_table(TABLE))

    by_name = {(item.gateway, item.route): item for item in read}
    assert list(by_name) == [
        ("cart", None),
        ("cart", "c"),
        ("shop", None),
        ("shop", "shop/web/a/http"),
        ("shop", "shop/web/b/http"),
    ]
    shop = by_name["shop", None]
    assert (shop.requests, shop.codes) == (110, {"1xx": 0, "2xx": 101, "3xx": 0, "4xx": 0, "5xx": 9})
    assert shop.latency.counts[-1] == 110
    assert by_name["shop", "shop/web/b/http"].codes["5xx"] == 9
    cart = by_name["cart", "c"]
    assert (cart.requests, cart.latency.bounds, cart.latency.counts, cart.latency.p50) == (
        0,
        BOUNDS,
        (0,) * len(BOUNDS),
        None,
    )


def test_percentiles_are_the_envoy_adapters_from_the_merged_buckets() -> None:
    histograms = traffic.parse_table(TABLE)
    assert histograms is not None
    merged = envoy_stats.Histogram(
        BOUNDS, tuple(a + b for a, b in zip(histograms[A].counts, histograms[B].counts, strict=True))
    )

    read = traffic.traffic(BACKENDS, parse_stat(STAT), histograms)
    shop = next(item for item in read if (item.gateway, item.route) == ("shop", None))

    assert (shop.latency.p50, shop.latency.p95, shop.latency.p99) == (
        merged.quantile(0.50),
        merged.quantile(0.95),
        merged.quantile(0.99),
    )
    assert shop.latency.p50 is not None
    assert shop.latency.p50 < 0.5
    assert shop.latency.p99 is not None
    assert 48.5 < shop.latency.p99 <= 53.4


def test_without_latency_buckets_the_counts_stand_and_latency_is_empty() -> None:
    read = traffic.traffic(BACKENDS, parse_stat(STAT), None)

    route_a = next(item for item in read if item.route == "shop/web/a/http")
    assert route_a.requests == 100
    assert (route_a.latency.bounds, route_a.latency.counts, route_a.latency.p99) == ((), (), None)
