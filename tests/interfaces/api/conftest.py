"""Fixtures of the API tests: ``api`` is the app over a fresh in-memory store (see harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.interfaces.api import harness


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api() -> AsyncIterator[harness.Harness]:
    async with harness.in_memory() as found:
        yield found
