"""Publishing events: stored in the store, and broadcast to the subscriptions of their namespace."""

from __future__ import annotations

import asyncio

import pytest

from vamp import errors
from vamp.adapters.store import memory
from vamp.core import model
from vamp.ports import store
from vamp.services import events


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


pytestmark = pytest.mark.anyio


def event(*tags: str, type: str = "event") -> model.Event:
    return model.Event(tags=tags, type=type, value={"weight": 10})


async def test_a_published_event_is_stored_and_handed_to_listeners_as_stored():
    kept = memory.MemoryStore()
    bus = events.Events(kept)

    with bus.subscribe("default") as subscription:
        published = await bus.publish("default", event("gateways:sava"))
        async with asyncio.timeout(1):
            received = await subscription.get()

    assert received == published
    assert published.tags == ("gateways", "gateways:sava")
    assert published.id is not None
    assert (await kept.events("default", store.EventQuery(tags=("gateways:sava",)))).items == [published]


@pytest.mark.parametrize(
    ("namespace", "tags", "type", "expected"),
    [
        pytest.param("default", (), None, ["a", "b", "c"], id="everything of the namespace"),
        pytest.param("default", ("deployments",), None, ["a", "b"], id="an expanded tag"),
        pytest.param("default", ("deployments:sava", "clusters:web"), None, ["b"], id="every tag"),
        pytest.param("default", (), "synchronization", ["c"], id="a type"),
        pytest.param("acme-prod", (), None, ["d"], id="another namespace"),
    ],
)
async def test_a_subscription_gets_only_what_it_asks_for(namespace, tags, type, expected):
    bus = events.Events(memory.MemoryStore())

    with bus.subscribe(namespace, tags=tags, type=type) as subscription:
        for where, published in [
            ("default", event("deployments:sava", "clusters:db", "name:a")),
            ("default", event("deployments:sava", "clusters:web", "name:b")),
            ("default", event("synchronization:deployed", "name:c", type="synchronization")),
            ("acme-prod", event("deployments:sava", "name:d")),
        ]:
            await bus.publish(where, published)
        await bus.publish(namespace, event(*tags, "name:end", type=type or "event"))
        got: list[str] = []
        async with asyncio.timeout(1):
            async for received in subscription:
                if "name:end" in received.tags:
                    break
                got.append(received.tags[-1].removeprefix("name:"))

    assert got == expected


async def test_a_listener_that_falls_behind_loses_the_oldest_events_and_knows_it():
    bus = events.Events(memory.MemoryStore(), buffer=2)

    with bus.subscribe("default") as subscription:
        for number in range(5):
            await bus.publish("default", event(f"n:{number}"))

        kept = [(await subscription.get()).tags[-1], (await subscription.get()).tags[-1]]

    assert kept == ["n:3", "n:4"]
    assert subscription.missed == 3


async def test_nothing_is_handed_out_after_the_subscription_ends():
    bus = events.Events(memory.MemoryStore())
    with bus.subscribe("default") as subscription:
        pass

    await bus.publish("default", event("late"))

    assert subscription.missed == 0
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await subscription.get()


async def test_an_invalid_event_is_refused_and_not_broadcast():
    bus = events.Events(memory.MemoryStore())

    with bus.subscribe("default") as subscription, pytest.raises(errors.DslError) as raised:
        await bus.publish("default", model.Event(tags=()))

    assert str(raised.value) == "tags: Publishing an event without tags is not allowed."
    assert subscription.missed == 0
