"""The agent isolates the gateways its data plane refuses: the rest of the plan is served at once.

A fake data plane refuses every plan that holds one of its ``bad`` gateways, naming them (as Envoy does
for a listener that cannot bind) or not (as it does for a route configuration); the tests check what a
user would see: what the data plane serves, and which gateways ``/status`` reports as refused.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.agent_fakes import START, FakeClock, FakeDataPlane, QueueSource, offered
from vamp import errors
from vamp.core import model
from vamp.core.routing import isolation
from vamp.core.routing import plan as routing_plan
from vamp.services import agent as agent_service

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def plan_of(weights: dict[str, int]) -> routing_plan.RoutingPlan:
    """One gateway per name, each on its own port, sending ``weight`` of 10000 to route ``a``, the rest
    to ``b``."""
    listeners, clusters = [], []
    for index, (name, weight) in enumerate(sorted(weights.items())):
        for route, port in (("a", 8001), ("b", 8002)):
            clusters.append(
                routing_plan.TargetCluster(
                    f"{name}//{route}",
                    (routing_plan.Endpoint("127.0.0.1", port, route),),
                    routing_plan.Balance.ROUND_ROBIN,
                    model.Protocol.HTTP,
                )
            )
        split = (
            routing_plan.WeightedCluster(f"{name}//a", weight),
            routing_plan.WeightedCluster(f"{name}//b", routing_plan.FULL - weight),
        )
        host = routing_plan.VirtualHost(
            name, name, ("*",), (routing_plan.PlanRoute(name, None, 10_000, split),), None
        )
        listeners.append(routing_plan.Listener(name, 9000 + index, model.Protocol.HTTP, (host,)))
    return routing_plan.RoutingPlan.of(tuple(listeners), tuple(sorted(clusters, key=lambda c: c.name)), ())


class RefusingDataPlane(FakeDataPlane):
    """Refuses a plan holding a gateway of ``bad``: naming it if ``names``, else with Envoy's bare reason."""

    def __init__(self, bad: dict[str, str], *, names: bool) -> None:
        super().__init__()
        self.bad = bad
        self.names = names
        self.tried: list[frozenset[str]] = []
        self.served: routing_plan.RoutingPlan | None = None

    async def apply(self, plan: routing_plan.RoutingPlan) -> str:
        present = isolation.gateways(plan)
        self.tried.append(present)
        found = {name: reason for name, reason in self.bad.items() if name in present}
        if found and self.names:
            raise errors.GatewaysRefused("Envoy refused listeners", found)
        if found:
            raise errors.PublishError(f"Envoy refused the route configurations: {next(iter(found.values()))}")
        self.served = plan
        return await super().apply(plan)


def make_agent(data_plane: FakeDataPlane, **options: float) -> tuple[agent_service.Agent, FakeClock]:
    clock = FakeClock()
    return agent_service.Agent(QueueSource(), data_plane, clock, **options), clock  # type: ignore[arg-type]


HEALTHY = {f"g{index}": 5000 for index in range(10)}


@pytest.mark.parametrize("names", [True, False], ids=["named by the data plane", "found by halving"])
async def test_the_plan_is_served_without_the_gateways_the_data_plane_refuses(names: bool):
    data_plane = RefusingDataPlane(
        {"bad1": "cannot bind 127.0.0.1:9050", "bad2": "invalid perl operator"}, names=names
    )
    agent, clock = make_agent(data_plane)
    wanted = plan_of({**HEALTHY, "bad1": 5000, "bad2": 5000})
    clock.seconds = 5

    agent.offer(offered(wanted))
    assert await agent.reconcile()

    assert data_plane.served == isolation.without(wanted, {"bad1", "bad2"})
    assert agent.status.version == wanted.version
    assert [(item.gateway, item.since) for item in agent.status.refused] == [
        ("bad1", START + timedelta(seconds=5)),
        ("bad2", START + timedelta(seconds=5)),
    ]
    assert "cannot bind 127.0.0.1:9050" in agent.status.refused[0].reason
    assert "invalid perl operator" in agent.status.refused[1].reason
    assert "Gateway 'bad2'" in (agent.status.last_error or "")
    assert agent.status.rejected == 0
    assert len(data_plane.tried) <= 12


async def test_a_later_change_of_a_healthy_gateway_is_served_in_one_delivery():
    data_plane = RefusingDataPlane({"bad": "invalid perl operator"}, names=False)
    agent, clock = make_agent(data_plane)
    agent.offer(offered(plan_of({**HEALTHY, "bad": 5000})))
    await agent.reconcile()
    data_plane.tried.clear()

    changed = plan_of({**HEALTHY, "g3": 1000, "bad": 5000})
    clock.seconds = 10
    agent.offer(offered(changed))
    await agent.reconcile()

    assert data_plane.tried == [isolation.gateways(changed) - {"bad"}]
    assert data_plane.served == isolation.without(changed, {"bad"})
    assert [item.gateway for item in agent.status.refused] == ["bad"]
    assert agent.status.refused[0].since == START  # refused since the first time


