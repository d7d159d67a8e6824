"""One instance of a service on the local driver: a numbered slot that keeps one process running.

An instance owns its ports for its whole life and its log file
``<home>/logs/<namespace>/<deployment>/<cluster>/<service>-<n>.log``. It starts its command (or adopts the
process an earlier run started), watches readiness while the process runs (``readiness``), and when the
process exits unasked, restarts it after a delay that doubles from 0.1 s up to a limit, on the same ports
unless another program took one meanwhile.
A run that lasts ``STABLE_SECONDS`` counts as a success; ``CRASH_LOOP`` short runs in a row make the
instance report a failure with the exit code and the last lines of its log.

The command sees ``$PORT`` (its first port), ``$VAMP_PORT_<NAME>`` for every port, ``$VAMP_HOST`` and
``$VAMP_INSTANCE`` (the instance name), over the service's environment, over the driver's own. When the
driver runs in a virtual environment, that environment's ``bin`` comes first on ``$PATH``, so ``python``
in a command is the interpreter Vamp runs in.

What instances a service should have is the service's business (``service``), not this module's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from vamp import errors
from vamp.adapters import tasks
from vamp.adapters.local import processes, readiness, records
from vamp.core import model, runtime

CRASH_LOOP = 3
"""Short runs in a row after which an instance reports a failure."""
STABLE_SECONDS = 10.0
"""A run at least this long is not a crash, whatever its end."""
_FIRST_RESTART_DELAY = 0.1
_LOG_TAIL_LINES = 10
_LOG_TAIL_BYTES = 8000

Clock = Callable[[], float]
"""Seconds from an arbitrary start, never going back (``time.monotonic``)."""


@dataclass(frozen=True, slots=True)
class Supervision:
    """What every instance of one driver shares: where it runs and writes, and how it is watched."""

    host: str
    home: Path
    records: records.Records
    client: httpx.AsyncClient
    clock: Clock
    stop_timeout: float
    max_restart_delay: float


class Instance:
    """Instance ``index`` of ``spec.key`` on ``ports`` (by port name); ``on_change`` hears every change.

    ``renew_ports`` swaps, before a restart, any port another program took meanwhile for a free one.
    """

    def __init__(
        self,
        spec: runtime.ServiceSpec,
        index: int,
        ports: Mapping[str, int],
        supervision: Supervision,
        on_change: Callable[[], None],
        renew_ports: Callable[[Mapping[str, int]], dict[str, int]],
    ) -> None:
        self.spec = spec
        self.index = index
        self.ports = {port.name: ports[port.name] for port in spec.ports}
        self.ready = False
        self.draining = False
        """Set while the instance waits to be stopped: it reports unready, so gateways move traffic off it."""
        self._supervision = supervision
        self._on_change = on_change
        self._renew_ports = renew_ports
        self._process: processes.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._started_at = 0.0
        self._crashes = 0
        self._problem = ""
        self._log_offset = 0

    @property
    def name(self) -> str:
        """``<deployment>-<cluster>-<service>-<n>`` in lower-case letters, digits and dashes."""
        key = self.spec.key
        name = f"{key.deployment}-{key.cluster}-{key.service}-{self.index}".lower()
        return re.sub(r"[^a-z0-9]+", "-", name).strip("-")

    @property
    def log_path(self) -> Path:
        key = self.spec.key
        folder = self._supervision.home / "logs"
        for segment in (key.namespace, key.deployment, key.cluster):
            folder /= _path_segment(segment)
        return folder / f"{_path_segment(key.service)}-{self.index}.log"

    @property
    def failure(self) -> str | None:
        """Why this instance keeps exiting, once it has ``CRASH_LOOP`` times in a row; else ``None``."""
        if self._crashes < CRASH_LOOP:
            return None
        if self._process is not None and self._supervision.clock() - self._started_at >= STABLE_SECONDS:
            return None
        return self._problem

    def observed(self) -> model.ObservedInstance:
        key = self.spec.key
        return model.ObservedInstance(
            name=self.name,
            ip=self._supervision.host,
            ports=tuple(model.ObservedPort(number=number, name=name) for name, number in self.ports.items()),
            namespace=key.namespace,
            labels={**self.spec.labels, "io.vamp/driver": "local"},
            ready=self.ready and not self.draining,
            deployment=key.deployment,
            cluster=key.cluster,
            service=key.service,
        )

    async def launch(self) -> None:
        """Start the first process and keep it running.

        Raises:
            errors.DriverError: the process could not be started or recorded.
        """
        await self._spawn()
        self._supervise_in_background()

    def adopt(self, identity: processes.Identity) -> None:
        """Take over a process an earlier run started, and keep it running."""
        self._process = processes.Adopted(identity)
        self._started_at = self._supervision.clock()
        self._supervise_in_background()

    async def stop(self) -> None:
        """Stop the process and its whole group (SIGTERM, SIGKILL after the stop timeout) and forget it."""
        if self._task is not None:
            await tasks.cancel(self._task)
        process = self._process
        if process is not None:
            try:
                await processes.stop(process, self._supervision.stop_timeout)
            except (OSError, TimeoutError) as exc:
                raise errors.DriverError(
                    f"Cannot stop instance {self.index} (pid {process.identity.pid}) of service "
                    f"'{self.spec.key}': {exc or 'it did not exit after SIGKILL'}."
                ) from exc
            self._process = None
            self._supervision.records.remove_process(process.identity)
        self._set_ready(False)
        self._on_change()

    def _supervise_in_background(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name=f"local instance {self.name}")

    async def _supervise(self) -> None:
        while True:
            if self._process is not None:
                await self._run(self._process)
            delay = min(
                self._supervision.max_restart_delay, _FIRST_RESTART_DELAY * 2 ** max(self._crashes - 1, 0)
            )
            await asyncio.sleep(delay)
            try:
                self.ports = self._renew_ports(self.ports)
                await self._spawn()
            except errors.DriverError as exc:
                self._crashes += 1
                self._problem = str(exc)

    async def _spawn(self) -> None:
        log = self.log_path
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            self._log_offset = log.stat().st_size if log.exists() else 0
            child = await processes.spawn(
                self.spec.deployable.definition, environment=self._environment(), log=log
            )
        except OSError as exc:
            raise errors.DriverError(
                f"Cannot start instance {self.index} of service '{self.spec.key}': {exc}."
            ) from exc
        try:
            self._supervision.records.save_process(
                records.ProcessRecord(child.identity, self.index, self.ports, self.spec)
            )
        except errors.DriverError:
            with contextlib.suppress(OSError, TimeoutError):  # the error to report is the record's
                await processes.stop(child, self._supervision.stop_timeout)
            raise
        self._process = child
        self._started_at = self._supervision.clock()
        self._on_change()

    async def _run(self, process: processes.Process) -> None:
        watcher = asyncio.create_task(
            readiness.watch(
                self.spec.health_checks,
                self.ports,
                host=self._supervision.host,
                client=self._supervision.client,
                report=self._set_ready,
            )
        )
        try:
            returncode = await process.wait()
        finally:
            await tasks.cancel(watcher)
        lasted = self._supervision.clock() - self._started_at
        self._crashes = 0 if lasted >= STABLE_SECONDS else self._crashes + 1
        self._problem = self._exit_problem(returncode)
        self._process = None
        processes.kill_remnants(process.identity)
        with contextlib.suppress(errors.DriverError):  # a stale record is cleaned by the next run
            self._supervision.records.remove_process(process.identity)
        self._set_ready(False)
        self._on_change()

    def _set_ready(self, ready: bool) -> None:
        if ready != self.ready:
            self.ready = ready
            self._on_change()

    def _environment(self) -> dict[str, str]:
        environment = dict(os.environ)
        environment["PATH"] = processes.search_path()
        environment.update(self.spec.environment)
        environment["VAMP_HOST"] = self._supervision.host
        environment["VAMP_INSTANCE"] = self.name
        for position, (name, number) in enumerate(self.ports.items()):
            if position == 0:
                environment["PORT"] = str(number)
            environment[port_variable(name)] = str(number)
        return environment

    def _exit_problem(self, returncode: int | None) -> str:
        if returncode is None:
            how = "exited (its exit code is unknown: an earlier run of the driver started it)"
        elif returncode < 0:
            how = f"was killed by {signal.Signals(-returncode).name}"
        else:
            how = f"exited with code {returncode}"
        start = f"Service '{self.spec.key}' keeps exiting: instance {self.index} {how}."
        tail = self._log_tail()
        if not tail:
            return f"{start} It wrote nothing to {self.log_path}."
        return f"{start} The last lines of {self.log_path}:\n{tail}"

    def _log_tail(self) -> str:
        """The last lines the latest process wrote to the log."""
        try:
            with self.log_path.open("rb") as log:
                end = log.seek(0, os.SEEK_END)
                log.seek(max(self._log_offset, end - _LOG_TAIL_BYTES))
                text = log.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-_LOG_TAIL_LINES:])


def port_variable(name: str) -> str:
    """The variable that carries port ``name``: ``web-port`` → ``VAMP_PORT_WEB_PORT``."""
    return "VAMP_PORT_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def _path_segment(name: str) -> str:
    """``name`` as one folder or file name: never ``.`` or ``..``."""
    return name.replace(".", "_") if set(name) == {"."} else name
