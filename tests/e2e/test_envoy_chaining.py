"""Gateway chaining inside Envoy: a gateway reaches another through an internal listener, without a
network hop, and each gateway's HTTP connection manager counts every request. (What a user sees of
chaining on any data plane is in ``tests/e2e/dataplane/test_targets.py``; this is Envoy's own side.)"""

from __future__ import annotations

import pytest

from tests.e2e.gateway_harness import Gateways, free_ports, gateway, requests, route
from vamp.adapters.envoy import render_names

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


async def test_a_gateway_chains_to_another_inside_envoy_and_each_counts_its_requests(gateways: Gateways):
    front_port, back_port = free_ports(2)
    rendering = await gateways.serve(
        gateway("front", front_port, ["back"]),
        gateway("back", back_port, {route("a"): {"weight": "50%"}, route("b"): {"weight": "50%"}}),
    )

    responses = await requests(front_port, 2000)

    assert {response.status for response in responses} == {200}
    internal = render_names.internal_listener("back")
    assert rendering.listeners[internal] == "back"
    stats = await gateways.envoy.admin.stats(r"^http\..*\.downstream_rq_completed$")
    completed = {stat["name"]: stat["value"] for stat in stats["stats"]}
    assert completed[f"http.{render_names.envoy_name('front')}.downstream_rq_completed"] == 2000
    assert completed[f"http.{internal}.downstream_rq_completed"] == 2000
