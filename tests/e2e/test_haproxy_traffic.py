"""HAProxy's traffic per gateway and route against the traffic sent: a plan rendered with latency buckets
→ the real HAProxy 2.6 → backends, read back through the runtime API by ``vamp.adapters.haproxy.traffic``.

Counts per route equal what each backend received, status classes follow what the backends answered, a
backend that takes 50 ms lands in the buckets around 50 ms with its percentiles within a bucket of what
the client measured, and the counts start from zero in a new HAProxy. The agent's data plane
(``HaproxyDataPlane.traffic``) reports the same, and a weight change through the runtime API keeps the
counts. Each test starts its own HAProxy and backends and stops them by their PID.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.adapters.haproxy.running import haproxy
from tests.core.routing.build import instance
from tests.e2e.backends import HOST, Backends, Connection
from tests.e2e.gateway_harness import free_ports, gateway, route, send
from vamp import errors
from vamp.adapters.haproxy import render_latency, traffic
from vamp.adapters.haproxy.dataplane import HaproxyDataPlane
from vamp.adapters.haproxy.render import Rendering, RenderOptions, render
from vamp.adapters.haproxy.runtime import Runtime
from vamp.core.latency_buckets import latency_bounds
from vamp.core.routing.compile import compile_plan
from vamp.core.routing.plan import RoutingPlan
from vamp.ports.gateway_agent import Traffic

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

START_TIMEOUT_S = 30.0
BOUNDS = latency_bounds()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class HAProxy:
    """One HAProxy serving a gateway ``shop`` over ``backends``, with its runtime API on a socket."""

    def __init__(self, directory: Path, backends: Backends) -> None:
        self.directory = directory
        self.backends = backends
        self.runtime = Runtime(directory / "haproxy.sock")
        self.process: asyncio.subprocess.Process | None = None
        self.rendering: Rendering | None = None
        self.port = free_ports(1)[0]

    async def serve(self, routes: object) -> None:
        instances = [
            instance(name, HOST, {"http": port}, service=f"shop/web/{name}")
            for name, port in self.backends.ports.items()
        ]
        compiled = compile_plan([gateway("shop", self.port, routes)], instances)
        assert compiled.problems == (), compiled.problems
        latency_map = self.directory / "latency.map"
        latency_map.write_text(render_latency.bucket_map())
        options = RenderOptions(stats_socket=str(self.runtime.socket), latency_map=str(latency_map))
        self.rendering = render(compiled, options=options)
        (self.directory / "haproxy.cfg").write_text(self.rendering.text)
        await self.start()

    async def start(self) -> None:
        log = (self.directory / "haproxy.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            haproxy(), "-db", "-f", str(self.directory / "haproxy.cfg"), stdout=log, stderr=log
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not await self._answers():
            assert self.process.returncode is None, (self.directory / "haproxy.log").read_text()
            assert time.monotonic() < deadline, f"HAProxy does not answer after {START_TIMEOUT_S:g} s"
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), 30)

    async def traffic(self) -> dict[str | None, Traffic]:
        """This reading's traffic of the gateway (key ``None``) and of each route, by backend name."""
        assert self.rendering is not None
        read = await traffic.read(self.runtime, self.rendering.backends)
        assert [item.gateway for item in read] == ["shop"] * len(read)
        return {item.route.split("/")[2] if item.route else None: item for item in read}

    async def _answers(self) -> bool:
        try:
            await self.runtime.info()
        except errors.DataPlaneError:
            return False
        return True


@pytest.fixture
def backends() -> Iterator[Backends]:
    with Backends("a", "b") as running:
        yield running


@pytest.fixture
async def proxy(backends: Backends) -> AsyncIterator[HAProxy]:
    with tempfile.TemporaryDirectory(prefix="vamp-haproxy-") as name:  # a socket path must be short
        running = HAProxy(Path(name), backends)
        try:
            yield running
        finally:
            await running.stop()


async def test_counts_per_route_equal_what_each_backend_received(proxy: HAProxy) -> None:
    await proxy.serve({route("a"): {"weight": "90%"}, route("b"): {"weight": "10%"}})

    sent = await send(proxy.port, 1000)
    seen = await proxy.traffic()

    assert sent == proxy.backends.requests
    assert {name: seen[name].requests for name in ("a", "b")} == proxy.backends.requests
    assert 800 < seen["a"].requests < 980
    assert seen[None].requests == 1000
    for item in seen.values():
        assert item.codes == {"1xx": 0, "2xx": item.requests, "3xx": 0, "4xx": 0, "5xx": 0}
        assert item.latency.bounds == BOUNDS
        assert item.latency.counts[-1] == item.requests
        assert item.latency.p50 is not None
        assert item.latency.p50 <= item.latency.p95 <= item.latency.p99  # type: ignore[operator]


