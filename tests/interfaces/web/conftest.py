"""Fixtures for the web UI's file tests: ``anonymous``, a client of the whole app that sends no token, as
a browser opening the page does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.interfaces.api import harness
from vamp.adapters.store import memory


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def anonymous() -> AsyncIterator[httpx.AsyncClient]:
    built = harness.build(memory.MemoryStore(clock=lambda: harness.NOW))
    await built.client.aclose()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=built.app), base_url="http://vamp"
    ) as client:
        yield client
