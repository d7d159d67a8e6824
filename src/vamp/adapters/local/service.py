"""One service on the local driver: the instances it should have, and the moves that get it there.

A service holds the spec it was last given and its numbered ``Instance``s. Instances are current when
they run what the spec says (the same ``instance_digest``: a change of scale alone replaces nothing).
``converge`` compares the two and acts, one move at a time (a lock keeps moves apart):

1. start current instances until there are ``scale.instances`` of them;
2. retire the surplus, unready ones first, then the highest numbers;
3. keep the instances of earlier specs until every current instance is ready, then retire them: a rolling
   replace that never leaves the service without a ready instance. Until then the service reports their
   digest, since it has not reached the new spec; if the new instances are not ready within the rollout
   timeout, the old ones keep serving and the service reports that as its failure.

Retiring is draining, then stopping: a retired instance reports unready for ``drain_seconds`` first, so
gateways move its traffic to the others before it stops. Undeploying stops at once.

A service converges when it is given a spec (``apply``) and, in a background task, whenever one of its
instances changes. Processes, readiness and restarts are the instances' business (``instance``).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterable, Mapping

from vamp import errors
from vamp.adapters import tasks
from vamp.adapters.local import instance as local_instance
from vamp.adapters.local import port_pool, records
from vamp.core import runtime

_RETRY_SECONDS = 1.0
"""How soon a service that could not converge tries again."""


class Service:
    """The instances of one deployment service; ``on_change`` hears every change a caller could see."""

    def __init__(
        self,
        spec: runtime.ServiceSpec,
        supervision: local_instance.Supervision,
        ports: port_pool.PortPool,
        *,
        rollout_timeout: float,
        drain_seconds: float,
        on_change: Callable[[], None],
    ) -> None:
        self.spec = spec
        self._supervision = supervision
        self._ports = ports
        self._rollout_timeout = rollout_timeout
        self._drain_seconds = drain_seconds
        self._on_change = on_change
        self._instances: dict[int, local_instance.Instance] = {}
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._converger = asyncio.create_task(self._converge_when_woken(), name=f"local service {spec.key}")
        self._rollout_since: float | None = None
        self._rollout_timer: asyncio.TimerHandle | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._problem: str | None = None

    @property
    def key(self) -> runtime.ServiceKey:
        return self.spec.key

    @property
    def instances(self) -> list[local_instance.Instance]:
        """The instances, by number."""
        return [self._instances[index] for index in sorted(self._instances)]

    def adopt(self, found: Iterable[records.ProcessRecord]) -> None:
        """Take over the processes an earlier run left running, then converge in the background."""
        for record in found:
            instance = self._instance(record.spec, record.index, record.ports)
            self._ports.hold(instance.ports.values())
            instance.adopt(record.identity)
        self._wake.set()

    async def apply(self, spec: runtime.ServiceSpec) -> None:
        """Run ``spec`` from now on, and make the first moves towards it.

        Raises:
            errors.DriverError: an instance could not be started or stopped; the service tries again.
        """
        if spec.instance_digest != self.spec.instance_digest:
            self._end_rollout()
        self.spec = spec
        try:
            await self.converge()
        except errors.DriverError as exc:
            self._trouble(exc)
            raise

    async def converge(self) -> None:
        async with self._lock:
            spec = self.spec
            wanted = spec.scale.instances
            current, stale = self._current_and_stale()
            while len(current) < wanted:
                current.append(await self._launch(spec))
            by_preference = sorted(current, key=lambda instance: (instance.ready, -instance.index))
            surplus = by_preference[: len(current) - wanted]
            staying = by_preference[len(surplus) :]
            replaced = bool(stale) and sum(instance.ready for instance in staying) >= wanted
            if stale and not replaced:
                self._begin_rollout()
            else:
                self._end_rollout()
            await self._retire(surplus + stale if replaced else surplus)
        self._problem = None

    def state(self) -> runtime.ServiceState:
        instances = self.instances
        _, stale = self._current_and_stale()
        failures = [instance.failure for instance in instances if instance.failure]
        failure = next(iter(failures), None) or self._rollout_failure(stale) or self._problem
        return runtime.ServiceState(
            key=self.key,
            digest=stale[0].spec.digest if stale else self.spec.digest,
            instances=tuple(instance.observed() for instance in instances),
            failure=failure,
        )

    async def close(self) -> None:
        """Stop every instance and the background task.

        Raises:
            errors.DriverError: an instance could not be stopped; the service keeps it.
        """
        await tasks.cancel(self._converger)
        if self._retry is not None:
            self._retry.cancel()
        self._end_rollout()
        async with self._lock:
            await self._stop(self.instances)

    async def _converge_when_woken(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.converge()
            except errors.DriverError as exc:
                self._trouble(exc)

    def _trouble(self, exc: errors.DriverError) -> None:
        self._problem = str(exc)
        if self._retry is not None:
            self._retry.cancel()
        self._retry = asyncio.get_running_loop().call_later(_RETRY_SECONDS, self._wake.set)
        self._on_change()

    def _instance_changed(self) -> None:
        self._wake.set()
        self._on_change()

    def _instance(
        self, spec: runtime.ServiceSpec, index: int, ports: dict[str, int]
    ) -> local_instance.Instance:
        instance = local_instance.Instance(
            spec, index, ports, self._supervision, self._instance_changed, self._renew_ports
        )
        self._instances[index] = instance
        return instance

    def _renew_ports(self, ports: Mapping[str, int]) -> dict[str, int]:
        return self._ports.renew(ports, purpose=f"service '{self.key}'")

    async def _launch(self, spec: runtime.ServiceSpec) -> local_instance.Instance:
        index = next(number for number in itertools.count(1) if number not in self._instances)
        numbers = self._ports.take(len(spec.ports), purpose=f"service '{spec.key}'")
        instance = self._instance(
            spec, index, {port.name: n for port, n in zip(spec.ports, numbers, strict=True)}
        )
        try:
            await instance.launch()
        except errors.DriverError:
            del self._instances[index]
            self._ports.release(numbers)
            raise
        return instance

    def _current_and_stale(self) -> tuple[list[local_instance.Instance], list[local_instance.Instance]]:
        wanted = self.spec.instance_digest
        current = [instance for instance in self.instances if instance.spec.instance_digest == wanted]
        return current, [instance for instance in self.instances if instance.spec.instance_digest != wanted]

    async def _retire(self, leaving: list[local_instance.Instance]) -> None:
        if not leaving:
            return
        for instance in leaving:
            instance.draining = True
        self._on_change()
        await asyncio.sleep(self._drain_seconds)
        await self._stop(leaving)

    async def _stop(self, leaving: list[local_instance.Instance]) -> None:
        outcomes = await asyncio.gather(
            *(self._stop_one(instance) for instance in leaving), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _stop_one(self, instance: local_instance.Instance) -> None:
        await instance.stop()
        del self._instances[instance.index]
        self._ports.release(instance.ports.values())

    def _begin_rollout(self) -> None:
        if self._rollout_since is None:
            self._rollout_since = self._supervision.clock()
            loop = asyncio.get_running_loop()
            self._rollout_timer = loop.call_later(self._rollout_timeout, self._on_change)

    def _end_rollout(self) -> None:
        self._rollout_since = None
        if self._rollout_timer is not None:
            self._rollout_timer.cancel()
            self._rollout_timer = None

    def _rollout_failure(self, stale: list[local_instance.Instance]) -> str | None:
        since = self._rollout_since
        if not stale or since is None or self._supervision.clock() - since < self._rollout_timeout:
            return None
        current, _ = self._current_and_stale()
        return (
            f"Service '{self.key}' is not ready on its new spec after {self._rollout_timeout:g} s: "
            f"{sum(instance.ready for instance in current)} of {self.spec.scale.instances} new instances are "
            "ready. The instances of the previous spec keep serving."
        )
