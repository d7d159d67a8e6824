"""The API application: ``create_app(parts, settings)`` builds the services over the parts and serves them.

The parts are the outside world as ports (store, runtime driver, metrics) and the loops the API talks
to (the event publisher, the gateway synchroniser's plan holders, the notifier that nudges the
reconciler); the wiring module builds them from the command line and hands them in. Every namespaced
route is served under ``/api/v1`` (the default namespace) and ``/{namespace}/api/v1``, and the OpenAPI
document (``openapi_document``) lists both. Every route needs a token (``interfaces.api.access``) but
``/healthz``. Answers carry ``Cache-Control: no-store`` and ``Pragma: no-cache``; CORS is off unless the
settings name origins (``--cors-origin``), so a web page elsewhere cannot call the API from a user's
browser; large answers are compressed; request bodies over
``Settings.max_body`` are refused (``body_limit``); a path with a trailing slash answers as without one
(``trailing_slash``). Every request is counted for ``/metrics`` (``monitoring``), with what
``Parts.instruments`` counts of the rest of the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vamp import errors
from vamp.core import units, validation
from vamp.interfaces.api import (
    body_limit,
    context,
    error_responses,
    monitoring,
    namespaces,
    openapi_document,
    plan_answers,
    routes,
    websocket,
)
from vamp.interfaces.api.trailing_slash import TrailingSlash
from vamp.interfaces.web import site
from vamp.ports import access, metrics, runtime, store, workflows
from vamp.ports.metrics import RefusalReader
from vamp.services import (
    artifacts,
    bulk,
    changes,
    deployments,
    event_log,
    events,
    gateway_artifacts,
    gateways,
    info,
    measurements,
    routing_preview,
)
from vamp.services.access import tenants, tokens
from vamp.services.releases import policies
from vamp.services.workflows import requests as workflow_requests

DESCRIPTION = """\
Vamp's REST API: artifacts (breeds, blueprints, scales, SLAs, escalations, conditions, routes, rewrites,
templates, workflows), gateways, deployments, events, metrics and health.

Bodies are JSON (`application/json`) or YAML (`application/x-yaml`); answers are JSON, or YAML when
`Accept: application/x-yaml`. Every path is also served under `/{namespace}/api/v1/...`, where a
namespace is `<organisation>-<environment>`; plain `/api/v1/...` is the server's default namespace.
Lists are paged with `?page=` and `?per_page=` (at most 30), with `X-Total-Count` and `Link` headers.
Every write takes `?validate_only=true`: everything is checked, nothing is stored.
"""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Parts:
    """What the API runs on."""

    store: store.ArtifactStore
    driver: runtime.RuntimeDriver
    metrics: metrics.MetricsReader
    publisher: events.Events
    plans: gateways.PlanBoard
    """The routing plans of every namespace (``GatewaySynchroniser.board``)."""
    notifier: changes.Notifier
    about: info.About
    tokens: access.TokenStore
    """Where API tokens are kept (the SQL and memory stores are token stores too)."""
    environments: access.EnvironmentRuntime = field(default_factory=tenants.NoEnvironmentRuntime)
    """Told when an environment is created or removed (on Kubernetes: its Namespace)."""
    clock: Callable[[], datetime] = field(default=utc_now)
    refusals: RefusalReader | None = None
    """Which gateways the gateway agents refused (the metrics collector)."""
    instruments: monitoring.Instruments = field(default_factory=monitoring.Instruments)
    """What the loops, the store and the leadership count, for ``/metrics``."""
    workflow_runtime: workflows.WorkflowRuntime | None = None
    """Where workflows run, for their executions; ``None``: this server runs no workflows."""


@dataclass(frozen=True, slots=True)
class Settings:
    namespace: str = "default"
    """The namespace of plain ``/api/v1/...`` (``--namespace``)."""
    gateway_host: str = "127.0.0.1"
    """The host gateways are reached on: deployments' ``hosts``, gateways' ``service.host``."""
    heartbeat: float = 15.0
    """Seconds between keep-alive comments on the event stream."""
    longest_wait: float = 60.0
    """The longest a routing-plan long poll may wait, in seconds."""
    allow_command_deployables: bool = True
    """Whether deployments may hold ``{type: command}`` breeds; the server passes its own choice."""
    cors_origins: tuple[str, ...] = ()
    """The web origins allowed to call the API from a browser (``--cors-origin``); none: CORS is off."""
    max_body: int = body_limit.DEFAULT_MAX_BODY
    """The largest request body in bytes; a larger one is answered 413."""
    scale_limits: validation.ScaleLimits = validation.DEFAULT_LIMITS
    """The largest scale (instances, CPU, memory) a service may ask for."""
    api_port: int | None = None
    """The port the API listens on (``--port``), as ``/api/v1/config`` tells it; ``None``: not told."""
    gateway_ports: tuple[int, int] | None = None
    """The ports gateways without one are given (``--gateway-ports``), for ``/api/v1/config``."""
    shared_port: int | None = None
    """The agents' shared virtual-host port (``--shared-port``), for ``/api/v1/config``."""


