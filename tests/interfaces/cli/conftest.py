"""The CLI against the real API in-process: the app of ``tests/interfaces/api/harness.py`` (memory store,
fake driver and metrics) served by uvicorn on a free port in a thread, and ``vamp`` run by Typer's
``CliRunner`` with ``VAMP_HOST`` pointing at it. What is asserted is what a user sees: the output and the
one error line, and the exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import uvicorn
from typer.testing import CliRunner, Result

from tests.e2e.backends import free_port
from tests.interfaces.api import harness
from vamp.adapters.store import memory
from vamp.interfaces.cli.main import app

T = TypeVar("T")


@dataclass
class Served:
    """The API on ``url``, the harness's store and fakes behind it, and the event loop it runs on."""

    url: str
    api: harness.Harness
    loop: asyncio.AbstractEventLoop

    def vamp(self, *arguments: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(
            app, list(arguments), input=stdin, env={"VAMP_HOST": self.url, "VAMP_TOKEN": harness.ADMIN}
        )

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the server's event loop (to read the store, publish events…)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)


@pytest.fixture
def served() -> Iterator[Served]:
    with serving(harness.build(memory.MemoryStore(clock=lambda: harness.NOW))) as found:
        yield found


@contextlib.contextmanager
def serving(api: harness.Harness) -> Iterator[Served]:
    """``api`` served on a free port of 127.0.0.1 until the block ends."""
    port = free_port()
    config = uvicorn.Config(api.app, host="127.0.0.1", port=port, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    try:
        while not server.started:
            assert thread.is_alive(), "the API did not start"
            assert time.monotonic() < deadline, "the API did not start in time"
            time.sleep(0.01)
        asyncio.run_coroutine_threadsafe(harness.prepare(api.app), loop).result(10)
        yield Served(f"http://127.0.0.1:{port}", api, loop)
    finally:
        server.should_exit = True
        thread.join(10)
        loop.close()
