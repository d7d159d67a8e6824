"""Ending background tasks: each task ends; a waiter cancelled meanwhile is cancelled too, even when the
cancellation comes just as a task ends; a waiter already cleaning up after its own cancellation goes on."""

from __future__ import annotations

import asyncio

import pytest

from vamp.adapters import tasks

pytestmark = pytest.mark.anyio


async def slow_to_end(ended: asyncio.Event) -> None:
    """Runs until cancelled, then takes a moment to clean up (as a process being stopped does)."""
    try:
        await asyncio.Event().wait()
    finally:
        await asyncio.sleep(0.01)
        ended.set()


async def test_cancel_returns_once_every_task_has_ended():
    ended = [asyncio.Event(), asyncio.Event()]
    running = [asyncio.create_task(slow_to_end(each)) for each in ended]
    await asyncio.sleep(0)

    await tasks.cancel(*running)

    assert [task.cancelled() for task in running] == [True, True]
    assert [each.is_set() for each in ended] == [True, True]


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


async def test_a_waiter_cancelled_just_as_the_task_ends_is_cancelled_too():
    release, went_on = asyncio.Event(), asyncio.Event()

    async def ends_when_released() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await release.wait()

    task = asyncio.create_task(ends_when_released())

    async def stop_then_go_on() -> None:
        await tasks.cancel(task)
        went_on.set()

    await asyncio.sleep(0)
    waiter = asyncio.create_task(stop_then_go_on())
    await asyncio.sleep(0)
    release.set()
    await asyncio.sleep(0)  # the task ends; its waiter has not run yet
    assert task.cancelled()
    waiter.cancel()

    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not went_on.is_set()


async def test_a_waiter_cleaning_up_after_its_own_cancellation_goes_on_with_the_clean_up():
    ended, cleaned_up = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(slow_to_end(ended))

    async def cancelled_owner() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await tasks.cancel(task)
            cleaned_up.set()

    owner = asyncio.create_task(cancelled_owner())
    await asyncio.sleep(0)
    owner.cancel()

    with pytest.raises(asyncio.CancelledError):
        await owner
    assert ended.is_set()
    assert cleaned_up.is_set()


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


async def test_a_task_failing_on_its_way_out_is_raised_once_every_task_has_ended():
    ended = asyncio.Event()

    async def fails_when_cancelled() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            raise RuntimeError("could not clean up")

    failing = asyncio.create_task(fails_when_cancelled())
    other = asyncio.create_task(slow_to_end(ended))
    await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="could not clean up"):
        await tasks.cancel(failing, other)

    assert ended.is_set()
