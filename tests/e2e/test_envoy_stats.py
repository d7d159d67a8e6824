"""Reading per-cluster traffic from a real Envoy: exact counts by status class, latency, rates; and the
bootstrap's stats matcher, which keeps what Vamp reads and drops the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e import resources as r
from tests.e2e.backends import Backends, Connection, free_port
from tests.e2e.conftest import Envoy
from tests.e2e.polling import eventually
from vamp.adapters.envoy import bootstrap, files, stats, traffic

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.fixture
async def gateway(envoy: Envoy, backends: Backends) -> int:
    """The port of one gateway published on ``envoy``: ``/b…`` goes to cluster ``b``, the rest to ``a``."""
    port = free_port()
    xds = envoy.files
    await envoy.publish(
        files.Snapshot(
            "v1",
            listeners=(r.listener(xds, "gateway", port, "gateway"),),
            clusters=(r.cluster(xds, "a"), r.cluster(xds, "b")),
            routes=(r.route_config("gateway", r.prefix({"cluster": "b"}, "/b"), r.prefix({"cluster": "a"})),),
            endpoints=(r.endpoints("a", backends.ports["a"]), r.endpoints("b", backends.ports["b"])),
        )
    )
    return port


async def test_counts_by_status_class_latency_and_rates_between_two_readings(
    envoy: Envoy, backends: Backends, gateway: int
):
    port = gateway
    backends.status["b"] = 503
    before = await stats.read(envoy.admin)
    connection = Connection(port)
    for path in ["/a"] * 30 + ["/b"] * 20:
        await connection.request(path)
    await connection.close()

    async def histograms_merged() -> bool:
        now = await stats.read(envoy.admin)
        return now["a"].latency.count == 30 and now["b"].latency.count == 20

    await eventually(histograms_merged, what="the latency histograms hold every request")
    after = await stats.read(envoy.admin)
    traffic = stats.rates(before, after, 2.0)

    assert before["a"] == stats.ClusterStats(0, {}, before["a"].latency)
    assert (traffic["a"].requests, traffic["a"].per_second, traffic["a"].classes) == (30, 15.0, {"2xx": 30})
    assert (traffic["b"].requests, traffic["b"].server_errors, traffic["b"].classes) == (20, 20, {"5xx": 20})
    assert traffic["a"].latency.count == 30
    p50, p99 = traffic["a"].p50, traffic["a"].p99
    assert p50 is not None
    assert p99 is not None
    assert p50 <= p99 <= 25


async def test_a_used_only_reading_leaves_out_idle_clusters_and_their_routes_still_count_zero(
    envoy: Envoy, gateway: int
):
    """The meter reads only the clusters that served something; a route without traffic still shows."""
    connection = Connection(gateway)
    for _ in range(5):
        await connection.request("/a")
    await connection.close()

    async def histogram_merged() -> bool:
        return (await stats.read(envoy.admin, used_only=True)).get(
            "a", stats.ClusterStats()
        ).latency.count == 5

    await eventually(histogram_merged, what="the latency histogram holds every request")
    every = await stats.read(envoy.admin)
    used = await stats.read(envoy.admin, used_only=True)
    origins = {"a": Origin("gateway", "gateway/a"), "b": Origin("gateway", "gateway/b")}

    assert "b" in every
    assert "b" not in used
    assert used["a"] == every["a"]
    assert traffic.traffic(origins, used) == traffic.traffic(origins, every)
    (_, to_a, to_b) = traffic.traffic(origins, used)
    assert (to_a.requests, to_b.requests, to_b.codes["2xx"]) == (5, 0, 0)


async def test_envoy_keeps_the_stats_vamp_reads_and_makes_none_of_the_others(envoy: Envoy, gateway: int):
    connection = Connection(gateway)
    for path in ("/a", "/a", "/b"):
        await connection.request(path)
    await connection.close()

    async def histogram_merged() -> bool:
        return (await stats.read(envoy.admin)).get("a", stats.ClusterStats()).latency.count == 2

    await eventually(histogram_merged, what="the latency histogram holds every request")
    names = stat_names(await envoy.admin.stats(r"^cluster\.a\."))
    everything = stat_names(await envoy.admin.stats())
    accepted = await files.accepted(envoy.admin)

    read = {"cluster.a.upstream_rq_completed", "cluster.a.upstream_rq_2xx", "cluster.a.upstream_rq_time"}
    assert read <= names
    assert {"cluster.a.max_host_weight", "cluster.a.membership_total"} <= names  # Envoy's balancers read them
    assert (accepted["lds"], accepted["cds"], accepted["eds/a"]) == ("v1", "v1", "v1")
    # A few of the ~150 stats of each cluster, listener and connection manager that Envoy no longer makes.
    dropped = {
        "cluster.a.upstream_cx_total",
        "cluster.a.upstream_rq_total",
        "cluster.a.upstream_cx_connect_ms",
        "cluster.a.lb_healthy_panic",
        "http.gateway.downstream_rq_total",
    }
    assert not dropped & everything
    assert len(names) < 20
    suffixes = tuple(f".{suffix}" for suffix in bootstrap.KEPT_SUFFIXES)
    assert [
        n for n in everything if not n.startswith(bootstrap.KEPT_PREFIXES) and not n.endswith(suffixes)
    ] == []


def stat_names(answer: dict[str, Any]) -> set[str]:
    """The names of the stats in an answer of ``/stats?format=json``, histograms' too."""
    names = set()
    for stat in answer["stats"]:
        if "name" in stat:
            names.add(stat["name"])
            continue
        histograms = stat["histograms"]
        entries = histograms if isinstance(histograms, list) else histograms.get("computed_quantiles", [])
        names |= {histogram["name"] for histogram in entries}
    return names


@dataclass(frozen=True)
class Origin:
    gateway: str
    route: str
