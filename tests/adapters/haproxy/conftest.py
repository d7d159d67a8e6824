"""The fixtures the HAProxy data-plane tests share: the asyncio backend, backends ``a`` and ``b`` (a module
that needs others keeps its own ``backends``), and a ``HaproxyDataPlane`` of its own for each test,
stopped with it. A module that needs another ``anyio_backend`` scope keeps its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.adapters.haproxy.running import haproxy, render_plan
from tests.e2e.backends import Backends
from vamp.adapters.haproxy.dataplane import HaproxyDataPlane


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def backends() -> Iterator[Backends]:
    with Backends("a", "b") as running:
        yield running


@pytest.fixture
async def data_plane(tmp_path: Path) -> AsyncIterator[HaproxyDataPlane]:
    async with HaproxyDataPlane(tmp_path / "agent", render_plan, haproxy=haproxy()) as running:
        yield running
