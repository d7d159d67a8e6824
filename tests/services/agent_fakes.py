"""In-memory fakes of the gateway agent's ports, and small routing plans, for the agent's unit tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from vamp import errors
from vamp.core import model
from vamp.core.routing import plan as routing_plan
from vamp.ports import gateway_agent

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def plan_of(weight_a: int, *problems: str) -> routing_plan.RoutingPlan:
    """Gateway ``g`` on port 9050 splitting requests over routes ``a`` and ``b`` (``weight_a`` of 10000)."""
    clusters = tuple(
        routing_plan.TargetCluster(
            f"g//{name}",
            (routing_plan.Endpoint("127.0.0.1", port, name),),
            routing_plan.Balance.ROUND_ROBIN,
            model.Protocol.HTTP,
        )
        for name, port in (("a", 8001), ("b", 8002))
    )
    weights = (
        routing_plan.WeightedCluster("g//a", weight_a),
        routing_plan.WeightedCluster("g//b", routing_plan.FULL - weight_a),
    )
    route = routing_plan.PlanRoute("g", None, routing_plan.FULL, weights)
    host = routing_plan.VirtualHost("g", "g", ("*",), (route,), None)
    listener = routing_plan.Listener("g", 9050, model.Protocol.HTTP, (host,))
    return routing_plan.RoutingPlan.of((listener,), clusters, problems)


V1, V2, V3 = plan_of(9000), plan_of(5000), plan_of(1000)


class FakeClock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> datetime:
        return START + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds


class FakeDataPlane:
    """Takes plans into ``applied``; ``refuse`` or ``down`` make the next applies fail that way."""

    def __init__(self, kept: routing_plan.RoutingPlan | None = None) -> None:
        self.applied: list[str] = []
        self.kept = kept
        self.kept_error: errors.VampError | None = None
        self.refuse = ""
        self.down = ""
        self.gate: asyncio.Event | None = None

    async def apply(self, plan: routing_plan.RoutingPlan) -> str:
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise errors.DataPlaneError(self.down)
        if self.refuse:
            raise errors.PublishError(self.refuse)
        self.applied.append(plan.version)
        self.kept = plan
        return plan.version

    def last_good(self) -> routing_plan.RoutingPlan | None:
        if self.kept_error is not None:
            raise self.kept_error
        return self.kept

    def health(self) -> gateway_agent.Health:
        return gateway_agent.Health(pid=7, restarts=0, exits=(), admin_url="http://127.0.0.1:9901")

    async def traffic(self) -> tuple[gateway_agent.Traffic, ...]:
        return ()


class QueueSource:
    """A source whose reads the test puts in a queue; it remembers the ``since`` it was started with."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[gateway_agent.Received] = asyncio.Queue()
        self.since: str | None = None

    async def watch(self, since: str) -> AsyncIterator[gateway_agent.Received]:
        self.since = since
        while True:
            yield await self.queue.get()


def offered(plan: routing_plan.RoutingPlan, origin: str = "plans/p.json") -> gateway_agent.Offered:
    return gateway_agent.Offered(plan.to_data(), origin)