async def test_status_classes_follow_what_the_backends_answered(proxy: HAProxy) -> None:
    await proxy.serve({route("a"): {"weight": "50%"}, route("b"): {"weight": "50%"}})
    proxy.backends.status["b"] = 503

    await send(proxy.port, 200)
    seen = await proxy.traffic()

    b_requests = proxy.backends.requests["b"]
    assert seen["b"].codes == {"1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": b_requests}
    assert seen["a"].codes["2xx"] == seen["a"].requests == 200 - b_requests
    assert seen[None].codes == {"1xx": 0, "2xx": 200 - b_requests, "3xx": 0, "4xx": 0, "5xx": b_requests}
    assert seen["b"].latency.counts[-1] == b_requests


async def test_a_slow_backend_lands_in_its_bucket_and_its_percentiles_within_one(proxy: HAProxy) -> None:
    await proxy.serve({route("a"): {"weight": "50%"}, route("b"): {"weight": "50%"}})
    proxy.backends.delay["b"] = 0.05

    client_ms = await timed(proxy.port, 200, "b")
    seen = await proxy.traffic()

    slow, fast = seen["b"].latency, seen["a"].latency
    assert slow.counts[-1] == len(client_ms) == proxy.backends.requests["b"]
    first = next(index for index, count in enumerate(slow.counts) if count)
    assert BOUNDS[first] >= 50.0, f"a 50 ms answer counted at most {BOUNDS[first]} ms"
    client_ms.sort()
    for quantile, measured in ((0.50, slow.p50), (0.99, slow.p99)):
        truth = client_ms[round(quantile * len(client_ms)) - 1]
        assert measured is not None
        assert bucket(truth) - 1 <= bucket(measured) <= bucket(truth) + 1, (quantile, measured, truth)
    assert fast.p99 is not None
    assert fast.p99 < 46.0
    assert 0.9 < seen["b"].latency.sum_ms / (50.0 * len(client_ms)) < 1.3


async def test_counts_start_from_zero_in_a_new_haproxy(proxy: HAProxy) -> None:
    await proxy.serve([route("a")])
    await send(proxy.port, 30)
    assert (await proxy.traffic())["a"].requests == 30

    await proxy.stop()
    await proxy.start()
    restarted = await proxy.traffic()
    await send(proxy.port, 5)
    after = await proxy.traffic()

    assert restarted["a"].requests == 0
    assert restarted["a"].latency.counts == (0,) * len(BOUNDS)
    assert restarted["a"].latency.p50 is None
    assert (after["a"].requests, after["a"].latency.counts[-1], after[None].requests) == (5, 5, 5)


async def test_the_data_plane_reports_latency_and_a_weight_change_keeps_the_counts(
    backends: Backends,
) -> None:
    [port] = free_ports(1)
    instances = [
        instance(name, HOST, {"http": number}, service=f"shop/web/{name}")
        for name, number in backends.ports.items()
    ]

    def split(a: str, b: str) -> RoutingPlan:
        compiled = compile_plan(
            [gateway("shop", port, {route("a"): {"weight": a}, route("b"): {"weight": b}})], instances
        )
        assert compiled.problems == (), compiled.problems
        return compiled

    with tempfile.TemporaryDirectory(prefix="vamp-haproxy-") as name:  # a socket path must be short
        async with HaproxyDataPlane(Path(name), lambda plan, options: render(plan, options=options)) as plane:
            await plane.apply(split("90%", "10%"))
            await send(port, 200)
            first = {item.route: item for item in await plane.traffic()}
            await plane.apply(split("10%", "90%"))
            await send(port, 100)
            after = {item.route: item for item in await plane.traffic()}

    assert (first[None].requests, first[None].latency.counts[-1]) == (200, 200)
    assert first[None].latency.bounds == BOUNDS
    assert first[None].latency.p50 is not None
    assert {key.split("/")[2]: item.requests for key, item in after.items() if key} == backends.requests
    assert (after[None].requests, after[None].latency.counts[-1]) == (300, 300)
    assert after[route("b")].requests > first[route("b")].requests + 50


async def timed(port: int, count: int, backend: str) -> list[float]:
    """Send ``count`` requests over one keep-alive connection: the milliseconds each answer from
    ``backend`` took, as the client saw them."""
    connection = Connection(port)
    taken = []
    try:
        for _ in range(count):
            start = time.perf_counter()
            response = await connection.request()
            if response.backend == backend:
                taken.append((time.perf_counter() - start) * 1000)
    finally:
        await connection.close()
    return taken


def bucket(ms: float) -> int:
    """The index of the bucket that counts a time of ``ms``."""
    return next(index for index, bound in enumerate(BOUNDS) if ms <= bound)
