"""The server itself: ``/api/v1/info``, the selector preview ``/api/v1/scheduler/routing``, the agents'
long poll ``/api/v1/vga/plan``, and the OpenAPI document."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import cast

import httpx
import pytest

from tests.interfaces.api import harness
from tests.interfaces.api.harness import Harness
from vamp import errors
from vamp.adapters.plans import server
from vamp.adapters.store import memory
from vamp.core import model
from vamp.core.routing import compile
from vamp.core.routing import plan as routing_plan
from vamp.interfaces.api import app
from vamp.ports import gateway_agent
from vamp.services import gateways

pytestmark = pytest.mark.anyio

INFO = {
    "message": "Hi, I'm Vamp! How are you?",
    "version": "0.1.0",
    "uuid": "7c6f2c5e",
    "running_since": "2024-05-01T12:00:00+00:00",
    "persistence": {"type": "memory", "status": "ok"},
    "gateway_driver": {"type": "envoy", "plan": None, "problems": [], "refused": {}},
    "container_driver": {"type": "local", "status": "ok", "instances": 0},
}


def _plan(port: int) -> routing_plan.RoutingPlan:
    gateway = model.Gateway(
        name="foo", port=model.GatewayPort(number=port), routes={"[10.0.0.9:8080]": model.Route()}
    )
    return compile.compile_plan([gateway], [])


def _instance(name: str, version: str, ip: str) -> model.ObservedInstance:
    return model.ObservedInstance(
        name=name,
        ip=ip,
        ports=(model.ObservedPort(number=8080, name="web"),),
        labels={"app": "foo", "version": version},
    )


async def test_info_reports_every_section(api: Harness) -> None:
    found = await api.client.get("/api/v1/info")

    assert (found.status_code, found.json()) == (200, INFO)
    assert (await api.client.get("/api/v1/information")).json() == INFO


async def test_info_reports_the_plan_the_agents_are_served(api: Harness) -> None:
    plan = _plan(9060)
    api.plans("default").publish(plan, ["gateway 'bar' left out"])

    found = (await api.client.get("/api/v1/info?on=gateway_driver")).json()

    assert found == {
        **{key: INFO[key] for key in ("message", "version", "uuid", "running_since")},
        "gateway_driver": {
            "type": "envoy",
            "plan": plan.version,
            "problems": ["gateway 'bar' left out"],
            "refused": {},
        },
    }


async def test_info_is_500_when_a_part_fails(api: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def unreachable(*args: object, **kwargs: object) -> None:
        raise errors.StoreError("The database cannot be reached.")

    monkeypatch.setattr(api.store, "list", unreachable)
    api.driver.failure = "Kubernetes answered 403."

    found = await api.client.get("/api/v1/info?on=persistence&on=container_driver")

    assert found.status_code == 500
    assert found.json()["persistence"] == {
        "type": "memory",
        "status": "error",
        "message": "The database cannot be reached.",
    }
    assert found.json()["container_driver"] == {
        "type": "local",
        "status": "error",
        "message": "Kubernetes answered 403.",
    }


async def test_an_unknown_info_section_is_400(api: Harness) -> None:
    found = await api.client.get("/api/v1/info?on=jvm")

    assert found.status_code == 400
    assert found.json() == {
        "message": "Unknown info section 'jvm'; "
        "the sections are: persistence, gateway_driver, container_driver."
    }


async def test_the_selector_preview_shows_a_route_per_version(api: Harness) -> None:
    api.driver.observed = [
        _instance("foo-2", "2.0.1", "10.0.0.2"),
        _instance("foo-1", "1.0.3", "10.0.0.1"),
        _instance("bar-1", "1.0.0", "10.0.0.3").model_copy(update={"labels": {"app": "bar", "version": "1"}}),
    ]

    found = await api.client.get(
        "/api/v1/scheduler/routing", params={"selector": "label(app)(foo) && label(version)((.*))"}
    )

    assert found.status_code == 200
    assert found.json() == [
        {
            "route": "(1.0.3)",
            "groups": ["1.0.3"],
            "targets": [{"name": "foo-1", "host": "10.0.0.1", "port": 8080}],
        },
        {
            "route": "(2.0.1)",
            "groups": ["2.0.1"],
            "targets": [{"name": "foo-2", "host": "10.0.0.2", "port": 8080}],
        },
    ]
    assert found.headers["x-total-count"] == "2"
    paged = await api.client.get(
        "/api/v1/scheduler/routing", params={"selector": "label(app)(foo)", "per_page": 1}
    )
    assert [route["route"] for route in paged.json()] == ["()"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"selector": "label(app"},
            "Invalid selector 'label(app': expected ')' to close the '(' after label at position 6, "
            "found the end of the selector at position 10.\nlabel(app\n         ^",
        ),
        ({}, "Invalid query parameter 'selector': Field required."),
    ],
)
async def test_a_bad_selector_is_400_with_a_caret(api: Harness, query: dict[str, str], message: str) -> None:
    found = await api.client.get("/api/v1/scheduler/routing", params=query)

    assert found.status_code == 400
    assert found.json() == {"message": message}


async def test_the_plan_is_answered_at_once_when_the_agent_has_another_version(api: Harness) -> None:
    plan = _plan(9060)
    api.plans("default").publish(plan, [])

    found = await api.client.get("/api/v1/vga/plan", params={"version": "old", "wait": 30})

    assert found.status_code == 200
    assert routing_plan.RoutingPlan.from_data(found.json()) == plan


async def test_the_plan_long_poll_answers_304_when_nothing_changes(api: Harness) -> None:
    plan = _plan(9060)
    api.plans("default").publish(plan, [])

    found = await api.client.get("/api/v1/vga/plan", params={"version": plan.version, "wait": 0.01})
    nothing_yet = await api.client.get("/acme-prod/api/v1/vga/plan", params={"wait": 0})

    assert (found.status_code, found.content) == (304, b"")
    assert nothing_yet.status_code == 304


class WatchedHolder(gateways.PlanHolder):
    """A plan holder that says when someone waits on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = asyncio.Event()

    async def wait_for_change(self, version: str | None, timeout: float) -> routing_plan.RoutingPlan | None:
        self.waiting.set()
        return await super().wait_for_change(version, timeout)


