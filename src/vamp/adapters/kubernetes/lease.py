"""Leader election through a ``coordination.k8s.io/v1`` Lease (``ports.leadership.Leadership``).

The algorithm of client-go's leaderelection, in small steps. Every ``retry_period`` each candidate reads
the Lease and then:

* creates it, holding it, when there is none;
* renews it when it holds it (a new ``renewTime``);
* takes it over when its holder has let it go (no ``holderIdentity``) or has not renewed it for
  ``leaseDurationSeconds`` — measured on this process's own monotonic clock, so clocks of different
  machines never need to agree.

The expiry clock of a record starts at the previous read (the last one that still showed the old
record): the renewal happened after it, so a crashed leader is replaced within the lease duration of its
last renewal rather than up to a retry period later, as client-go's "first seen" clock allows. Starting
early is safe because a live leader that cannot renew steps down after ``renew_deadline``, and
``renew_deadline + retry_period < lease_duration``: it has stepped down before a follower may take over.
A follower also wakes exactly when the Lease it watches expires, not only every ``retry_period``.

Every write is a replace at the ``resourceVersion`` just read, so of two candidates racing only one wins
(the other gets a conflict and stays a follower). A leader that cannot renew for ``renew_deadline``
(the API server does not answer) steps down before its Lease can expire under it; one that finds another
holder steps down at once. ``stop`` releases the Lease so a successor takes over immediately; a crashed
leader (``run`` cancelled) simply stops renewing, and another candidate takes over within the lease
duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import math
import time
from collections.abc import Awaitable, Callable

from lightkube.models.coordination_v1 import LeaseSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.coordination_v1 import Lease

from vamp import errors
from vamp.adapters.kubernetes import client as kube

_log = logging.getLogger(__name__)


class LeaderElection:
    """One candidate for leading, known to the others as ``identity`` (its Pod name, say).

    Args:
        namespace: where the Lease lives (the server's own Namespace).
        name: the Lease's name; all candidates of one election use the same.
        lease_duration: seconds a leader's Lease stays valid without renewal (whole seconds in the Lease).
        renew_deadline: seconds a leader keeps leading while it cannot renew; less than ``lease_duration``.
        retry_period: seconds between two attempts to acquire or renew.
        on_change: called with ``True`` when this candidate starts leading and ``False`` when it stops.
    """

    def __init__(
        self,
        client: kube.KubernetesClient,
        namespace: str,
        *,
        identity: str,
        name: str = "vamp-server",
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        if not (
            retry_period < renew_deadline < lease_duration and renew_deadline + retry_period < lease_duration
        ):
            raise errors.DriverError(
                "Leader election needs retry_period < renew_deadline < lease_duration and renew_deadline + "
                f"retry_period < lease_duration, not {retry_period} s, {renew_deadline} s "
                f"and {lease_duration} s."
            )
        self.identity = identity
        self._client = client
        self._namespace = namespace
        self._name = name
        self._seconds = math.ceil(lease_duration)
        self._renew_deadline = renew_deadline
        self._retry_period = retry_period
        self._on_change = on_change
        self._leading = asyncio.Event()
        self._stopping = asyncio.Event()
        self._renewed_at = 0.0
        self._observed: tuple[str | None, datetime.datetime | None] = (None, None)
        self._observed_at = 0.0
        self._expires_at: float | None = None
        self._read_at: float | None = None

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    async def wait_until_leader(self) -> None:
        await self._leading.wait()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Acquire and renew the Lease every ``retry_period`` until ``stop``; then release it if held."""
        while not self._stopping.is_set():
            await self._round()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._next_round()):
                    await self._stopping.wait()
        if self.is_leader:
            await self._release()
            self._lead(False)

    async def _round(self) -> None:
        try:
            held = await self._acquire_or_renew()
        except errors.DriverError as exc:
            _log.warning("Leader election of %s: %s", self.identity, exc)
            if self.is_leader and time.monotonic() - self._renewed_at > self._renew_deadline:
                _log.warning(
                    "%s could not renew Lease %s for %.1f s: stepping down.",
                    self.identity,
                    self._name,
                    self._renew_deadline,
                )
                self._lead(False)
            return
        if held:
            self._renewed_at = time.monotonic()
        self._lead(held)

    def _next_round(self) -> float:
        """Seconds until the next round: a retry period, or less when the watched Lease expires sooner."""
        if self.is_leader or self._expires_at is None:
            return self._retry_period
        return max(0.0, min(self._retry_period, self._expires_at - time.monotonic()))

    async def _acquire_or_renew(self) -> bool:
        """Hold the Lease after this call? Creates, renews or takes it over as the rules allow."""
        read_at = time.monotonic()
        lease = await self._client.get(Lease, self._name, namespace=self._namespace)
        previous_read, self._read_at = self._read_at, read_at
        now = datetime.datetime.now(datetime.UTC)
        if lease is None:
            created = Lease(
                metadata=ObjectMeta(name=self._name, namespace=self._namespace),
                spec=self._spec(now, acquired=now, transitions=0),
            )
            return await self._write(self._client.create, created)
        spec = lease.spec or LeaseSpec()
        holder = spec.holderIdentity
        self._observe((holder, spec.renewTime), since=previous_read if previous_read is not None else read_at)
        self._expires_at = self._observed_at + (spec.leaseDurationSeconds or self._seconds)
        if holder == self.identity:
            lease.spec = self._spec(
                now, acquired=spec.acquireTime or now, transitions=spec.leaseTransitions or 0
            )
            return await self._write(self._client.replace, lease)
        expired = time.monotonic() >= self._expires_at
        if holder and not expired:
            return False
        lease.spec = self._spec(now, acquired=now, transitions=(spec.leaseTransitions or 0) + 1)
        return await self._write(self._client.replace, lease)

    async def _release(self) -> None:
        """Let the Lease go, so the next candidate need not wait for it to expire."""
        try:
            lease = await self._client.get(Lease, self._name, namespace=self._namespace)
            if lease is None or lease.spec is None or lease.spec.holderIdentity != self.identity:
                return
            lease.spec.holderIdentity = None
            lease.spec.renewTime = _micro(datetime.datetime.now(datetime.UTC))
            await self._client.replace(lease)
        except errors.DriverError as exc:  # the Lease expires by itself
            _log.warning("%s could not release Lease %s: %s", self.identity, self._name, exc)

    async def _write(self, write: Callable[[Lease], Awaitable[Lease]], lease: Lease) -> bool:
        try:
            await write(lease)
        except kube.Conflict:
            return False  # another candidate wrote first
        return True

    def _spec(self, now: datetime.datetime, *, acquired: datetime.datetime, transitions: int) -> LeaseSpec:
        return LeaseSpec(
            holderIdentity=self.identity,
            leaseDurationSeconds=self._seconds,
            acquireTime=_micro(acquired),
            renewTime=_micro(now),
            leaseTransitions=transitions,
        )

    def _observe(self, record: tuple[str | None, datetime.datetime | None], *, since: float) -> None:
        """Start the expiry clock afresh, at ``since``, whenever the holder or its renewal time changed."""
        if record != self._observed:
            self._observed = record
            self._observed_at = since

    def _lead(self, leading: bool) -> None:
        if leading == self.is_leader:
            return
        if leading:
            self._leading.set()
        else:
            self._leading.clear()
        _log.info(
            "%s %s Lease %s/%s.", self.identity, "holds" if leading else "lost", self._namespace, self._name
        )
        if self._on_change is not None:
            self._on_change(leading)


def _micro(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` with a fraction of a second, so it is written in the API's MicroTime format."""
    return moment if moment.microsecond else moment.replace(microsecond=1)
