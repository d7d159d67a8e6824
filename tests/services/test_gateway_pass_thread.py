"""A gateway pass over many gateways does its work off the event loop: the API answers meanwhile.

The pass is held inside its decision (in the pass thread) until the test has had its answers, with a
deadline: were the decision on the event loop, no request could be answered until the pass let go, and
the pass would be over before the answer came. A user's write made meanwhile is kept: the pass's own
writes (the ports it assigns, in one ``put_many``) store nothing then, and the pass starts over.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.interfaces.api import harness
from vamp.core.reconcile import gateways as decisions
from vamp.ports import store
from vamp.services import events, gateways

NS = "default"
GATEWAYS = 500
DEADLINE = 30.0
"""Seconds a test waits for something that comes at once unless the behaviour is broken."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


pytestmark = pytest.mark.anyio


class HeldDecision:
    """``decisions.synchronise`` held at its first call until ``release`` (or the deadline)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.released = threading.Event()
        self.real = decisions.synchronise

    def __call__(self, *args: Any, **kwargs: Any) -> decisions.GatewaySync:
        self.entered.set()
        self.released.wait(timeout=DEADLINE)
        return self.real(*args, **kwargs)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldDecision]:
    found = HeldDecision()
    monkeypatch.setattr(decisions, "synchronise", found)
    yield found
    found.released.set()


async def stored_gateways(api: harness.Harness) -> None:
    """``GATEWAYS`` selector gateways without ports, stored as one bulk write does."""
    puts = [
        store.Put("gateways", f"app{n}", {"name": f"app{n}", "selector": f"label(app)(app{n})"}, revision=0)
        for n in range(GATEWAYS)
    ]
    await api.store.put_many(NS, puts)


async def test_the_api_answers_while_a_pass_over_many_gateways_runs(held: HeldDecision) -> None:
    async with harness.in_memory() as api:
        await stored_gateways(api)
        synchroniser = gateways.GatewaySynchroniser(
            api.store, api.driver, events.Events(api.store), resync=60
        )
        running = asyncio.create_task(synchroniser.synchronise(NS))
        assert await asyncio.to_thread(held.entered.wait, DEADLINE)

        info = await asyncio.wait_for(api.client.get("/api/v1/info"), DEADLINE)
        listed = await asyncio.wait_for(api.client.get("/api/v1/gateways?per_page=1"), DEADLINE)

        assert info.status_code == 200
        assert listed.status_code == 200, listed.text
        assert not running.done()  # answered while the pass was still deciding
        held.released.set()
        await asyncio.wait_for(running, DEADLINE)
        plan = synchroniser.plans(NS).current()
        assert plan is not None
        assert len([listener for listener in plan.listeners if listener.port != 80]) == GATEWAYS


async def test_a_write_made_while_a_pass_runs_is_kept_and_the_pass_starts_over(held: HeldDecision) -> None:
    async with harness.in_memory() as api:
        await stored_gateways(api)
        synchroniser = gateways.GatewaySynchroniser(
            api.store, api.driver, events.Events(api.store), resync=60
        )
        running = asyncio.create_task(synchroniser.synchronise(NS))
        assert await asyncio.to_thread(held.entered.wait, DEADLINE)

        sent = "name: app7\nport: 9100/http\nselector: label(app)(seven)\n"
        written = await asyncio.wait_for(
            api.client.put("/api/v1/gateways/app7", content=sent, headers=harness.YAML), DEADLINE
        )

        assert written.status_code == 202, written.text
        assert not running.done()
        held.released.set()
        await asyncio.wait_for(running, DEADLINE)
        kept = await api.store.get(NS, "gateways", "app7")
        assert kept is not None
        assert kept.data["port"] == "9100/http"
        assert kept.data["selector"] == "label(app)(seven)"
        others = (await api.store.list(NS, "gateways")).items
        assert all(stored.data.get("port") for stored in others)  # the pass started over and gave them ports
        plan = synchroniser.plans(NS).current()
        assert plan is not None
        assert len([listener for listener in plan.listeners if listener.port != 80]) == GATEWAYS
