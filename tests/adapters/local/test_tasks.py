"""Ending a background task: the task ends, and a waiter cancelled meanwhile is cancelled too."""

from __future__ import annotations

import asyncio

import pytest

from vamp.adapters.local import tasks

pytestmark = pytest.mark.anyio


async def slow_to_end(ended: asyncio.Event) -> None:
    """Runs until cancelled, then takes a moment to clean up (as a process being stopped does)."""
    try:
        await asyncio.Event().wait()
    finally:
        await asyncio.sleep(0.01)
        ended.set()


async def test_cancel_returns_once_the_task_has_ended():
    ended = asyncio.Event()
    task = asyncio.create_task(slow_to_end(ended))
    await asyncio.sleep(0)

    await tasks.cancel(task)

    assert task.cancelled()
    assert ended.is_set()


async def test_a_waiter_cancelled_while_the_task_ends_is_cancelled_too():
    ended, went_on = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(slow_to_end(ended))

    async def stop_then_go_on() -> None:
        await tasks.cancel(task)
        went_on.set()

    await asyncio.sleep(0)
    waiter = asyncio.create_task(stop_then_go_on())
    await asyncio.sleep(0)
    waiter.cancel()

    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not went_on.is_set()
    assert ended.is_set()


async def test_what_the_task_raised_on_its_way_out_reaches_the_caller():
    async def failing_on_cancel() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            raise RuntimeError("could not clean up")

    task = asyncio.create_task(failing_on_cancel())
    await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="could not clean up"):
        await tasks.cancel(task)
