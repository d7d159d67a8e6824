"""When a running instance is ready for traffic: its HTTP health checks pass, or its first port accepts.

``watch`` runs while one process runs and reports every change of readiness through a callback:

* with health checks (vamp.md §1.12), each runs as a task of its own: the first request after
  ``initial_delay``, then one every ``interval``, each given ``timeout``; a status below 400 passes.
  A passing check fails after ``failures`` failed requests in a row (at least one). The instance is ready
  while every check passes.
* without, the first port is tried until it accepts a TCP connection, then every second; after a refusal
  it is tried again sooner, and three refusals in a row make the instance unready again.
* with neither checks nor ports, a running instance is ready.

This module opens connections only; it does not start or stop processes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

import httpx

from vamp.core import model

Report = Callable[[bool], None]

_SHORTEST_SECONDS = 0.1
"""Health check intervals and timeouts are whole seconds and may be 0: never ask more often than this."""
_CONNECT_RETRY_SECONDS = 0.05
_CONNECT_INTERVAL_SECONDS = 1.0
_CONNECT_RECHECK_SECONDS = 0.2
_CONNECT_TIMEOUT_SECONDS = 1.0
_CONNECT_FAILURES = 3


async def watch(
    checks: tuple[model.HealthCheck, ...],
    ports: Mapping[str, int],
    *,
    host: str,
    client: httpx.AsyncClient,
    report: Report,
) -> None:
    """Probe until cancelled, calling ``report(ready)`` after every probe. ``ports`` maps name to number."""
    if checks:
        await _watch_checks(checks, ports, host=host, client=client, report=report)
    elif ports:
        await _watch_connect(host, next(iter(ports.values())), report)
    else:
        report(True)


async def _watch_checks(
    checks: tuple[model.HealthCheck, ...],
    ports: Mapping[str, int],
    *,
    host: str,
    client: httpx.AsyncClient,
    report: Report,
) -> None:
    passing = [False] * len(checks)

    def reporter(position: int) -> Report:
        def report_check(ok: bool) -> None:
            passing[position] = ok
            report(all(passing))

        return report_check

    async with asyncio.TaskGroup() as group:
        for position, check in enumerate(checks):
            path = check.path if check.path.startswith("/") else f"/{check.path}"
            url = f"{check.protocol.lower()}://{host}:{ports[check.port]}{path}"
            group.create_task(_watch_check(check, url, client, reporter(position)))


async def _watch_check(check: model.HealthCheck, url: str, client: httpx.AsyncClient, report: Report) -> None:
    await asyncio.sleep(check.initial_delay.seconds)
    passing = False
    failures = 0
    while True:
        if await _answers(client, url, max(check.timeout.seconds, _SHORTEST_SECONDS)):
            passing, failures = True, 0
        else:
            failures += 1
            passing = passing and failures < max(check.failures, 1)
        report(passing)
        await asyncio.sleep(max(check.interval.seconds, _SHORTEST_SECONDS))


async def _answers(client: httpx.AsyncClient, url: str, timeout: float) -> bool:
    try:
        response = await client.get(url, timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code < 400


async def _watch_connect(host: str, port: int, report: Report) -> None:
    ready = False
    failures = 0
    while True:
        if await _accepts(host, port):
            ready, failures = True, 0
        else:
            failures += 1
            ready = ready and failures < _CONNECT_FAILURES
        report(ready)
        if not ready:
            await asyncio.sleep(_CONNECT_RETRY_SECONDS)
        else:
            await asyncio.sleep(_CONNECT_RECHECK_SECONDS if failures else _CONNECT_INTERVAL_SECONDS)


async def _accepts(host: str, port: int) -> bool:
    try:
        # ``asyncio.timeout``, not ``wait_for``: on Python 3.11 ``wait_for`` swallows a cancellation that
        # arrives as the connection completes, and the watch would never end.
        async with asyncio.timeout(_CONNECT_TIMEOUT_SECONDS):
            _, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True
