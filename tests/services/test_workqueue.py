"""The work queue: de-duplication, one worker per key, backoff on failure, and the wake-ups that fill it.

Handlers record what they were given and block on events the test controls; every wait has a deadline,
and "nothing more happened" is shown by a sentinel key handled after the others by a single worker.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.services.fakes import DEADLINE, FakeDriver, running
from vamp import errors
from vamp.services import workqueue


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


pytestmark = pytest.mark.anyio


class Recorder:
    """Records the keys handled; ``seen(key)`` waits until ``key`` has been handled ``times`` times."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._changed = asyncio.Condition()

    async def __call__(self, key: str) -> None:
        async with self._changed:
            self.calls.append(key)
            self._changed.notify_all()

    async def seen(self, key: str, times: int = 1) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.calls.count(key) >= times)


@pytest.mark.parametrize(
    ("failures", "delay"), [(1, 0.05), (2, 0.1), (3, 0.2), (10, 25.6), (11, 30.0), (40, 30.0)]
)
def test_the_backoff_doubles_up_to_its_cap(failures, delay):
    assert workqueue.Backoff().delay(failures) == pytest.approx(delay)


async def test_a_key_added_many_times_before_it_runs_runs_once():
    queue: workqueue.WorkQueue[str] = workqueue.WorkQueue("test")
    recorder = Recorder()
    for key in ("a", "b", "a", "a", "b", "end"):
        queue.add(key)

    async with running(queue.run(recorder, workers=1)):
        await recorder.seen("end")

    assert recorder.calls == ["a", "b", "end"]


async def test_a_key_added_while_it_runs_runs_again_after_never_alongside():
    queue: workqueue.WorkQueue[str] = workqueue.WorkQueue("test")
    release = asyncio.Event()
    started = asyncio.Event()
    active: set[str] = set()
    overlaps: list[str] = []
    recorder = Recorder()

    async def handle(key: str) -> None:
        if key in active:
            overlaps.append(key)
        active.add(key)
        started.set()
        await release.wait()
        active.discard(key)
        await recorder(key)

    queue.add("a")
    async with running(queue.run(handle, workers=3)):
        await started.wait()
        queue.add("a")
        queue.add("a")
        release.set()
        await recorder.seen("a", times=2)

    assert (recorder.calls, overlaps) == (["a", "a"], [])


async def test_a_slow_key_does_not_hold_up_the_others():
    queue: workqueue.WorkQueue[str] = workqueue.WorkQueue("test")
    release = asyncio.Event()
    recorder = Recorder()

    async def handle(key: str) -> None:
        if key == "slow":
            await release.wait()
        await recorder(key)

    queue.add("slow")
    queue.add("fast")
    async with running(queue.run(handle, workers=2)):
        await recorder.seen("fast")
        release.set()
        await recorder.seen("slow")

    assert recorder.calls == ["fast", "slow"]


async def test_a_failing_key_is_retried_with_backoff_while_the_others_go_on():
    queue: workqueue.WorkQueue[str] = workqueue.WorkQueue("test", backoff=workqueue.Backoff(first=0.001))
    recorder = Recorder()

    async def handle(key: str) -> None:
        await recorder(key)
        if key == "bad" and recorder.calls.count("bad") < 3:
            raise errors.DriverError("the runtime is away")

    queue.add("bad")
    queue.add("good")
    async with running(queue.run(handle, workers=1)):
        await recorder.seen("bad", times=3)

    assert recorder.calls.count("good") == 1


async def test_wake_ups_wait_out_a_backoff_but_a_change_by_a_user_does_not():
    queue: workqueue.WorkQueue[str] = workqueue.WorkQueue("test", backoff=workqueue.Backoff(first=60))
    recorder = Recorder()

    async def handle(key: str) -> None:
        await recorder(key)
        if key == "bad" and recorder.calls.count("bad") == 1:
            raise RuntimeError("a bug in one object's handling")

    queue.add("bad")
    async with running(queue.run(handle, workers=1)):
        await recorder.seen("bad")
        queue.add("bad")
        queue.add("end")
        await recorder.seen("end")
        assert recorder.calls == ["bad", "end"]
        queue.add("bad", reset_backoff=True)
        await recorder.seen("bad", times=2)


async def test_wake_up_calls_at_start_and_on_every_change_even_after_a_failure():
    driver = FakeDriver()
    calls = asyncio.Queue[int]()
    count = 0

    async def wake() -> None:
        nonlocal count
        count += 1
        calls.put_nowait(count)
        if count == 2:
            raise errors.StoreError("the store is away")

    async with running(workqueue.wake_up(wake, driver.changes, period=60, name="test")):
        assert await calls.get() == 1
        await driver.watched.wait()
        driver.changed()
        assert await calls.get() == 2
        driver.changed()
        assert await calls.get() == 3


async def test_wake_up_calls_on_change_on_changes_and_wake_at_start_and_every_period_all_the_same():
    driver = FakeDriver()
    calls = asyncio.Queue[str]()

    async def wake() -> None:
        calls.put_nowait("wake")

    async def on_change() -> None:
        calls.put_nowait("change")

    async with running(workqueue.wake_up(wake, driver.changes, period=0.5, name="test", on_change=on_change)):
        assert await calls.get() == "wake"
        await driver.watched.wait()
        driver.changed()
        assert await calls.get() == "change"
        # Changes come faster than the period: the periodic wake comes all the same.
        seen: list[str] = []
        async with asyncio.timeout(DEADLINE):
            while not seen or seen[-1] != "wake":
                driver.changed()
                seen.append(await calls.get())
        assert set(seen[:-1]) <= {"change"}


async def test_the_queue_counts_its_passes_failures_durations_and_depth():
    queue: workqueue.WorkQueue[str] = workqueue.WorkQueue("test", backoff=workqueue.Backoff(first=30.0))
    recorder = Recorder()

    async def handle(key: str) -> None:
        await recorder(key)
        if key == "bad":
            raise errors.DriverError("no")

    for key in ("a", "bad", "b", "end"):
        queue.add(key)
    assert queue.depth == 4

    async with running(queue.run(handle, workers=1)):
        await recorder.seen("end")
        # "bad" waits out its backoff, so it is still waiting: the depth counts it.
        assert (queue.passes, queue.failed, queue.depth) == (4, 1, 1)

    assert queue.durations.count == 4
    assert 0 <= queue.durations.sum < 5
