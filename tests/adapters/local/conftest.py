"""Fixtures for the local driver's tests: real processes on 127.0.0.1, each stopped by its own PID.

``driver`` is a ``LocalDriver`` on a temporary home, closed when the test ends; whatever its records still
name after that is killed by PID (and process group), so a failing test leaves nothing running. ``spec``
builds the service specs the reconciler would give, with the labels it fills in. ``until`` polls a
condition with a deadline: tests never sleep to synchronise.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from vamp.adapters.local import driver as local_driver
from vamp.adapters.local import processes, records
from vamp.core import model, runtime

T = TypeVar("T")

DEMO = "python -m vamp.demo --version $VERSION"
"""The demo service as a breed would run it; ``python`` is the interpreter of the driver's virtualenv."""
KEY = runtime.ServiceKey("default", "sava", "sava", "sava:1.0.0")


def spec(
    command: str = DEMO,
    *,
    instances: int = 1,
    key: runtime.ServiceKey = KEY,
    ports: tuple[str, ...] = ("webport",),
    environment: dict[str, str] | None = None,
    health_checks: tuple[model.HealthCheck, ...] = (),
    deployable_type: str = "command",
) -> runtime.ServiceSpec:
    """A spec as the reconciler builds it: labels ``app``, ``version``, ``io.vamp/*`` filled in."""
    _, _, version = key.service.partition(":")
    return runtime.ServiceSpec(
        key=key,
        deployable=model.Deployable(type=deployable_type, definition=command),
        ports=tuple(model.Port(name=name, number=8080) for name in ports),
        environment={"VERSION": version} if environment is None else environment,
        scale=model.Scale(cpu=0.2, memory="64MB", instances=instances),
        health_checks=health_checks,
        labels={
            "app": key.cluster,
            "version": version,
            "io.vamp/deployment": key.deployment,
            "io.vamp/cluster": key.cluster,
            "io.vamp/service": key.service,
        },
    )


def make_driver(home: Path) -> local_driver.LocalDriver:
    return local_driver.LocalDriver(home, drain_seconds=0.3, stop_timeout=2.0, max_restart_delay=0.4)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
async def driver(home: Path) -> AsyncIterator[local_driver.LocalDriver]:
    local = make_driver(home)
    try:
        yield local
    finally:
        with contextlib.suppress(Exception):
            await local.close()
        kill_recorded(home)


def recorded(home: Path) -> list[records.ProcessRecord]:
    """The processes the records under ``home`` name."""
    return list(records.Records(home).load().processes)


def kill_recorded(home: Path) -> None:
    """SIGKILL, by PID, the process group of every recorded process that still runs."""
    for record in recorded(home):
        if record.identity.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(record.identity.pid, signal.SIGKILL)


def group_gone(pid: int) -> bool:
    """Whether no process of the group ``pid`` leads still runs (the shell and the server it started)."""
    return not processes.group_alive(pid)


async def until(probe: Callable[[], Awaitable[T | None]], *, what: str, timeout: float = 15.0) -> T:
    """The first truthy value of ``probe()``, polled every 10 ms; fails the test after ``timeout`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := await probe()):
        if loop.time() >= deadline:
            raise AssertionError(f"still not true after {timeout:g} s: {what}; last: {value!r}")
        await asyncio.sleep(0.01)
    return value


async def state_of(
    driver: local_driver.LocalDriver, key: runtime.ServiceKey = KEY
) -> runtime.ServiceState | None:
    return next((state for state in await driver.services(key.namespace) if state.key == key), None)


def settled(
    driver: local_driver.LocalDriver, expected: runtime.ServiceSpec
) -> Callable[[], Awaitable[runtime.ServiceState | None]]:
    """A probe: the state of ``expected.key`` once it runs ``expected`` with every instance ready."""

    async def probe() -> runtime.ServiceState | None:
        state = await state_of(driver, expected.key)
        wanted = expected.scale.instances
        if state and state.digest == expected.digest and state.ready == len(state.instances) == wanted:
            return state
        return None

    return probe


def pids(home: Path) -> dict[int, int]:
    """The recorded PID of every instance, by instance number."""
    return {record.index: record.identity.pid for record in recorded(home)}
