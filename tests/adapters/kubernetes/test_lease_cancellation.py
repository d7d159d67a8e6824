"""A leader election task cancelled just as it is told to stop ends cancelled, as a crash does: it
neither swallows the cancellation nor releases the Lease on its way out. (The election against a real
API server is tests/k8s/test_lease.py; this race needs the API to answer at once, so a fake plays it.)"""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from lightkube.resources.coordination_v1 import Lease

from vamp.adapters.kubernetes import client as kube
from vamp.adapters.kubernetes import lease

pytestmark = pytest.mark.anyio


class OneLease:
    """The part of the Kubernetes API an election uses, holding one Lease and answering at once."""

    def __init__(self) -> None:
        self.lease: Lease | None = None

    async def get(self, kind: type[Lease], name: str, *, namespace: str | None = None) -> Lease | None:
        return self.lease

    async def create(self, obj: Lease) -> Lease:
        self.lease = obj
        return obj

    async def replace(self, obj: Lease) -> Lease:
        self.lease = obj
        return obj


async def test_a_leader_cancelled_as_it_is_told_to_stop_ends_cancelled_and_keeps_the_lease() -> None:
    api = OneLease()
    election = lease.LeaderElection(
        cast(kube.KubernetesClient, api),
        "vamp",
        identity="a",
        lease_duration=3.0,
        renew_deadline=2.0,
        retry_period=0.5,
    )
    running = asyncio.create_task(election.run())
    await election.wait_until_leader()
    await asyncio.sleep(0)  # the election waits for its next round

    election.stop()
    running.cancel()

    with pytest.raises(asyncio.CancelledError):
        await running
    assert api.lease is not None
    assert api.lease.spec is not None
    assert api.lease.spec.holderIdentity == "a"
