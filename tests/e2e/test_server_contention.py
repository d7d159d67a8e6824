"""Writes under contention: 20 writers change one gateway at once for 30 s against ``vamp server`` on SQLite.

Writers queue for SQLite inside the server instead of failing: every write gets 2xx (or 409, a lost
compare-and-set), never 5xx ("database is locked"); the gateway ends as one of the successful writes
(each write names itself by a virtual host of its own); and the archive holds exactly one event per
successful write. The writes' p50 and p99 are printed (``pytest -s``).

Every request goes through the one client made in the test (``api``), so a header (a token) can be added
in one place.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import backends, vamp_process

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

WRITERS = 20
SECONDS = 30.0
GATEWAY = "contended"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[vamp_process.Vamp]:
    with vamp_process.started(tmp_path / "home", "server", ready=None) as vamp:
        yield vamp


def _body(port: int, writer: int, count: int, weight: int) -> str:
    return (
        f"name: {GATEWAY}\nport: {port}/http\nvirtual_hosts: [w{writer}-{count}.example]\nroutes:\n"
        f"  '[127.0.0.1:9001]': {{weight: {weight}%}}\n  '[127.0.0.1:9002]': {{weight: {100 - weight}%}}\n"
    )


async def _write(api: httpx.AsyncClient, port: int) -> tuple[Counter[int], list[float], set[str]]:
    """``WRITERS`` writers PUT the gateway for ``SECONDS``; the statuses, the latencies of the successful
    writes, and the virtual host each successful write gave the gateway."""
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    written: set[str] = set()
    deadline = time.monotonic() + SECONDS

    async def writer(index: int) -> None:
        count = 0
        while time.monotonic() < deadline:
            count += 1
            body = _body(port, index, count, random.randrange(0, 101))
            started = time.monotonic()
            answer = await api.put(
                f"/api/v1/gateways/{GATEWAY}", content=body, headers={"content-type": "application/x-yaml"}
            )
            statuses[answer.status_code] += 1
            if answer.is_success:
                latencies.append(time.monotonic() - started)
                written.add(f"w{index}-{count}.example")

    await asyncio.gather(*(writer(index) for index in range(WRITERS)))
    return statuses, latencies, written


def test_twenty_writers_of_one_gateway_queue_instead_of_failing(server: vamp_process.Vamp) -> None:
    port = backends.free_port()
    limits = httpx.Limits(max_connections=WRITERS, max_keepalive_connections=WRITERS)

    async def run() -> tuple[Counter[int], list[float], set[str], dict[str, Any], int]:
        async with httpx.AsyncClient(
            base_url=f"{server.url}", timeout=60.0, limits=limits, trust_env=False, headers=server.headers
        ) as api:
            statuses, latencies, written = await _write(api, port)
            final = (await api.get(f"/api/v1/gateways/{GATEWAY}")).json()
            archived = await api.get(
                "/api/v1/events", params={"tag": ["archive", f"gateways:{GATEWAY}"], "per_page": 1}
            )
            return statuses, latencies, written, final, int(archived.headers["x-total-count"])

    statuses, latencies, written, final, archived = asyncio.run(run())

    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"\n{sum(statuses.values())} writes by {WRITERS} writers in {SECONDS:g} s: {dict(statuses)}; "
        f"p50 {quantiles[49] * 1000:.0f} ms, p99 {quantiles[98] * 1000:.0f} ms"
    )
    assert set(statuses) <= {200, 201, 202, 409}, statuses
    successes = sum(count for status, count in statuses.items() if status < 300)
    assert successes == len(written) > WRITERS
    assert len(final["virtual_hosts"]) == 1
    assert final["virtual_hosts"][0] in written
    assert archived == successes
