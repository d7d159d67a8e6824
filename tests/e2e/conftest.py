"""Fixtures for tests against real parts: HTTP backends, and Envoys run by the supervisor.

``envoy`` starts one Envoy (through ``supervisor.Supervisor``) whose xDS files live in the test's temporary
directory; ``ads_envoy`` one that an ``xds.XdsServer`` feeds over a Unix domain socket there. Each is stopped
by its PID when the test ends. ``gateways`` is one Envoy and the backends of ``gateway_harness`` for a whole
Envoy-only module (``test_gateway_plans``); the gateway features on every data plane are the suite in
``dataplane/``, whose ``conftest`` runs each module on Envoy and on HAProxy. Async tests run on asyncio
through anyio's plugin.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e import gateway_harness
from tests.e2e.backends import Backends
from vamp.adapters.envoy import admin, bootstrap, layout, supervisor, xds
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

    async def stop(self) -> None:
        await self.admin.aclose()
        await self.supervisor.stop()


@dataclass
class AdsEnvoy(Envoy):
    """An Envoy fed by an ADS server. ``files`` only gives the renderer paths: nothing is written there."""

    server: xds.XdsServer

    async def publish(self, snapshot: envoy_files.Snapshot, timeout: float = 5.0) -> envoy_files.Versions:
        return await self.server.publish(snapshot, timeout=timeout)

    async def stop(self) -> None:
        await super().stop()
        await self.server.stop()


def admin_client(process: supervisor.Supervisor) -> httpx.AsyncClient:
    """A plain HTTP client of the Envoy's admin endpoint, over its Unix domain socket."""
    transport = httpx.AsyncHTTPTransport(uds=str(process.admin_socket))
    return httpx.AsyncClient(transport=transport, base_url="http://envoy-admin", trust_env=False)


async def start_envoy(workdir: Path, concurrency: int = 2) -> Envoy:
    xds_files = layout.Layout(workdir / "xds")
    envoy_files.initialise(xds_files)
    config = bootstrap.bootstrap(xds_files, node_id=workdir.name, admin_socket=workdir / "admin.sock")
    process = supervisor.Supervisor(config, workdir / "envoy", base_id=base_id(), concurrency=concurrency)
    await process.start()
    return Envoy(xds_files, process, admin.Admin(process.admin_socket))


async def start_ads_envoy(workdir: Path, *, node: str = "", server: xds.XdsServer | None = None) -> AdsEnvoy:
    """An Envoy on the ADS server ``server`` (a new one at ``workdir/ads.sock`` if not given), started
    after an empty first publish, as an agent would start it."""
    if server is None:
        server = xds.XdsServer(workdir / "ads.sock")
        await server.start()
        await server.publish(envoy_files.Snapshot("empty"))
    config = bootstrap.bootstrap_ads(
        node_id=node or workdir.name, admin_socket=workdir / "admin.sock", socket_path=server.socket_path
    )
    process = supervisor.Supervisor(config, workdir / "envoy", base_id=base_id())
    await process.start()
    return AdsEnvoy(layout.Layout(workdir / "xds"), process, admin.Admin(process.admin_socket), server)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def envoy(tmp_path: Path) -> AsyncIterator[Envoy]:
    running = await start_envoy(tmp_path)
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def ads_envoy(tmp_path: Path) -> AsyncIterator[AdsEnvoy]:
    running = await start_ads_envoy(tmp_path)
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
def backends() -> Iterator[Backends]:
    """Three backends named ``a``, ``b`` and ``c``."""
    with Backends("a", "b", "c") as started:
        yield started


@pytest.fixture(scope="module")
async def gateways(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[gateway_harness.Gateways]:
    """An Envoy and backends ``a`` … ``e`` for a whole module, in a directory named after it (``weights``
    for ``test_gateway_plans``)."""
    name = request.module.__name__.rpartition(".")[2].removeprefix("test_gateway_")
    with Backends(*gateway_harness.BACKENDS) as backends:
        running = await start_envoy(tmp_path_factory.mktemp(name))
        try:
            yield gateway_harness.Gateways(running, backends)
        finally:
            await running.stop()