def scale_limits(instances: int, cpu: str, memory: str) -> validation.ScaleLimits:
    """The scale limits the server's flags give (``--max-instances``, ``--max-cpu``, ``--max-memory``).

    Raises:
        errors.RequestError: CPU or memory that the DSL's units do not read, naming the flag.
    """
    try:
        return validation.ScaleLimits(instances, units.Cpu.parse(cpu), units.Memory.parse(memory))
    except units.UnitError as exc:
        flag = "--max-memory" if "memory" in str(exc) else "--max-cpu"
        raise errors.RequestError(f"{flag}: {exc}") from exc


def create_app(parts: Parts, settings: Settings = Settings()) -> FastAPI:
    """The API application over ``parts``."""
    app = FastAPI(
        title="Vamp",
        description=DESCRIPTION,
        version=parts.about.version,
        docs_url="/api/docs",
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.default_namespace = settings.namespace
    app.state.services = _services(parts, settings)
    app.state.plan_answers = plan_answers.PlanAnswers()
    app.include_router(routes.server_router())
    api = routes.api_router()
    app.include_router(api)
    app.include_router(api, prefix=namespaces.PREFIX, include_in_schema=False)
    app.include_router(websocket.router)
    site.install(app)
    error_responses.install(app)
    openapi_document.install(app)
    app.add_middleware(body_limit.BodyLimit, limit=settings.max_body)
    app.add_middleware(NoStore)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Link", "X-Total-Count"],
            max_age=1800,
        )
    app.add_middleware(TrailingSlash)
    requests = monitoring.ApiRequests()
    app.state.monitoring = monitoring.registry(requests, parts.instruments)
    app.add_middleware(monitoring.RequestMetrics, requests=requests)
    return app


def services_of(app: FastAPI) -> context.Services:
    """The services ``create_app`` built for ``app`` (the composition root sets the server's tokens)."""
    return context.services_of(app)


def _services(parts: Parts, settings: Settings) -> context.Services:
    stored = artifacts.ArtifactService(parts.store, parts.notifier, limits=settings.scale_limits)
    gateway_service = gateway_artifacts.GatewayService(parts.store, stored, parts.notifier)
    deployment_service = deployments.DeploymentService(
        parts.store,
        stored,
        parts.notifier,
        clock=parts.clock,
        gateway_host=settings.gateway_host,
        allow_commands=settings.allow_command_deployables,
    )
    workflow_service = workflow_requests.WorkflowRequests(parts.store, parts.workflow_runtime)
    token_service = tokens.Tokens(
        parts.tokens, parts.store, parts.clock, default_namespace=settings.namespace
    )
    tenant_service = tenants.Tenants(
        parts.store,
        parts.environments,
        token_service,
        deployment_service,
        gateway_service,
        default_namespace=settings.namespace,
    )
    return context.Services(
        tokens=token_service,
        tenants=tenant_service,
        artifacts=stored,
        gateways=gateway_service,
        deployments=deployment_service,
        bulk=bulk.Bulk(stored, gateway_service, deployment_service, workflow_service),
        event_log=event_log.EventLog(parts.store, parts.publisher),
        publisher=parts.publisher,
        measurements=measurements.Measurements(parts.metrics, deployment_service),
        info=info.InfoService(parts.about, parts.store, parts.driver, parts.plans, parts.refusals),
        preview=routing_preview.RoutingPreview(parts.driver),
        releases=policies.Releases(parts.store, parts.publisher),
        workflows=workflow_service,
        plans=parts.plans,
        gateway_host=settings.gateway_host,
        heartbeat=settings.heartbeat,
        longest_wait=settings.longest_wait,
        config=routes.config.server_keys(
            version=parts.about.version,
            persistence=parts.about.persistence,
            driver=parts.driver.name,
            gateway_host=settings.gateway_host,
            api_port=settings.api_port,
            gateway_ports=settings.gateway_ports,
            shared_port=settings.shared_port,
        ),
    )


class NoStore:
    """ASGI middleware: answers are never cached (``Cache-Control: no-store``, ``Pragma: no-cache``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"cache-control", b"no-store"),
                    (b"pragma", b"no-cache"),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)