async def test_a_new_plan_wakes_a_waiting_agent(api: Harness) -> None:
    holder = api.holders["default"] = WatchedHolder()
    first, second = _plan(9060), _plan(9061)
    holder.publish(first, [])

    waiting = asyncio.create_task(
        api.client.get("/api/v1/vga/plan", params={"version": first.version, "wait": 30})
    )
    await asyncio.wait_for(holder.waiting.wait(), 5)
    holder.publish(second, [])
    found = await asyncio.wait_for(waiting, 5)

    assert found.status_code == 200
    assert found.json()["version"] == second.version


async def test_the_long_poll_waits_no_longer_than_the_server_allows() -> None:
    capped = harness.build(memory.MemoryStore(), app.Settings(longest_wait=0.01))
    plan = _plan(9060)
    capped.plans("default").publish(plan, [])
    async with capped.client:
        found = await asyncio.wait_for(
            capped.client.get("/api/v1/vga/plan", params={"version": plan.version, "wait": 3600}), 5
        )

    assert found.status_code == 304


async def test_the_openapi_document_lists_the_api_by_area(api: Harness) -> None:
    document = (await api.client.get("/openapi.json")).json()

    tags = {
        tag for path in document["paths"].values() for operation in path.values() for tag in operation["tags"]
    }
    assert tags == {
        "access",
        "artifacts",
        "bulk",
        "deployments",
        "events",
        "gateways",
        "metrics",
        "releases",
        "system",
        "workflows",
    }
    assert "/api/v1/gateways/{name}" in document["paths"]
    assert "/api/v1/deployments/{name}/clusters/{cluster}/services/{service}/scale" in document["paths"]
    assert "/{namespace}/api/v1/gateways/{name}" in document["paths"]
    assert not any(path.startswith("/{namespace}/api/v1/organisations") for path in document["paths"])


async def test_the_agents_plan_source_reads_the_plan_from_the_long_poll(api: Harness) -> None:
    plan = _plan(9060)
    api.plans("default").publish(plan, [])
    source = server.PlanServer(
        "http://vamp",
        wait=1,
        token=await api.token("agent", "server"),
        transport=httpx.ASGITransport(app=api.app),
    )

    watching = cast(AsyncGenerator[gateway_agent.Received, None], source.watch(""))
    received = await asyncio.wait_for(anext(watching), 5)
    await watching.aclose()

    assert isinstance(received, gateway_agent.OfferedJson)  # the server's own text, for the agent to decode
    assert routing_plan.RoutingPlan.from_data(json.loads(received.text)) == plan
