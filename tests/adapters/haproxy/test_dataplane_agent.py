"""The gateway agent (``vamp.services.agent``) on the HAProxy data plane: a gateway HAProxy cannot serve is
isolated as on Envoy, named in the agent's status, while the rest of the plan is served; a gateway whose
configuration HAProxy refuses (``haproxy -c``) is isolated the same way."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest

from tests.adapters.haproxy.running import haproxy, shop_plan
from tests.e2e.backends import HOST, Backends
from tests.e2e.gateway_harness import free_ports, send
from tests.services.agent_fakes import FakeClock, QueueSource, offered
from vamp.adapters.haproxy import render
from vamp.adapters.haproxy.dataplane import HaproxyDataPlane
from vamp.core.routing import plan as routing_plan
from vamp.services import agent as agent_service

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def agent_on(data_plane: HaproxyDataPlane) -> agent_service.Agent:
    return agent_service.Agent(QueueSource(), data_plane, FakeClock())


async def test_a_gateway_on_a_taken_port_is_isolated_and_the_rest_served(
    data_plane: HaproxyDataPlane, backends: Backends
):
    port, other = free_ports(2)
    agent = agent_on(data_plane)
    with socket.socket() as taken:
        taken.bind((HOST, other))
        taken.listen()
        agent.offer(offered(shop_plan(backends, port, {"a": "100%"}, more=(other,))))

        assert await agent.reconcile()

    assert [refused.gateway for refused in agent.status.refused] == ["more0"]
    assert "where HAProxy cannot listen: Address already in use" in agent.status.refused[0].reason
    assert (await send(port, 5)) == {"a": 5}


async def test_a_gateway_haproxy_refuses_to_parse_is_isolated_and_the_rest_served(
    tmp_path: Path, backends: Backends
):
    def spoiled(plan: routing_plan.RoutingPlan, options: render.RenderOptions) -> render.Rendering:
        """Renders gateway ``more0``'s backend with a keyword HAProxy does not know."""
        rendering = render.render(plan, options=options)
        text = rendering.text
        for name, origin in rendering.backends.items():
            if origin.gateway == "more0":
                text = text.replace(f"backend {name}\n", f"backend {name}\n    no-such-keyword\n")
        return dataclasses.replace(rendering, text=text)

    port, other = free_ports(2)
    async with HaproxyDataPlane(tmp_path / "agent", spoiled, haproxy=haproxy()) as data_plane:
        agent = agent_on(data_plane)
        agent.offer(offered(shop_plan(backends, port, {"a": "0%", "b": "100%"}, more=(other,))))

        assert await agent.reconcile()

        assert [refused.gateway for refused in agent.status.refused] == ["more0"]
        assert "unknown keyword 'no-such-keyword'" in agent.status.refused[0].reason
        assert (await send(port, 5)) == {"b": 5}
