"""Raw HAProxy conditions where Envoy serves the gateways: the gateway that has one is refused, named, with
the reason and where it runs (``vamp agent --proxy haproxy``); every other gateway of the plan is served.

First the agent's own loop on the real Envoy data plane (the machinery ``vamp agent`` wires), then
``vamp agent`` itself under load, as a user runs it.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.e2e.agents import running_agent, write_plan
from tests.e2e.backends import Backends, Connection, Load, free_port, load
from tests.e2e.polling import eventually
from tests.services.agent_fakes import FakeClock, QueueSource, offered
from vamp.adapters.envoy import dataplane, layout, render
from vamp.core import model
from vamp.core.condition import raw_acl
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan
from vamp.services import agent as agent_service

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

RAW = "< hdr(x-user) -m str alice >"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def backends() -> Iterator[Backends]:
    with Backends("a", "b") as started:
        yield started


def gateway(name: str, port: int, routes: Mapping[int, str], condition: str | None = None) -> model.Gateway:
    """Gateway ``name`` on ``port`` sending each backend port its weight; ``condition`` on the last."""
    data: dict[str, dict[str, object]] = {
        f"[127.0.0.1:{backend}]": {"weight": w} for backend, w in routes.items()
    }
    if condition is not None:
        data[list(data)[-1]]["condition"] = {"definition": condition}
    return model.Gateway.model_validate({"name": name, "port": {"number": port}, "routes": data})


def plan_of(*gateways: model.Gateway) -> routing_plan.RoutingPlan:
    compiled = compile_plan(list(gateways), [], shared_port=None)
    assert not compiled.problems
    return compiled


async def backend_at(port: int, headers: Mapping[str, str] | None = None) -> str:
    """The backend that answers a request on ``port``, or ``""`` when nothing answers there."""
    connection = Connection(port)
    try:
        return (await connection.request("/", headers)).backend
    except (OSError, asyncio.IncompleteReadError):
        return ""
    finally:
        await connection.close()


async def test_the_agent_on_envoy_refuses_the_raw_gateway_and_serves_the_others(
    tmp_path: Path, backends: Backends
):
    def rendered(plan: routing_plan.RoutingPlan, files: layout.Layout) -> render.Rendering:
        return render.render(plan, files)

    a, b = backends.ports["a"], backends.ports["b"]
    shop_port, raw_port = free_port(), free_port()
    data_plane = dataplane.EnvoyDataPlane(tmp_path, rendered, node_id="raw-test", base_id=os.getpid())
    async with data_plane:
        agent = agent_service.Agent(QueueSource(), data_plane, FakeClock())
        first = plan_of(gateway("shop", shop_port, {a: "100%"}))
        agent.offer(offered(first))
        assert await agent.reconcile()
        assert await backend_at(shop_port) == "a"

        # One plan: shop moves to b, and a new gateway needs HAProxy for its raw condition.
        wanted = plan_of(
            gateway("shop", shop_port, {b: "100%"}),
            gateway("raw", raw_port, {a: "100%", b: "0%"}, condition=RAW),
        )
        agent.offer(offered(wanted))
        await agent.reconcile()

        assert agent.status.version == wanted.version
        assert [refused.gateway for refused in agent.status.refused] == ["raw"]
        reason = agent.status.refused[0].reason
        assert reason == (
            f"Route '[127.0.0.1:{b}]' has the condition '{RAW}'; raw HAProxy conditions run only on the "
            "HAProxy data plane: `vamp agent --proxy haproxy`."
        )
        assert raw_acl.HAPROXY_ONLY in reason
        await eventually(lambda: _is(backend_at(shop_port), "b"), what="shop serves its new plan")
        assert await backend_at(raw_port, {"x-user": "alice"}) == ""  # never served: not listening

        # Without the raw condition the gateway is served at once.
        fixed = plan_of(
            gateway("shop", shop_port, {b: "100%"}),
            gateway("raw", raw_port, {a: "100%", b: "0%"}, condition="header x-user == alice"),
        )
        agent.offer(offered(fixed))
        await agent.reconcile()
        assert agent.status.refused == ()
        await eventually(lambda: _is(backend_at(raw_port, {"x-user": "alice"}), "b"), what="raw is served")
        assert await backend_at(raw_port) == "a"


async def test_vamp_agent_keeps_serving_a_gateway_as_it_was_when_it_gains_a_raw_condition(
    tmp_path: Path, backends: Backends
):
    a, b = backends.ports["a"], backends.ports["b"]
    shop_port, other_port, plan_file = free_port(), free_port(), tmp_path / "plan.json"
    good = plan_of(gateway("shop", shop_port, {a: "100%", b: "0%"}))
    write_plan(plan_file, json.dumps(good.to_data()))
    async with running_agent(tmp_path / "agent", "--plan", str(plan_file)) as agent:
        await agent.serving(good.version)
        seen, stopping = Load(), False
        running = asyncio.create_task(
            load(shop_port, rate=200, connections=2, until=lambda: stopping, seen=seen)
        )
        await eventually(lambda: _true(seen.total > 20), what="the load gets answers")

        changed = plan_of(
            gateway("shop", shop_port, {a: "0%", b: "100%"}, condition=RAW),
            gateway("other", other_port, {b: "100%"}),
        )
        write_plan(plan_file, json.dumps(changed.to_data()))
        await agent.serving(changed.version, timeout=20.0)
        await eventually(lambda: _is(backend_at(other_port), "b"), what="the other gateway is served")
        answers_after = seen.total
        await eventually(lambda: _true(seen.total > answers_after + 100), timeout=10.0, what="more answers")
        stopping = True
        await running
        status = await agent.status()

    assert seen.failures == []
    assert set(seen.responses) == {"a"}  # shop as it was served: no request took the refused plan
    assert status["plans_rejected"] == 0
    assert [item["gateway"] for item in status["refused"]] == ["shop"]
    assert "`vamp agent --proxy haproxy`" in status["refused"][0]["reason"]
    assert "Gateway 'shop'" in status["last_error"]


async def _is(answer: Awaitable[str], expected: str) -> bool:
    return await answer == expected


async def _true(value: bool) -> bool:
    return value
