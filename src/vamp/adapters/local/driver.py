"""The local runtime driver (``ports.runtime.RuntimeDriver``): deployment services as local processes.

``LocalDriver`` runs every breed whose deployable is ``{type: command}`` as ``scale.instances`` shell
processes on free ports of its host, and reports them as instances with the labels selectors match on.
It keeps a record of every service it was asked to run and every process it started under its home
(``records``). The first time a driver is used it reads the records an earlier run on the same home left
behind: it adopts the processes still running (same PID, same start time, same ports), stops those whose
service was undeployed, cleans the records of the dead, and starts what is missing. So a server that
crashed leaves no orphans and causes no port clashes when it starts again.

``close`` stops every process and removes every record: after a clean exit nothing runs and nothing is
adopted. Every failure reaches the caller as ``errors.DriverError``, naming the service. A spec the driver
can never run (an image, an empty command) is also reported by ``services`` as the service's failure,
with that spec's digest, so the reconciler fails the service at once instead of retrying until its
timeout; any instances of an earlier spec keep running.

A driver told not to run command deployables (``allow_commands=False``: ``vamp server`` without
``--allow-command-deployables``) starts nothing: every spec is refused with a message naming the breed
and the flag, and the processes an earlier run left behind are stopped instead of adopted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx

from vamp import errors
from vamp.adapters import wakeups
from vamp.adapters.local import instance as local_instance
from vamp.adapters.local import port_pool, processes, records
from vamp.adapters.local import service as local_service
from vamp.core import deployments, model, runtime


class LocalDriver:
    """Deployment services as processes under ``home``.

    Args:
        home: where logs (``logs/``) and records (``services/``, ``processes/``) are kept.
        host: the address instances listen on and are reported at.
        port_range: the first and last port (inclusive) handed to instances.
        clock: seconds that never go back, for restart delays and the rollout timeout.
        stop_timeout: seconds between SIGTERM and SIGKILL when a process is stopped.
        rollout_timeout: seconds a changed service waits for its new instances to be ready before it
            reports a failure (its old instances keep serving).
        drain_seconds: how long an instance about to be replaced or scaled away reports unready before
            it is stopped, so gateways move its traffic to the others first.
        max_restart_delay: the longest wait before restarting a process that exited.
        allow_commands: whether it may run ``{type: command}`` deployables at all (the only kind it runs).
    """

    name = "local"

    def __init__(
        self,
        home: Path,
        *,
        host: str = "127.0.0.1",
        port_range: tuple[int, int] = (20000, 29999),
        clock: local_instance.Clock = time.monotonic,
        stop_timeout: float = 5.0,
        rollout_timeout: float = 120.0,
        drain_seconds: float = 1.0,
        max_restart_delay: float = 10.0,
        allow_commands: bool = True,
    ) -> None:
        self._home = home
        self._host = host
        self._ports = port_pool.PortPool(host, *port_range)
        self._records = records.Records(home)
        self._clock = clock
        self._stop_timeout = stop_timeout
        self._rollout_timeout = rollout_timeout
        self._drain_seconds = drain_seconds
        self._max_restart_delay = max_restart_delay
        self._allow_commands = allow_commands
        self._services: dict[runtime.ServiceKey, local_service.Service] = {}
        self._refused: dict[runtime.ServiceKey, runtime.ServiceState] = {}
        """Services whose latest spec cannot run here, reported with that spec's digest and why."""
        self._supervision: local_instance.Supervision | None = None
        self._opening = asyncio.Lock()
        self._closed = False
        self._wakeups = wakeups.Wakeups()

    async def services(self, namespace: str) -> Sequence[runtime.ServiceState]:
        await self._open()
        states = {service.key: service.state() for service in self._sorted()}
        for key, refused in self._refused.items():
            running = states.get(key)
            states[key] = (
                refused
                if running is None
                else dataclasses.replace(running, digest=refused.digest, failure=refused.failure)
            )
        return [states[key] for key in sorted(states, key=str) if key.namespace == namespace]

    async def deploy(self, spec: runtime.ServiceSpec) -> None:
        """Run ``spec``: start it, change its scale, or replace its instances when its digest changed.

        Returns once the processes a change needs are started; the driver waits for their readiness and
        stops replaced instances in the background. The same digest again changes nothing.

        Raises:
            errors.DriverError: the deployable is not a command, or processes could not be started.
        """
        supervision = await self._open()
        try:
            _check(spec, allow_commands=self._allow_commands)
        except errors.DriverError as exc:
            self._refused[spec.key] = runtime.ServiceState(spec.key, spec.digest, failure=str(exc))
            self._wakeups.notify()
            raise
        self._refused.pop(spec.key, None)
        service = self._services.get(spec.key)
        if service is not None and service.spec.digest == spec.digest:
            return
        self._records.save_service(spec)
        if service is None:
            service = self._service(spec, supervision)
        await service.apply(spec)

    async def undeploy(self, key: runtime.ServiceKey) -> None:
        """Stop every process of the service by its PID and forget it; nothing to do when it is gone."""
        await self._open()
        self._records.remove_service(key)
        self._refused.pop(key, None)
        service = self._services.pop(key, None)
        if service is None:
            return
        try:
            await service.close()
        except BaseException:  # cancelled too: kept, so that ``close`` still stops what runs
            self._services[key] = service
            raise
        self._wakeups.notify()

    async def instances(self) -> Sequence[model.ObservedInstance]:
        await self._open()
        return [instance.observed() for service in self._sorted() for instance in service.instances]

    def changes(self) -> AsyncIterator[None]:
        """Yields after instances start, stop, or become ready or unready; ends when the driver closes."""
        return self._wakeups.follow()

    async def close(self) -> None:
        """Stop every process this driver runs and remove its records."""
        if self._closed:
            return
        self._closed = True
        self._wakeups.end()
        supervision = self._supervision
        services = list(self._services.values())
        self._services.clear()
        outcomes = await asyncio.gather(*(service.close() for service in services), return_exceptions=True)
        for service in services:
            self._records.remove_service(service.key)
        if supervision is not None:
            await supervision.client.aclose()
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def __aenter__(self) -> LocalDriver:
        await self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _open(self) -> local_instance.Supervision:
        """The shared supervision; the first call adopts what an earlier run on this home left running."""
        if self._closed:
            raise errors.DriverError(f"The local driver of {self._home} is closed: create a new one.")
        async with self._opening:
            if self._supervision is None:
                supervision = local_instance.Supervision(
                    host=self._host,
                    home=self._home,
                    records=self._records,
                    client=httpx.AsyncClient(trust_env=False, verify=False),
                    clock=self._clock,
                    stop_timeout=self._stop_timeout,
                    max_restart_delay=self._max_restart_delay,
                )
                try:
                    await self._adopt(supervision)
                except errors.DriverError:
                    await supervision.client.aclose()
                    raise
                self._supervision = supervision
            return self._supervision

    async def _adopt(self, supervision: local_instance.Supervision) -> None:
        found = self._records.load()
        wanted = {spec.key: spec for spec in found.services if self._allow_commands}
        for spec in found.services:
            if spec.key not in wanted:
                self._records.remove_service(spec.key)
        running: dict[runtime.ServiceKey, list[records.ProcessRecord]] = defaultdict(list)
        for record in found.processes:
            if record.spec.key in wanted and record.identity.alive():
                running[record.spec.key].append(record)
            else:
                await self._discard(record)
        for key, spec in wanted.items():
            self._service(spec, supervision).adopt(running[key])

    async def _discard(self, record: records.ProcessRecord) -> None:
        """Stop a process whose service is gone, or clean up after one that died; then drop its record."""
        try:
            await processes.stop(processes.Adopted(record.identity), self._stop_timeout)
        except (OSError, TimeoutError) as exc:
            raise errors.DriverError(
                f"Cannot stop process {record.identity.pid} of service '{record.spec.key}', left by an "
                f"earlier run of the local driver: {exc or 'it did not exit after SIGKILL'}."
            ) from exc
        self._records.remove_process(record.identity)

    def _service(
        self, spec: runtime.ServiceSpec, supervision: local_instance.Supervision
    ) -> local_service.Service:
        service = local_service.Service(
            spec,
            supervision,
            self._ports,
            rollout_timeout=self._rollout_timeout,
            drain_seconds=self._drain_seconds,
            on_change=self._wakeups.notify,
        )
        self._services[spec.key] = service
        return service

    def _sorted(self) -> list[local_service.Service]:
        return [self._services[key] for key in sorted(self._services, key=str)]


def _check(spec: runtime.ServiceSpec, *, allow_commands: bool) -> None:
    """Refuse what the local driver cannot (or may not) run, saying what would work."""
    deployable = spec.deployable
    breed = spec.key.service
    if deployable.is_command and not allow_commands:
        raise errors.DriverError(deployments.not_allowed([breed]))
    if not deployable.is_command:
        raise errors.DriverError(
            f"Breed '{breed}' has a {deployable.type} deployable ({deployable.definition}): the local driver "
            "runs only {type: command} deployables. Use the kubernetes driver for images, or give a command."
        )
    if not deployable.definition.strip():
        raise errors.DriverError(
            f"Breed '{breed}' has an empty command: give the command to run as the deployable's definition."
        )
    names = [port.name for port in spec.ports]
    for check in spec.health_checks:
        if check.port not in names:
            raise errors.DriverError(
                f"Service '{spec.key}' has a health check of port '{check.port}', which its breed does not "
                f"declare. Declared ports: {', '.join(names) or 'none'}."
            )
