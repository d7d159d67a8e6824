"""The drivers' ``changes()``: a reader wakes once for the changes it has not seen, and its stream ends
when the driver closes."""

from __future__ import annotations

import asyncio

import pytest

from vamp.adapters import wakeups

pytestmark = pytest.mark.anyio


async def test_a_reader_wakes_once_for_the_changes_that_came_while_it_was_busy():
    changes = wakeups.Wakeups()
    reader = changes.follow()
    first = asyncio.ensure_future(anext(reader))
    await asyncio.sleep(0)
    assert not first.done()

    changes.notify()
    await first
    changes.notify()
    changes.notify()
    await anext(reader)
    second = asyncio.ensure_future(anext(reader))
    await asyncio.sleep(0)

    assert not second.done()
    assert changes.version == 3
    second.cancel()


async def test_every_reader_wakes_on_a_change():
    changes = wakeups.Wakeups()
    readers = [changes.follow() for _ in range(3)]
    waiting = [asyncio.ensure_future(anext(reader)) for reader in readers]
    await asyncio.sleep(0)

    changes.notify()

    assert await asyncio.gather(*waiting) == [None, None, None]


async def test_the_streams_end_when_the_driver_closes():
    changes = wakeups.Wakeups()
    waiting = asyncio.ensure_future(anext(changes.follow()))
    await asyncio.sleep(0)

    changes.end()

    with pytest.raises(StopAsyncIteration):
        await waiting
    with pytest.raises(StopAsyncIteration):
        await anext(changes.follow())
