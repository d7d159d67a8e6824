"""The agents' long poll over several namespaces: ``/api/v1/vga/plan?namespace=…`` (repeatable) and
``?all_namespaces=true`` answer one combined plan, which changes when any of its namespaces' does."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence

import pytest

from tests.interfaces.api.harness import Harness
from vamp.core import model
from vamp.core.routing import compile
from vamp.core.routing import plan as routing_plan
from vamp.services import gateways

pytestmark = pytest.mark.anyio

PLAN = "/api/v1/vga/plan"


def _plan(name: str, port: int) -> routing_plan.RoutingPlan:
    gateway = model.Gateway(
        name=name, port=model.GatewayPort(number=port), routes={"[10.0.0.9:8080]": model.Route()}
    )
    return compile.compile_plan([gateway], [])


def _gateways(data: dict[str, object]) -> dict[int, str]:
    plan = routing_plan.RoutingPlan.from_data(data)
    return {listener.port: listener.name for listener in plan.listeners if listener.port != 80}


class WatchedBoard(gateways.PlanBoard):
    """A plan board that says when a long poll waits on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = asyncio.Event()

    async def wait_for_change(
        self, served: Callable[[], Sequence[str]], version: str | None, timeout: float, *, default: str
    ) -> routing_plan.RoutingPlan | None:
        self.waiting.set()
        return await super().wait_for_change(served, version, timeout, default=default)


def _watched(api: Harness) -> WatchedBoard:
    board = WatchedBoard()
    api.app.state.services = dataclasses.replace(api.app.state.services, plans=board)
    return board


async def test_asked_namespaces_get_one_plan_with_the_other_namespaces_names_qualified(api: Harness) -> None:
    api.plans("default").publish(_plan("sava", 9050), [])
    api.plans("acme-prod").publish(_plan("sava", 9060), [])
    api.plans("acme-test").publish(_plan("sava", 9070), [])

    found = await api.client.get(PLAN, params={"namespace": ["default", "acme-prod"], "wait": 0})

    assert found.status_code == 200
    assert _gateways(found.json()) == {9050: "sava", 9060: "[acme-prod]sava"}


async def test_every_namespace_is_served_with_all_namespaces(api: Harness) -> None:
    api.plans("default").publish(_plan("sava", 9050), [])
    api.plans("acme-prod").publish(_plan("sava", 9060), [])

    found = await api.client.get(PLAN, params={"all_namespaces": "true"})

    assert _gateways(found.json()) == {9050: "sava", 9060: "[acme-prod]sava"}


async def test_without_namespaces_asked_the_path_namespace_is_served_as_before(api: Harness) -> None:
    prod = _plan("sava", 9060)
    api.plans("default").publish(_plan("sava", 9050), [])
    api.plans("acme-prod").publish(prod, [])

    found = await api.client.get("/acme-prod" + PLAN)

    assert found.json() == prod.to_data()


async def test_a_change_in_any_asked_namespace_wakes_the_long_poll(api: Harness) -> None:
    board = _watched(api)
    board("default").publish(_plan("sava", 9050), [])
    board("acme-prod").publish(_plan("sava", 9060), [])
    first = await api.client.get(PLAN, params={"namespace": ["default", "acme-prod"]})
    version = first.json()["version"]

    waiting = asyncio.create_task(
        api.client.get(PLAN, params={"namespace": ["default", "acme-prod"], "version": version, "wait": 30})
    )
    await asyncio.wait_for(board.waiting.wait(), 5)
    board("acme-prod").publish(_plan("sava", 9061), [])
    found = await asyncio.wait_for(waiting, 5)

    assert found.status_code == 200
    assert found.json()["version"] != version
    assert _gateways(found.json()) == {9050: "sava", 9061: "[acme-prod]sava"}


async def test_a_change_in_a_namespace_not_asked_does_not_change_the_plan(api: Harness) -> None:
    api.plans("default").publish(_plan("sava", 9050), [])
    api.plans("acme-test").publish(_plan("sava", 9070), [])
    first = await api.client.get(PLAN, params={"namespace": "default"})
    api.plans("acme-test").publish(_plan("sava", 9071), [])

    found = await api.client.get(
        PLAN, params={"namespace": "default", "version": first.json()["version"], "wait": 0.05}
    )

    assert found.status_code == 304


async def test_a_namespace_that_appears_wakes_a_long_poll_of_all_namespaces(api: Harness) -> None:
    board = _watched(api)
    board("default").publish(_plan("sava", 9050), [])
    first = await api.client.get(PLAN, params={"all_namespaces": "true"})
    version = first.json()["version"]

    waiting = asyncio.create_task(
        api.client.get(PLAN, params={"all_namespaces": "true", "version": version, "wait": 30})
    )
    await asyncio.wait_for(board.waiting.wait(), 5)
    board("acme-new").publish(_plan("shop", 9080), [])
    found = await asyncio.wait_for(waiting, 5)

    assert _gateways(found.json()) == {9050: "sava", 9080: "[acme-new]shop"}


async def test_a_port_two_namespaces_use_is_a_problem_in_the_plan_not_a_broken_plan(api: Harness) -> None:
    api.plans("default").publish(_plan("sava", 9050), [])
    api.plans("acme-prod").publish(_plan("shop", 9050), [])

    found = await api.client.get(PLAN, params={"all_namespaces": "true"})

    assert _gateways(found.json()) == {9050: "sava"}
    assert found.json()["problems"] == [
        "namespace 'acme-prod': gateway 'shop': port 9050 is held by gateway 'sava' of namespace "
        "'default'; the gateway is left out of the plan"
    ]


async def test_a_namespace_asked_that_is_not_a_namespace_name_is_refused(api: Harness) -> None:
    found = await api.client.get(PLAN, params={"namespace": "acme_prod"})

    assert found.status_code == 400
    assert "Query parameter 'namespace': Invalid namespace 'acme_prod'" in found.json()["message"]
