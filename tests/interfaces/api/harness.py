"""The API in-process for tests: the real app and services over a store, with fakes for the rest.

``Harness`` holds an ``httpx.AsyncClient`` talking to the app through the ASGI transport, the store,
and the fakes a test steers: the runtime driver's instances, the metrics the agents reported, the
routing plan holders (the gateway synchroniser's), and a notifier that records what it heard. Time
stands still unless a test moves it. ``SAVA_1_0``/``SAVA_1_1`` are vamp.md's canary blueprints.

The client sends the admin token ``ADMIN``; before its first request the harness sets that token and
makes the environments ``acme-prod`` and ``acme-test`` (organisation ``acme``), as a server would have
them. A test that needs another token makes it with ``token(...)`` and sends it in its own header.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from vamp.adapters.store import memory
from vamp.core import access, model, runtime
from vamp.interfaces.api import app as api_app
from vamp.interfaces.api import context
from vamp.ports import metrics, store, workflows
from vamp.services import events, gateways, info

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ADMIN = "vamp_test-admin-token-0123456789abcdefghijklmnopqrstu"
"""The secret of the admin token the harness's client sends."""
ENVIRONMENTS = (("acme", "prod"), ("acme", "test"))
JSON = {"content-type": "application/json"}
YAML = {"content-type": "application/x-yaml"}

SAVA_1_0 = """\
name: sava:1.0
gateways:
  9050/http: sava/webport
clusters:
  sava:
    services:
      breed:
        name: sava:1.0.0
        deployable: magneticio/sava:1.0.0
        ports:
          webport: 8080/http
      scale:
        cpu: 0.2
        memory: 64MB
        instances: 1
"""
SAVA_1_1 = SAVA_1_0.replace("1.0", "1.1").replace("gateways:\n  9050/http: sava/webport\n", "")
ROUTE_TO_ALL: dict[str, object] = {
    "weight": "100%",
    "balance": "default",
    "condition": None,
    "condition_strength": "0%",
    "rewrites": [],
    "selector": None,
    "metadata": {},
}
"""A route with all the weight and nothing else, as the API shows it: with every field Vamp always writes."""


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 1.0) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class RecordingNotifier:
    heard: list[tuple[str, ...]] = field(default_factory=list)

    def deployment_changed(self, namespace: str, name: str) -> None:
        self.heard.append(("deployment", namespace, name))

    def gateways_changed(self, namespace: str) -> None:
        self.heard.append(("gateways", namespace))


@dataclass
class FakeDriver:
    name: str = "local"
    observed: list[model.ObservedInstance] = field(default_factory=list)
    failure: str | None = None

    async def services(self, namespace: str) -> Sequence[runtime.ServiceState]:
        return ()

    async def deploy(self, spec: runtime.ServiceSpec) -> None:
        return None

    async def undeploy(self, key: runtime.ServiceKey) -> None:
        return None

    async def instances(self) -> Sequence[model.ObservedInstance]:
        if self.failure is not None:
            from vamp import errors

            raise errors.DriverError(self.failure)
        return self.observed

    async def changes(self) -> AsyncIterator[None]:
        return
        yield

    async def close(self) -> None:
        return None


@dataclass
class FakeMetrics:
    summaries: dict[tuple[str, str, str | None], metrics.TrafficSummary] = field(default_factory=dict)
    windows: list[float] = field(default_factory=list)
    refusals: list[metrics.Refusal] = field(default_factory=list)
    served_windows: dict[tuple[str, str, str | None], metrics.Served] = field(default_factory=dict)
    """What ``served`` answers for (namespace, gateway, route), whatever the window."""
    asked: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    """The windows ``served`` was asked for."""
    refreshes: int = 0

    def refused(self, namespace: str) -> tuple[metrics.Refusal, ...]:
        return tuple(item for item in self.refusals if item.namespace == namespace)

    def report(self, namespace: str, gateway: str, route: str | None = None, **values: object) -> None:
        fields: dict[str, object] = {
            "requests": 100,
            "rate": 1.5,
            "codes": {"1xx": 0, "2xx": 98, "3xx": 0, "4xx": 0, "5xx": 2},
            "mean": 12.5,
            "p50": 10.0,
            "p95": 40.0,
            "p99": 90.0,
            "health": 0.98,
        }
        fields.update(values)
        self.summaries[namespace, gateway, route] = metrics.TrafficSummary(gateway, route, **fields)  # type: ignore[arg-type]

    async def summary(
        self, namespace: str, gateway: str, route: str | None, *, window: float
    ) -> metrics.TrafficSummary | None:
        self.windows.append(window)
        return self.summaries.get((namespace, gateway, route))

    async def served(
        self,
        namespace: str,
        gateway: str,
        route: str | None,
        *,
        since: datetime,
        until: datetime | None = None,
    ) -> metrics.Served | None:
        self.asked.append((since, until))
        return self.served_windows.get((namespace, gateway, route))

    async def refresh(self) -> None:
        self.refreshes += 1


