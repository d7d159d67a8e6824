"""The gateway agent as a user runs it: ``python -m vamp agent`` in a subprocess, with a real Envoy or
HAProxy (``proxy``).

``running_agent`` starts the process, waits until its endpoint answers, and at the end stops it by its
PID (SIGTERM), failing the test if it or its proxy outlives that. ``shop_plan`` compiles the plans the
tests serve with the real compiler: one gateway ``shop`` splitting traffic over backends on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.backends import free_port
from tests.e2e.polling import eventually
from tests.e2e.vamp_process import alive
from vamp.core import model
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan

COMMAND = (sys.executable, "-m", "vamp", "agent")


def shop_plan(port: int, weights: Mapping[int, str]) -> routing_plan.RoutingPlan:
    """Gateway ``shop`` on ``port`` sending each backend port its weight (``"90%"``)."""
    gateway = model.Gateway.model_validate(
        {
            "name": "shop",
            "port": {"number": port, "protocol": "http"},
            "routes": {f"[127.0.0.1:{backend}]": {"weight": weight} for backend, weight in weights.items()},
        }
    )
    return compile_plan([gateway], [], shared_port=None)


def write_plan(path: Path, content: str) -> None:
    """Put a plan file in place as a careful tool does: write a hidden file, then rename it."""
    hidden = path.with_name(f".{path.name}.writing")
    hidden.write_text(content)
    hidden.replace(path)


@dataclass
class RunningAgent:
    process: asyncio.subprocess.Process
    workdir: Path
    listen: int
    output: Path
    client: httpx.AsyncClient

    @property
    def pid(self) -> int:
        return self.process.pid

    async def status(self) -> dict[str, Any]:
        return dict((await self.client.get("/status")).json())

    async def metrics(self) -> dict[str, Any]:
        return dict((await self.client.get("/metrics.json")).json())

    async def prometheus(self) -> str:
        return (await self.client.get("/metrics")).text

    async def serving(self, version: str, timeout: float = 5.0) -> None:
        """Wait until the agent reports ``version`` active."""

        async def active() -> bool:
            return bool((await self.status())["version"] == version)

        await eventually(active, timeout=timeout, what=f"the agent serves {version}")

    async def stop(self, signum: signal.Signals = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Signal the agent by its PID and return its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signum)
        return await asyncio.wait_for(self.process.wait(), timeout)

    def output_text(self) -> str:
        return self.output.read_text(errors="replace")


async def start_agent(
    workdir: Path, *source: str, listen: int | None = None, proxy: str = "envoy"
) -> RunningAgent:
    """Start ``vamp agent SOURCE... --proxy PROXY`` and return once its endpoint answers."""
    listen = listen or free_port()
    output = workdir.with_name(f"{workdir.name}-output.log")
    with output.open("ab") as stream:
        process = await asyncio.create_subprocess_exec(
            *COMMAND,
            *source,
            "--workdir",
            str(workdir),
            "--listen",
            str(listen),
            "--concurrency",
            "2",
            "--proxy",
            proxy,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=stream,
            stderr=stream,
        )
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{listen}", timeout=5.0)
    agent = RunningAgent(process, workdir, listen, output, client)

    async def answering() -> bool:
        if process.returncode is not None:
            raise AssertionError(f"the agent exited with {process.returncode}:\n{agent.output_text()}")
        try:
            await client.get("/health")
        except httpx.TransportError:
            return False
        return True

    try:
        await eventually(answering, timeout=15.0, what="the agent's endpoint answers")
    except BaseException:
        await _kill(agent)
        raise
    return agent


@contextlib.asynccontextmanager
async def running_agent(
    workdir: Path, *source: str, listen: int | None = None, proxy: str = "envoy"
) -> AsyncIterator[RunningAgent]:
    """An agent for the length of the block; it and its proxy must stop cleanly on SIGTERM at the end."""
    agent = await start_agent(workdir, *source, listen=listen, proxy=proxy)
    try:
        yield agent
    finally:
        pid = (await agent.status())["data_plane"]["pid"] if agent.process.returncode is None else None
        returncode = await agent.stop()
        await agent.client.aclose()
        if pid is not None and alive(pid):
            os.kill(pid, signal.SIGKILL)
            raise AssertionError(f"The agent's {proxy} (pid {pid}) outlived it:\n{agent.output_text()}")
    assert returncode == 0, agent.output_text()


async def _kill(agent: RunningAgent) -> None:
    if agent.process.returncode is None:
        agent.process.kill()
        await agent.process.wait()
    await agent.client.aclose()