async def test_a_refused_gateway_that_is_fixed_is_served_again():
    data_plane = RefusingDataPlane({"bad": "invalid perl operator"}, names=False)
    agent, _ = make_agent(data_plane)
    agent.offer(offered(plan_of({**HEALTHY, "bad": 5000})))
    await agent.reconcile()

    data_plane.bad = {}  # the user fixed its condition: its parts change
    fixed = plan_of({**HEALTHY, "bad": 4000})
    agent.offer(offered(fixed))
    await agent.reconcile()

    assert data_plane.served == fixed
    assert agent.status.refused == ()


async def test_a_refused_gateway_is_tried_again_after_a_while_even_unchanged():
    data_plane = RefusingDataPlane({"bad": "cannot bind 127.0.0.1:9050"}, names=True)
    agent, clock = make_agent(data_plane, retry_refused=30.0)
    wanted = plan_of({**HEALTHY, "bad": 5000})
    agent.offer(offered(wanted))
    await agent.reconcile()

    data_plane.bad = {}  # whatever held its port is gone
    clock.seconds = 10
    agent.offer(offered(plan_of({**HEALTHY, "g1": 100, "bad": 5000})))
    await agent.reconcile()
    assert [item.gateway for item in agent.status.refused] == ["bad"]

    clock.seconds = 31
    later = plan_of({**HEALTHY, "g1": 200, "bad": 5000})
    data_plane.tried.clear()
    agent.offer(offered(later))
    await agent.reconcile()
    assert data_plane.served == later
    assert agent.status.refused == ()
    # The change of g1 was served first, without waiting for the try of "bad".
    assert data_plane.tried == [isolation.gateways(later) - {"bad"}, isolation.gateways(later)]


async def test_a_refusal_no_gateway_explains_refuses_the_plan_and_keeps_the_last_good_one():
    data_plane = RefusingDataPlane({}, names=False)
    agent, _ = make_agent(data_plane)
    first = plan_of(HEALTHY)
    agent.offer(offered(first))
    await agent.reconcile()

    data_plane.refuse = "Envoy is out of memory"
    agent.offer(offered(plan_of({**HEALTHY, "g1": 100})))
    await agent.reconcile()

    assert data_plane.served == first
    assert agent.status.version == first.version
    assert agent.status.rejected == 1
    assert "Envoy is out of memory" in (agent.status.last_error or "")


async def test_the_search_is_bounded():
    data_plane = RefusingDataPlane({f"g{index}": "invalid perl operator" for index in range(10)}, names=False)
    agent, _ = make_agent(data_plane, max_tries=6)

    agent.offer(offered(plan_of(HEALTHY)))
    await agent.reconcile()

    assert len(data_plane.tried) == 6
    assert agent.status.version is None
    assert "refused the plan after 6 deliveries" in (agent.status.last_error or "")


async def test_a_gateway_whose_change_is_refused_is_served_as_it_was():
    before, changed = plan_of(HEALTHY), plan_of({**HEALTHY, "g1": 100, "g4": 100})

    class RefusingTheChangeOfG4(RefusingDataPlane):
        async def apply(self, plan: routing_plan.RoutingPlan) -> str:
            if isolation.parts(plan, "g4") == isolation.parts(changed, "g4"):
                raise errors.GatewaysRefused("Envoy refused listeners", {"g4": "cannot bind 127.0.0.1:9004"})
            return await super().apply(plan)

    data_plane = RefusingTheChangeOfG4({}, names=True)
    agent, _ = make_agent(data_plane)
    agent.offer(offered(before))
    await agent.reconcile()

    agent.offer(offered(changed))
    await agent.reconcile()

    served = data_plane.served
    assert served is not None
    assert isolation.parts(served, "g1") == isolation.parts(changed, "g1")
    assert isolation.parts(served, "g4") == isolation.parts(before, "g4")
    assert [item.gateway for item in agent.status.refused] == ["g4"]
    assert "Gateway 'g4'" in (agent.status.last_error or "")


async def test_a_data_plane_that_goes_away_during_the_search_ends_it_and_the_plan_is_refused_whole():
    class DyingOnTrials(RefusingDataPlane):
        async def apply(self, plan: routing_plan.RoutingPlan) -> str:
            if len(self.tried) >= 2:  # the plan, then the first trial
                self.tried.append(isolation.gateways(plan))
                raise errors.DataPlaneError("Envoy died")
            return await super().apply(plan)

    data_plane = DyingOnTrials({"bad": "invalid perl operator"}, names=False)
    agent, _ = make_agent(data_plane)
    first = plan_of(HEALTHY)
    agent.offer(offered(first))
    await agent.reconcile()
    data_plane.tried.clear()

    agent.offer(offered(plan_of({**HEALTHY, "g1": 100, "bad": 5000})))
    assert await agent.reconcile()

    assert agent.status.version == first.version
    assert agent.status.rejected == 1
    assert len(data_plane.tried) == 3
