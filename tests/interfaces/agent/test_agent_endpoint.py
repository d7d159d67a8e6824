"""The agent's HTTP endpoint in-process (httpx's ASGI transport), over the real agent loop and traffic
meter with an in-memory data plane: what ``/health``, ``/status``, ``/metrics.json`` and ``/metrics`` say,
on Envoy and on HAProxy."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.services.agent_fakes import V1, FakeClock, FakeDataPlane, QueueSource, offered
from vamp import errors
from vamp.interfaces.agent import endpoint, proxies
from vamp.ports import gateway_agent
from vamp.services import agent as agent_service
from vamp.services import traffic

pytestmark = pytest.mark.anyio

INF = float("inf")
LATENCY = gateway_agent.Latency((0.5, 1.0, 5.0, INF), (1, 3, 4, 4), 7.5, 0.75, 4.2, 4.84)
EMPTY = gateway_agent.Latency((), (), 0.0, None, None, None)
CODES = {"1xx": 0, "2xx": 3, "3xx": 0, "4xx": 0, "5xx": 1}
TRAFFIC = (
    gateway_agent.Traffic("sava", None, 4, CODES, LATENCY),
    gateway_agent.Traffic("sava", 'sava/v"1', 4, CODES, LATENCY),
    gateway_agent.Traffic("sava", "sava/v2", 0, dict.fromkeys(CODES, 0), EMPTY),
)


class DataPlane(FakeDataPlane):
    def __init__(self) -> None:
        super().__init__()
        self.pid: int | None = 4242
        self.traffic_error: errors.DataPlaneError | None = None

    def health(self) -> gateway_agent.Health:
        return gateway_agent.Health(
            pid=self.pid,
            restarts=1,
            exits=("Envoy (pid 4241) killed by SIGKILL",),
            admin_url="http://127.0.0.1:9901",
        )

    async def traffic(self) -> tuple[gateway_agent.Traffic, ...]:
        if self.traffic_error is not None:
            raise self.traffic_error
        return TRAFFIC


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def parts() -> endpoint.Parts:
    data_plane, clock = DataPlane(), FakeClock()
    agent = agent_service.Agent(QueueSource(), data_plane, clock)
    agent.offer(offered(V1))
    await agent.reconcile()
    agent.offer(gateway_agent.Offered([], "plans/bad.json"))
    meter = traffic.TrafficMeter(data_plane, clock)
    await meter.sample()
    clock.seconds += 2
    await meter.sample()
    return endpoint.Parts(agent, meter, data_plane)


@pytest.fixture
async def client(parts: endpoint.Parts) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=endpoint.create_app(parts))
    async with httpx.AsyncClient(transport=transport, base_url="http://agent") as client:
        yield client


async def test_status_reports_the_active_plan_the_last_error_and_envoy(client: httpx.AsyncClient):
    response = await client.get("/status")

    assert response.status_code == 200
    assert response.json() == {
        "version": V1.version,
        "since": "2026-01-02T03:04:05+00:00",
        "origin": "plans/p.json",
        "problems": [],
        "refused": [],
        "pending": None,
        "last_error": "Refused the routing plan from plans/bad.json; the last good configuration stays. "
        "A routing plan must be a mapping, not list.",
        "last_error_at": "2026-01-02T03:04:05+00:00",
        "plans_applied": 1,
        "plans_rejected": 1,
        "proxy": "envoy",
        "data_plane": PROCESS,
        "envoy": PROCESS,
    }


PROCESS = {
    "pid": 4242,
    "restarts": 1,
    "exits": ["Envoy (pid 4241) killed by SIGKILL"],
    "admin": "http://127.0.0.1:9901",
}


@contextlib.asynccontextmanager
async def on_haproxy(parts: endpoint.Parts) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the endpoint of an agent that runs HAProxy, over the same state as ``parts``."""
    app = endpoint.create_app(dataclasses.replace(parts, proxy=proxies.Proxy.HAPROXY))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://agent") as client:
        yield client


async def test_status_on_haproxy_has_the_same_shape_and_names_the_proxy(
    client: httpx.AsyncClient, parts: endpoint.Parts
):
    on_envoy = (await client.get("/status")).json()
    async with on_haproxy(parts) as haproxy:
        response = await haproxy.get("/status")

    assert response.status_code == 200
    found = response.json()
    assert (found["proxy"], found["data_plane"]) == ("haproxy", PROCESS)
    assert "envoy" not in found
    assert found == {key: value for key, value in on_envoy.items() if key != "envoy"} | {"proxy": "haproxy"}


@pytest.mark.parametrize(
    ("pid", "status", "body"),
    [
        (
            4242,
            200,
            {"status": "ok", "proxy": "envoy", "pid": 4242, "envoy_pid": 4242, "version": V1.version},
        ),
        (
            None,
            503,
            {"status": "envoy down", "proxy": "envoy", "pid": None, "envoy_pid": None, "version": V1.version},
        ),
    ],
)
async def test_health_follows_envoy(client: httpx.AsyncClient, parts: endpoint.Parts, pid, status, body):
    assert isinstance(parts.data_plane, DataPlane)
    parts.data_plane.pid = pid

    response = await client.get("/health")

    assert (response.status_code, response.json()) == (status, body)


@pytest.mark.parametrize(
    ("pid", "status", "body"),
    [
        (4242, 200, {"status": "ok", "proxy": "haproxy", "pid": 4242, "version": V1.version}),
        (None, 503, {"status": "haproxy down", "proxy": "haproxy", "pid": None, "version": V1.version}),
    ],
)
async def test_health_follows_haproxy(parts: endpoint.Parts, pid, status, body):
    assert isinstance(parts.data_plane, DataPlane)
    parts.data_plane.pid = pid

    async with on_haproxy(parts) as haproxy:
        response = await haproxy.get("/health")

    assert (response.status_code, response.json()) == (status, body)


