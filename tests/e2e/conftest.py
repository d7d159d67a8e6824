"""Fixtures for tests against real parts: HTTP backends and an Envoy run by the supervisor.

``envoy`` starts one Envoy (through ``supervisor.Supervisor``) whose xDS files live in the test's temporary
directory, and stops it by its PID when the test ends. Async tests run on asyncio through anyio's plugin.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.backends import Backends
from vamp.adapters.envoy import admin, bootstrap, layout, supervisor
from vamp.adapters.envoy import files as envoy_files

_instances = itertools.count()


def base_id() -> int:
    """An Envoy ``--base-id`` no other Envoy started by this or another test process uses."""
    return (os.getpid() % 100_000) * 100 + next(_instances) % 100


@dataclass
class Envoy:
    """A running Envoy under test: its files, its supervisor and a client for its admin endpoint."""

    files: layout.Layout
    supervisor: supervisor.Supervisor
    admin: admin.Admin

    async def publish(self, snapshot: envoy_files.Snapshot, timeout: float = 5.0) -> envoy_files.Versions:
        return await envoy_files.publish(
            self.files, snapshot, self.admin, timeout=timeout, log=self.supervisor.log_path
        )


async def start_envoy(workdir: Path, concurrency: int = 2) -> Envoy:
    xds = layout.Layout(workdir / "xds")
    envoy_files.initialise(xds)
    config = bootstrap.bootstrap(xds, node_id=workdir.name, admin_port=0)
    process = supervisor.Supervisor(config, workdir / "envoy", base_id=base_id(), concurrency=concurrency)
    await process.start()
    return Envoy(xds, process, admin.Admin(process.admin_url))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def envoy(tmp_path: Path) -> AsyncIterator[Envoy]:
    running = await start_envoy(tmp_path)
    try:
        yield running
    finally:
        await running.admin.aclose()
        await running.supervisor.stop()


@pytest.fixture
def backends() -> Iterator[Backends]:
    """Three backends named ``a``, ``b`` and ``c``."""
    with Backends("a", "b", "c") as started:
        yield started
