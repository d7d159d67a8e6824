"""In-memory fakes for the reconciler's and the gateway synchroniser's tests, with faults on demand.

``FakeDriver`` runs each deployed service as ``scale.instances`` instances on 127.0.0.1, each port of
the breed on a port of its own (31000, 31001, …). Faults, by breed name:

* ``refuse[breed] = message``: ``deploy`` raises ``DriverError(message)``;
* ``unready``: instances of these breeds start and stay not ready (``set_ready`` changes that);
* ``failing[breed] = reason``: the service runs but reports ``reason`` as its failure;
* ``stuck``: ``undeploy`` leaves these running.

``others`` are instances the driver sees that are no Vamp service's (for selectors). Every change
wakes every ``changes()`` stream. ``FakeClock`` is a settable clock for statuses and timeouts;
``RacingStore`` lets a user's write (or a crash) happen in the middle of a pass; ``running`` runs a loop
in the background for a block that must end within ``DEADLINE`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vamp import errors
from vamp.adapters.store import memory
from vamp.core import model, runtime
from vamp.ports import store

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DEADLINE = 2.0


class FakeClock:
    """A clock that stands still until told: ``clock()`` is the time, ``advance(seconds)`` moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class Running:
    spec: runtime.ServiceSpec
    instances: tuple[model.ObservedInstance, ...]


class FakeDriver:
    name = "fake"

    def __init__(self) -> None:
        self.running: dict[runtime.ServiceKey, Running] = {}
        self.calls: list[str] = []
        """``deploy <key>`` and ``undeploy <key>``, in order."""
        self.refuse: dict[str, str] = {}
        self.unready: set[str] = set()
        self.failing: dict[str, str] = {}
        self.stuck: set[str] = set()
        self.others: list[model.ObservedInstance] = []
        self._ports = itertools.count(31000)
        self._listeners: list[asyncio.Queue[None]] = []
        self.watched = asyncio.Event()
        """Set once a ``changes()`` stream listens."""
        self._called = asyncio.Condition()

    async def services(self, namespace: str) -> Sequence[runtime.ServiceState]:
        return [
            runtime.ServiceState(key, running.spec.digest, running.instances, self.failing.get(key.service))
            for key, running in self.running.items()
            if key.namespace == namespace
        ]

    async def deploy(self, spec: runtime.ServiceSpec) -> None:
        await self._call(f"deploy {spec.key}")
        refused = self.refuse.get(spec.key.service)
        if refused is not None:
            raise errors.DriverError(refused)
        ready = spec.key.service not in self.unready
        instances = tuple(self._instance(spec, number, ready) for number in range(spec.scale.instances))
        self.running[spec.key] = Running(spec, instances)
        self.changed()

    async def undeploy(self, key: runtime.ServiceKey) -> None:
        await self._call(f"undeploy {key}")
        if key.service not in self.stuck:
            self.running.pop(key, None)
        self.changed()

    async def instances(self) -> Sequence[model.ObservedInstance]:
        return [*(i for running in self.running.values() for i in running.instances), *self.others]

    async def changes(self) -> AsyncIterator[None]:
        queue: asyncio.Queue[None] = asyncio.Queue()
        self._listeners.append(queue)
        self.watched.set()
        try:
            while True:
                await queue.get()
                yield
        finally:
            self._listeners.remove(queue)

    async def close(self) -> None:
        self.running.clear()

    async def called(self, call: str, times: int = 1) -> None:
        """Wait until ``call`` (``deploy <key>``, ``undeploy <key>``) was made ``times`` times."""
        async with self._called:
            await self._called.wait_for(lambda: self.calls.count(call) >= times)

    def set_ready(self, breed: str, ready: bool = True) -> None:
        """Make every instance of every service of ``breed`` (not) ready."""
        for key, running in self.running.items():
            if key.service == breed:
                instances = tuple(i.model_copy(update={"ready": ready}) for i in running.instances)
                self.running[key] = Running(running.spec, instances)
        self.changed()

    def changed(self) -> None:
        for listener in self._listeners:
            listener.put_nowait(None)

    async def _call(self, call: str) -> None:
        async with self._called:
            self.calls.append(call)
            self._called.notify_all()

    def _instance(self, spec: runtime.ServiceSpec, number: int, ready: bool) -> model.ObservedInstance:
        key = spec.key
        return model.ObservedInstance(
            name=f"{key.deployment}-{key.cluster}-{key.service}-{number}",
            ip="127.0.0.1",
            ports=tuple(model.ObservedPort(number=next(self._ports), name=port.name) for port in spec.ports),
            namespace=key.namespace,
            labels=spec.labels,
            ready=ready,
            deployment=key.deployment,
            cluster=key.cluster,
            service=key.service,
        )


def instance(
    name: str, *, app: str, version: str, port: int, namespace: str = "default"
) -> model.ObservedInstance:
    """An instance that is no Vamp service's, labelled ``app`` and ``version``, ready, with port ``web``."""
    return model.ObservedInstance(
        name=name,
        ip="10.2.0.1",
        ports=(model.ObservedPort(number=port, name="web"),),
        namespace=namespace,
        labels={"app": app, "version": version},
    )


class RacingStore(memory.MemoryStore):
    """A store in which a race (a user's write, or a crash) happens just before the next writes."""

    _race: Callable[[], Awaitable[None]] | None = None
    races = 0
    """How many more writes the race happens before."""

    def race_before(self, race: Callable[[], Awaitable[None]], *, writes: int = 1) -> None:
        """Run ``race`` just before each of the next ``writes`` writes; its own writes do not count."""
        self._race, self.races = race, writes

    async def put(
        self,
        namespace: str,
        kind: str,
        name: str,
        data: Mapping[str, Any],
        *,
        revision: int | None,
        source: str | None = None,
    ) -> store.StoredArtifact:
        await self._run_race()
        return await super().put(namespace, kind, name, data, revision=revision, source=source)

    async def put_many(self, namespace: str, puts: Sequence[store.Put]) -> Sequence[store.StoredArtifact]:
        await self._run_race()
        return await super().put_many(namespace, puts)

    async def _run_race(self) -> None:
        race, self._race = self._race, None
        if race is not None:
            self.races -= 1
            await race()
            if self.races:
                self._race = race


@contextlib.asynccontextmanager
async def running(loop: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """``loop`` running in the background while the block runs; the block must end within ``DEADLINE``."""
    task = asyncio.create_task(loop)
    try:
        async with asyncio.timeout(DEADLINE):
            yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