async def test_metrics_json_gives_each_gateway_with_its_routes(client: httpx.AsyncClient):
    response = await client.get("/metrics.json")

    numbers = {
        "requests": 4,
        "rate": 0.0,
        "codes": CODES,
        "latency": {
            "p50": 0.75,
            "p95": 4.2,
            "p99": 4.84,
            "mean": 1.875,
            "count": 4,
            "sum": 7.5,
            "buckets": [
                {"le": 0.5, "count": 1},
                {"le": 1.0, "count": 3},
                {"le": 5.0, "count": 4},
                {"le": "+Inf", "count": 4},
            ],
        },
    }
    empty = {
        "requests": 0,
        "rate": 0.0,
        "codes": dict.fromkeys(CODES, 0),
        "latency": {
            "p50": None,
            "p95": None,
            "p99": None,
            "mean": None,
            "count": 0,
            "sum": 0.0,
            "buckets": [],
        },
    }
    assert response.json() == {
        "at": "2026-01-02T03:04:07+00:00",
        "interval": 2.0,
        "gateways": [
            {
                "gateway": "sava",
                **numbers,
                "routes": [{"route": 'sava/v"1', **numbers}, {"route": "sava/v2", **empty}],
            }
        ],
        "refused": [],
    }


async def test_metrics_are_prometheus_text_per_route_with_buckets_sum_and_count_in_seconds(
    client: httpx.AsyncClient,
):
    response = await client.get("/metrics")

    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    assert {name: family.type for name, family in families.items()} == {
        "vamp_gateway_requests": "counter",
        "vamp_gateway_request_duration_seconds": "histogram",
        "vamp_agent_plan_info": "gauge",
        "vamp_agent_plans_applied": "counter",
        "vamp_agent_plans_rejected": "counter",
        "vamp_agent_proxy_info": "gauge",
        "vamp_agent_proxy_restarts": "counter",
        "vamp_agent_proxy_up": "gauge",
        "vamp_agent_envoy_restarts": "counter",
        "vamp_agent_envoy_up": "gauge",
    }
    route = {"gateway": "sava", "route": 'sava/v"1'}
    requests = {
        (sample.labels["route"], sample.labels["code_class"]): sample.value
        for sample in families["vamp_gateway_requests"].samples
    }
    assert requests == {
        **{('sava/v"1', c): n for c, n in CODES.items()},
        **{("sava/v2", c): 0 for c in CODES},
    }
    durations = [
        (sample.name, sample.labels, sample.value)
        for sample in families["vamp_gateway_request_duration_seconds"].samples
    ]
    name = "vamp_gateway_request_duration_seconds"
    assert durations == [
        (f"{name}_bucket", {**route, "le": "0.0005"}, 1),
        (f"{name}_bucket", {**route, "le": "0.001"}, 3),
        (f"{name}_bucket", {**route, "le": "0.005"}, 4),
        (f"{name}_bucket", {**route, "le": "+Inf"}, 4),
        (f"{name}_count", route, 4),
        (f"{name}_sum", route, 0.0075),
    ]
    state = {
        name: [(sample.labels, sample.value) for sample in families[name].samples]
        for name in families
        if name.startswith("vamp_agent_")
    }
    assert state == {
        "vamp_agent_plan_info": [({"version": V1.version}, 1)],
        "vamp_agent_plans_applied": [({}, 1)],
        "vamp_agent_plans_rejected": [({}, 1)],
        "vamp_agent_proxy_info": [({"proxy": "envoy"}, 1)],
        "vamp_agent_proxy_restarts": [({}, 1)],
        "vamp_agent_proxy_up": [({}, 1)],
        "vamp_agent_envoy_restarts": [({}, 1)],
        "vamp_agent_envoy_up": [({}, 1)],
    }


async def test_metrics_on_haproxy_are_the_same_families_without_the_envoy_ones(
    client: httpx.AsyncClient, parts: endpoint.Parts
):
    on_envoy = (await client.get("/metrics")).text
    async with on_haproxy(parts) as haproxy:
        text = (await haproxy.get("/metrics")).text
        metrics_json = (await haproxy.get("/metrics.json")).json()

    def samples(page: str) -> dict[str, list[tuple[dict[str, str], float]]]:
        return {
            family.name: [(sample.labels, sample.value) for sample in family.samples]
            for family in text_string_to_metric_families(page)
        }

    envoy_samples, haproxy_samples = samples(on_envoy), samples(text)
    assert haproxy_samples["vamp_agent_proxy_info"] == [({"proxy": "haproxy"}, 1)]
    assert {name: found for name, found in haproxy_samples.items() if name != "vamp_agent_proxy_info"} == {
        name: found
        for name, found in envoy_samples.items()
        if name not in {"vamp_agent_proxy_info", "vamp_agent_envoy_restarts", "vamp_agent_envoy_up"}
    }
    assert metrics_json == (await client.get("/metrics.json")).json()


@pytest.mark.parametrize("path", ["/metrics", "/metrics.json"])
async def test_metrics_say_when_envoy_cannot_be_read(client: httpx.AsyncClient, parts: endpoint.Parts, path):
    assert isinstance(parts.data_plane, DataPlane)
    parts.data_plane.traffic_error = errors.DataPlaneError("Envoy's admin endpoint did not answer")

    response = await client.get(path)

    assert response.status_code == 503
    text = response.json()["message"] if path.endswith(".json") else response.text
    assert text.strip("# \n") == "Envoy's admin endpoint did not answer"
