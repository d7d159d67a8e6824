"""Leader election through a real Lease: of two candidates exactly one leads; a crashed leader (its task
cancelled, nothing released) is replaced within the lease duration; a leader that stops hands over at
once; the Lease records the holder and each transition. A server alone (``AlwaysLeader``) just leads.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest
from lightkube.models.coordination_v1 import LeaseSpec
from lightkube.resources.coordination_v1 import Lease

from tests.k8s import eventually
from vamp import errors
from vamp.adapters.kubernetes import lease
from vamp.services import leadership

pytestmark = pytest.mark.anyio
LEASE_DURATION = 3.0
RETRY_PERIOD = 0.25


class Transitions:
    """What a candidate's ``on_change`` reported, in order."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def __call__(self, leading: bool) -> None:
        self.seen.append(leading)


def candidate(kube, namespace: str, identity: str, transitions: Transitions) -> lease.LeaderElection:
    return lease.LeaderElection(
        kube,
        namespace,
        identity=identity,
        lease_duration=LEASE_DURATION,
        renew_deadline=2.0,
        retry_period=RETRY_PERIOD,
        on_change=transitions,
    )


@contextlib.asynccontextmanager
async def campaigning(*candidates: lease.LeaderElection) -> AsyncIterator[dict[str, asyncio.Task[None]]]:
    tasks = {each.identity: asyncio.create_task(each.run()) for each in candidates}
    try:
        yield tasks
    finally:
        for task in tasks.values():
            task.cancel()
        for task in tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def leader(*candidates: lease.LeaderElection) -> lease.LeaderElection:
    async def observe() -> list[lease.LeaderElection]:
        return [each for each in candidates if each.is_leader]

    leading = await eventually.until("exactly one leader", observe, lambda found: len(found) == 1)
    return leading[0]


async def holder(kube, namespace: str) -> LeaseSpec:
    """The spec of the election's Lease."""
    found = await kube.get(Lease, "vamp-server", namespace=namespace)
    assert found is not None
    assert found.spec is not None
    spec: LeaseSpec = found.spec
    return spec


async def test_of_two_candidates_exactly_one_leads(kube, k8s_namespace):
    seen = {"a": Transitions(), "b": Transitions()}
    a, b = (candidate(kube, k8s_namespace, name, seen[name]) for name in ("a", "b"))

    async with campaigning(a, b):
        first = await leader(a, b)
        await first.wait_until_leader()
        renewed = (await holder(kube, k8s_namespace)).renewTime

        async def renew_time() -> object:
            return (await holder(kube, k8s_namespace)).renewTime

        await eventually.until("two more renewals", renew_time, lambda now: now != renewed)
        await eventually.until("two more renewals", renew_time, lambda now: now != renewed)

    follower = b if first is a else a
    assert seen[first.identity].seen == [True]
    assert seen[follower.identity].seen == []
    assert not follower.is_leader
    spec = await holder(kube, k8s_namespace)
    assert spec.holderIdentity == first.identity
    assert spec.leaseDurationSeconds == 3
    assert spec.leaseTransitions == 0


async def test_a_crashed_leader_is_replaced_within_the_lease_duration(kube, k8s_namespace):
    a, b = (candidate(kube, k8s_namespace, name, Transitions()) for name in ("a", "b"))

    async with campaigning(a, b) as tasks:
        first = await leader(a, b)
        follower = b if first is a else a
        tasks[first.identity].cancel()  # a crash: nothing is released
        crashed = time.monotonic()
        await asyncio.wait_for(follower.wait_until_leader(), LEASE_DURATION + 2.0)
        handover = time.monotonic() - crashed

    print(f"handover after a crash: {handover:.2f} s (lease duration {LEASE_DURATION} s)")
    # Within the lease duration of the last renewal (before the crash), plus a little event-loop latency.
    assert handover <= LEASE_DURATION + RETRY_PERIOD
    spec = await holder(kube, k8s_namespace)
    assert (spec.holderIdentity, spec.leaseTransitions) == (follower.identity, 1)


async def test_a_leader_that_stops_hands_over_at_once(kube, k8s_namespace):
    a, b = (candidate(kube, k8s_namespace, name, Transitions()) for name in ("a", "b"))

    async with campaigning(a, b) as tasks:
        first = await leader(a, b)
        follower = b if first is a else a
        first.stop()
        await tasks[first.identity]
        stopped = time.monotonic()
        await asyncio.wait_for(follower.wait_until_leader(), LEASE_DURATION)
        handover = time.monotonic() - stopped

    assert not first.is_leader
    assert handover < LEASE_DURATION / 2


async def test_the_timings_must_leave_room_to_renew(kube):
    with pytest.raises(errors.DriverError) as raised:
        lease.LeaderElection(
            kube, "default", identity="a", lease_duration=5, renew_deadline=5, retry_period=1
        )

    assert str(raised.value) == (
        "Leader election needs retry_period < renew_deadline < lease_duration and renew_deadline + "
        "retry_period < lease_duration, not 1 s, 5 s and 5 s."
    )


async def test_a_server_alone_always_leads():
    alone = leadership.AlwaysLeader()
    running = asyncio.create_task(alone.run())

    await asyncio.wait_for(alone.wait_until_leader(), 1)
    assert alone.is_leader
    alone.stop()
    await asyncio.wait_for(running, 1)
