"""A gateway a gateway agent refused shows as not deployed, with the agent's reason, in the gateway and in
``/api/v1/info``; the events say when it became refused and when it is served again."""

from __future__ import annotations

import pytest

from tests.core.routing.build import gateway
from tests.interfaces.api.harness import Harness
from vamp.adapters.store import memory
from vamp.core.routing import compile
from vamp.ports import metrics, store
from vamp.services import events, refusals

pytestmark = pytest.mark.anyio

AGENT = "http://127.0.0.1:9090"
REASON = "Envoy refused it: invalid perl operator: (?<."


async def test_a_refused_gateway_is_not_deployed_and_says_why(api: Harness) -> None:
    for name, port in (("shop", 9050), ("regex", 9051)):
        body = {"name": name, "port": f"{port}/http", "routes": {"[127.0.0.1:8001]": {"weight": "100%"}}}
        assert (await api.client.put(f"/api/v1/gateways/{name}", json=body)).status_code == 202
    plan = compile.compile_plan(
        [gateway("shop", 9050, ["[127.0.0.1:8001]"]), gateway("regex", 9051, ["[127.0.0.1:8001]"])], []
    )
    api.plans("default").publish(plan, [])
    api.metrics.refusals.append(
        metrics.Refusal(AGENT, "default", "regex", REASON, "2026-01-02T03:04:05+00:00")
    )
    api.metrics.refusals.append(metrics.Refusal(AGENT, "acme-prod", "shop", REASON, None))

    shown = {item["name"]: item for item in (await api.client.get("/api/v1/gateways")).json()}
    info = (await api.client.get("/api/v1/info", params={"on": "gateway_driver"})).json()

    assert shown["shop"]["deployed"] is True
    assert "refused" not in shown["shop"]
    assert shown["regex"]["deployed"] is False
    assert shown["regex"]["refused"] == REASON
    assert info["gateway_driver"]["refused"] == {
        AGENT: [{"gateway": "regex", "reason": REASON, "since": "2026-01-02T03:04:05+00:00"}]
    }
    again = await api.client.put("/api/v1/gateways/regex", json=shown["regex"])  # what GET shows goes back
    assert again.status_code == 202


async def test_an_event_says_once_when_a_gateway_becomes_refused_and_once_when_it_is_served_again() -> None:
    kept = memory.MemoryStore()
    watch = refusals.RefusalEvents(events.Events(kept))
    refusal = metrics.Refusal(AGENT, "default", "regex", REASON, None)

    await watch.observe([refusal])
    await watch.observe([refusal, metrics.Refusal("http://127.0.0.1:9091", "default", "regex", REASON, None)])
    await watch.observe([])

    found = (await kept.events("default", store.EventQuery(tags=("gateways:regex",)))).items
    assert sorted((sorted(event.tags), str(event.value)) for event in found) == [
        (["deployed", "gateways", "gateways:regex"], str({"agent": AGENT, "refused": False})),
        (["gateways", "gateways:regex", "refused"], str({"agent": AGENT, "reason": REASON})),
    ]


async def test_only_the_leader_records_refusals() -> None:
    kept = memory.MemoryStore()
    leading = False
    watch = refusals.RefusalEvents(events.Events(kept), leading=lambda: leading)
    refusal = metrics.Refusal(AGENT, "default", "regex", REASON, None)

    await watch.observe([refusal])
    assert (await kept.events("default", store.EventQuery(tags=("refused",)))).items == []

    leading = True
    await watch.observe([refusal])
    assert len((await kept.events("default", store.EventQuery(tags=("refused",)))).items) == 1
