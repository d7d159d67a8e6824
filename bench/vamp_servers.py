"""``vamp server`` as a subprocess for the benches that need a whole server: started on 127.0.0.1 in a home
of its own, with the bench's admin token, and stopped by its PID.

``bench.scale`` (the local driver, one store per run) and ``bench.k8s_discovery`` (the Kubernetes driver)
each give the options of their own run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
from tests.e2e.backends import free_port

ADMIN_TOKEN = "vamp_bench-admin-token-made-up-for-this-run-only"
"""The admin token the benches give their servers (``$VAMP_ADMIN_TOKEN``) and send."""
UP_SECONDS = 60.0


@contextlib.asynccontextmanager
async def vamp_server(
    folder: Path, options: Sequence[str], *, timeout: float
) -> AsyncIterator[tuple[subprocess.Popen[bytes], httpx.AsyncClient]]:
    """``vamp server`` with ``options`` (its home and log in ``folder``, which must not exist yet) and a
    client for its API (requests time out after ``timeout`` seconds) once it answers ``/healthz``."""
    port = free_port()
    folder.mkdir(parents=True)
    log = folder / "server.log"
    command = [
        sys.executable, "-m", "vamp", "server", f"--home={folder}", f"--port={port}", "--bind=127.0.0.1",
        f"--shared-port={free_port()}", *options,
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            env={**os.environ, "VAMP_ADMIN_TOKEN": ADMIN_TOKEN},
        )
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=timeout,
            trust_env=False,
            headers={"authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as api:
            deadline = time.monotonic() + UP_SECONDS
            while not await _answers(api, "/healthz"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"vamp server did not come up:\n{log.read_text(errors='replace')}")
                await asyncio.sleep(0.1)
            yield process, api
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _answers(api: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await api.get(url)).status_code == httpx.codes.OK
    except httpx.TransportError:
        return False