@dataclass
class Harness:
    client: httpx.AsyncClient
    app: FastAPI
    store: store.ArtifactStore
    clock: Clock
    notifier: RecordingNotifier
    driver: FakeDriver
    metrics: FakeMetrics
    publisher: events.Events
    holders: dict[str, gateways.PlanHolder]

    def plans(self, namespace: str) -> gateways.PlanHolder:
        board: gateways.PlanBoard = self.app.state.services.plans
        return board(namespace)

    @property
    def services(self) -> context.Services:
        return context.services_of(self.app)

    async def token(self, role: str, scope: str, *, name: str | None = None) -> str:
        """A new token of ``role`` in ``scope`` (made by the admin token); its secret."""
        admin = await self.services.tokens.authenticate(ADMIN)
        _, secret = await self.services.tokens.create(
            admin, name or f"{role}-{scope}", access.Role(role), self.services.tokens.scope(scope)
        )
        return secret


class _Prepared(httpx.ASGITransport):
    """The app's transport; before the first request, the admin token and the test environments are set."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(app=app)
        self._app = app
        self._prepared = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._prepared:
            self._prepared = True
            await prepare(self._app)
        return await super().handle_async_request(request)


async def prepare(app: FastAPI) -> None:
    """Set the admin token ``ADMIN`` and make the test environments, once per app."""
    if getattr(app.state, "prepared", False):
        return
    app.state.prepared = True
    services = context.services_of(app)
    await services.tokens.ensure("admin", access.Role.ADMIN, ADMIN)
    for organisation, environment in ENVIRONMENTS:
        if not await services.tenants.organisation_exists(organisation):
            await services.tenants.create_organisation(organisation)
        if not await services.tenants.environment_exists(organisation, environment):
            await services.tenants.create_environment(organisation, environment)


def build(
    artifact_store: store.ArtifactStore,
    settings: api_app.Settings | None = None,
    *,
    workflow_runtime: workflows.WorkflowRuntime | None = None,
) -> Harness:
    """The app over ``artifact_store`` (and ``workflow_runtime``, if the test gives one); the caller closes
    ``client``."""
    clock = Clock()
    board = gateways.PlanBoard()
    holders = board.holders
    notifier = RecordingNotifier()
    driver = FakeDriver()
    reader = FakeMetrics()
    publisher = events.Events(artifact_store)

    about = info.About(version="0.1.0", uuid="7c6f2c5e", running_since=NOW, persistence="memory")
    parts = api_app.Parts(
        store=artifact_store,
        driver=driver,
        metrics=reader,
        publisher=publisher,
        plans=board,
        notifier=notifier,
        about=about,
        tokens=artifact_store,  # type: ignore[arg-type]
        clock=clock,
        refusals=reader,
        workflow_runtime=workflow_runtime,
    )
    app = api_app.create_app(parts, settings or api_app.Settings())
    client = httpx.AsyncClient(
        transport=_Prepared(app), base_url="http://vamp", headers={"authorization": f"Bearer {ADMIN}"}
    )
    return Harness(client, app, artifact_store, clock, notifier, driver, reader, publisher, holders)


@contextlib.asynccontextmanager
async def in_memory() -> AsyncIterator[Harness]:
    """The app over a fresh in-memory store, prepared (``prepare``), its client open until the block ends."""
    found = build(memory.MemoryStore(clock=lambda: NOW))
    await prepare(found.app)
    async with found.client:
        yield found
