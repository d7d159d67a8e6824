"""The traffic a data plane reports (``DataPlane.traffic``) on both data planes: per route and per gateway,
the counts equal what the test sent and saw answered, status classes included, and the latency histogram
holds every request."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.e2e.backends import Connection, free_port
from tests.e2e.dataplane.planes import Plane
from tests.e2e.gateway_harness import gateway, route
from tests.e2e.polling import eventually
from vamp.ports import gateway_agent

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

SENT = 600


async def test_the_counts_per_route_and_gateway_equal_the_traffic_sent(data_plane: Plane):
    port = free_port()
    await data_plane.serve(
        gateway(
            "metered",
            port,
            {route("a"): {"weight": "50%"}, route("b"): {"weight": "30%"}, route("c"): {"weight": "20%"}},
        )
    )
    data_plane.backends.status["c"] = 503
    try:
        seen: Counter[str] = Counter()
        connection = Connection(port)
        for _ in range(SENT):
            response = await connection.request("/")
            seen[f"{response.backend}:{response.status}"] += 1
        await connection.close()
    finally:
        data_plane.backends.status["c"] = 200

    async def reported() -> dict[str | None, gateway_agent.Traffic]:
        return {t.route: t for t in await data_plane.adapter.traffic() if t.gateway == "metered"}

    async def counted_all() -> bool:
        counts = (gateway := (await reported())[None]).latency.counts
        return gateway.requests == SENT and bool(counts) and counts[-1] == SENT

    # Envoy's histograms lag its counters by up to a stats flush; until then the meter's reading of only
    # the clusters that served something (Envoy's usedonly) has no histogram at all: no buckets yet.
    await eventually(counted_all, timeout=15.0, what=f"the data plane counts and times all {SENT} requests")
    traffic = await reported()

    assert seen.keys() == {"a:200", "b:200", "c:503"}
    assert seen.total() == SENT
    assert traffic[None].codes == {
        "1xx": 0,
        "2xx": seen["a:200"] + seen["b:200"],
        "3xx": 0,
        "4xx": 0,
        "5xx": seen["c:503"],
    }
    assert traffic[None].latency.counts[-1] == SENT
    by_route = {name: (traffic[route(name)].requests, traffic[route(name)].codes) for name in "abc"}
    assert by_route == {
        "a": (seen["a:200"], {"1xx": 0, "2xx": seen["a:200"], "3xx": 0, "4xx": 0, "5xx": 0}),
        "b": (seen["b:200"], {"1xx": 0, "2xx": seen["b:200"], "3xx": 0, "4xx": 0, "5xx": 0}),
        "c": (seen["c:503"], {"1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": seen["c:503"]}),
    }
