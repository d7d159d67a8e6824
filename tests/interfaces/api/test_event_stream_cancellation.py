"""The SSE stream of events ends when its reader is cancelled, even as an event arrives at that moment
(``asyncio.wait_for`` on Python 3.11 would hand over the event and drop the cancellation, and the
stream would go on waiting for the next one)."""

from __future__ import annotations

import asyncio

import pytest

from tests.interfaces.api.harness import Harness
from vamp.core import model
from vamp.interfaces.api.context import Services
from vamp.interfaces.api.routes import events as events_route

pytestmark = pytest.mark.anyio


async def test_a_stream_cancelled_as_an_event_arrives_ends(api: Harness) -> None:
    services: Services = api.app.state.services
    stream = events_route._stream(services, "default", (), None)
    assert await anext(stream) == ": listening\n\n"
    reading = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0)  # the stream waits for an event

    await api.publisher.publish("default", model.Event(tags=("gateways:sava",)))
    reading.cancel()

    with pytest.raises(asyncio.CancelledError):
        await reading
