"""Waiting for a condition in tests: poll it until it holds or a deadline passes, never sleep blindly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(
    condition: Callable[[], Awaitable[bool]], *, timeout: float = 5.0, what: str = ""
) -> None:
    """Return once ``condition()`` is true; fail the test if it is still false after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() >= deadline:
            raise AssertionError(f"still not true after {timeout:g} s: {what or condition}")
        await asyncio.sleep(0.01)
