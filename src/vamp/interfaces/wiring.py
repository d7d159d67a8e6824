"""The composition root: from ``Settings`` to a running server — the one place that picks the adapters.

``serve`` builds, in order: the store (SQLite or PostgreSQL, schema migrated), the runtime (``runtimes``: the
local process driver with ``AlwaysLeader``, or the Kubernetes driver with a Lease election and a Service
per gateway), the event publisher, the reconciler and the gateway synchroniser (nudging each other through
``Nudges``), the metrics collector over the gateway agents, and the API over all of them. Then it runs,
in one asyncio TaskGroup: the API's HTTP server, the election, the collector, the gateway synchroniser
(every server holds routing plans for the agents that ask it; only the leader writes and exposes), and
— only while this server leads — the reconciler, the release controller (``services.releases``, its
webhooks called through ``adapters.webhooks``), the SLA monitor and escalator (``services.slas``, unless
``--sla-period 0``) and the workflow controller (``services.workflows``, over the workflow runtime of the
driver: processes under ``HOME/workflows``, or Kubernetes objects). Every namespace that holds artifacts
is resynchronised at start, and again by a server that starts leading.

When ``stop`` is set it shuts down in reverse: the HTTP server stops taking requests (open streams get a
moment to end), the loops are cancelled, the leadership is handed back, the metrics collector's HTTP
client is closed, the workflow runtime and the driver are closed (the local ones stop every process
they run) and the store last. Nothing here holds a business rule.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import socket
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import uvicorn

from vamp import __version__, settings
from vamp.adapters import webhooks
from vamp.adapters.agents import collector, discovery
from vamp.adapters.store import sql
from vamp.core import access
from vamp.interfaces import credentials, http_server, runtimes
from vamp.interfaces.api import app as api_app
from vamp.interfaces.api import context, monitoring
from vamp.ports import leadership
from vamp.services import events, gateways, info, reconciler, refusals
from vamp.services.access import tokens as token_service
from vamp.services.releases import controller as release_controller
from vamp.services.slas import escalator as sla_escalator
from vamp.services.slas import monitor as sla_monitor
from vamp.services.workflows import controller as workflow_controller

log = logging.getLogger("vamp.server")

LEADERSHIP_CHECK = 1.0
"""Seconds between two looks at whether this server still leads."""
GRACEFUL_SECONDS = 2
"""How long open requests (event streams, long polls) may go on once the server is stopping."""


class Nudges:
    """The ``services.changes.Notifier`` of the server: who hears that something changed.

    A deployment changed (by a user, or by the gateway synchroniser assigning a port): the reconciler
    looks at it again, and the synchroniser at its namespace's gateways. A gateway changed (by a user,
    or by the reconciler changing a deployment): the synchroniser looks again.
    """

    def __init__(self) -> None:
        self._reconciler: reconciler.Reconciler | None = None
        self._gateways: gateways.GatewaySynchroniser | None = None

    def connect(self, deployments: reconciler.Reconciler, synchroniser: gateways.GatewaySynchroniser) -> None:
        self._reconciler, self._gateways = deployments, synchroniser

    def deployment_changed(self, namespace: str, name: str) -> None:
        if self._reconciler is not None:
            self._reconciler.enqueue(namespace, name)
        self.gateways_changed(namespace)

    def gateways_changed(self, namespace: str) -> None:
        if self._gateways is not None:
            self._gateways.enqueue(namespace)


async def serve(
    config: settings.Settings, stop: asyncio.Event, *, ready: Callable[[], None] | None = None
) -> None:
    """Run the server until ``stop`` is set, then shut it down cleanly.

    Args:
        ready: called once the API takes requests.

    Raises:
        errors.VampError: the port is taken, the store cannot be opened, the runtime cannot be reached;
            the message says what to change.
    """

    def port_taken(exc: OSError) -> str:
        return (
            f"Cannot serve the API on {config.bind}:{config.port}: {exc.strerror}. Stop what uses the "
            "port, or give another with --port."
        )

    with http_server.listening(config.bind, config.port, port_taken) as listening:
        artifact_store = await sql.SqlStore.open(config.store)
        try:
            async with runtimes.opened(config) as found:
                await _run(config, artifact_store, found, listening, stop, ready)
        finally:
            await artifact_store.close()


@dataclass(frozen=True, slots=True)
class _Assembled:
    """The server's loops and its API, built over the store and the runtime."""

    deployments: reconciler.Reconciler
    synchroniser: gateways.GatewaySynchroniser
    metrics: collector.AgentMetrics
    http: uvicorn.Server
    api: context.Services
    releases: release_controller.ReleaseController
    gates: webhooks.HttpGates
    workflows: workflow_controller.WorkflowController | None


def _assemble(
    config: settings.Settings,
    artifact_store: sql.SqlStore,
    found: runtimes.Runtime,
    namespaces: Sequence[str],
) -> _Assembled:
    publisher = events.Events(artifact_store)
    nudges = Nudges()
    deployments = reconciler.Reconciler(
        artifact_store, found.driver, publisher, namespaces=namespaces, notifier=nudges
    )
    synchroniser = gateways.GatewaySynchroniser(
        artifact_store,
        found.driver,
        publisher,
        namespaces=namespaces,
        shared_port=config.shared_port,
        port_range=config.gateway_ports,
        notifier=nudges,
        exposure=found.gateway_exposure,
        leadership=found.leadership,
    )
    nudges.connect(deployments, synchroniser)
    refused = refusals.RefusalEvents(publisher, leading=lambda: found.leadership.is_leader)
    releases: release_controller.ReleaseController | None = None  # made over the API's services, below
    metrics = collector.AgentMetrics(
        config.agents,
        namespace=config.namespace,
        on_refused=refused.observe,
        discover=None if config.agents_dns is None else discovery.DnsAgents(*config.agents_dns),
    )
    about = info.About(
        version=__version__,
        uuid=str(uuid.uuid4()),
        running_since=datetime.now(UTC),
        persistence=config.persistence,
        gateway_driver=config.gateway_driver,
    )
    parts = api_app.Parts(
        store=artifact_store,
        driver=found.driver,
        metrics=metrics,
        publisher=publisher,
        plans=synchroniser.board,
        notifier=nudges,
        about=about,
        tokens=artifact_store,
        refusals=metrics,
        instruments=monitoring.Instruments(
            queues=(deployments.queue, synchroniser.queue),
            store=artifact_store.durations,
            leading=lambda: found.leadership.is_leader,
            releases=lambda: [] if releases is None else releases.gauges(),
        ),
    )
    if found.environments is not None:
        parts = dataclasses.replace(parts, environments=found.environments)
    if found.workflows is not None:
        parts = dataclasses.replace(parts, workflow_runtime=found.workflows)
    app = api_app.create_app(
        parts,
        api_app.Settings(
            namespace=config.namespace,
            gateway_host=config.gateway_host,
            allow_command_deployables=config.allow_command_deployables,
            cors_origins=config.cors_origins,
            max_body=config.max_body,
            scale_limits=api_app.scale_limits(config.max_instances, config.max_cpu, config.max_memory),
            api_port=config.port,
            gateway_ports=config.gateway_ports,
            shared_port=config.shared_port,
        ),
    )
    http = http_server.Server(
        uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=GRACEFUL_SECONDS
        )
    )
    api = api_app.services_of(app)
    gates = webhooks.HttpGates()
    releases = release_controller.ReleaseController(
        api.releases, api.gateways, api.deployments, metrics, gates=gates
    )
    releases.listen(artifact_store)
    workflows = None
    if found.workflows is not None:
        workflows = workflow_controller.WorkflowController(
            artifact_store,
            found.workflows,
            publisher,
            api.tokens,
            api_url=config.workflow_api_url or config.url,
            namespaces=namespaces,
        )
        workflows.listen(artifact_store)
    return _Assembled(deployments, synchroniser, metrics, http, api, releases, gates, workflows)


async def _run(
    config: settings.Settings,
    artifact_store: sql.SqlStore,
    found: runtimes.Runtime,
    listening: socket.socket,
    stop: asyncio.Event,
    ready: Callable[[], None] | None,
) -> None:
    stored = await artifact_store.namespaces()
    namespaces = sorted({config.namespace, *(name for name in stored if access.split_namespace(name))})
    parts = _assemble(config, artifact_store, found, namespaces)
    await parts.api.tenants.adopt(namespaces)
    await _server_tokens(config, parts.api.tokens)
    # A new leader resynchronises the gateways: it writes and exposes what it only computed before.
    leading = [parts.deployments.run, parts.synchroniser.resync, parts.releases.run]
    leading += _sla_loops(config, artifact_store, parts)
    if parts.workflows is not None:
        leading.append(parts.workflows.run)
    async with parts.metrics, contextlib.aclosing(parts.gates), asyncio.TaskGroup() as group:
        serving = group.create_task(parts.http.serve(sockets=[listening]), name="api")
        group.create_task(found.leadership.run(), name="leadership")
        loops = [
            group.create_task(parts.metrics.run(), name="metrics collector"),
            group.create_task(parts.synchroniser.run(), name="gateway synchroniser"),
            group.create_task(_lead(found.leadership, leading), name="leading"),
        ]
        while not parts.http.started and not serving.done():
            await asyncio.sleep(0.01)
        if serving.done():
            stop.set()  # the HTTP server ended before it started: shut down, with its error if any
        else:
            log.info(
                "vamp server %s: API on %s, store %s, %s driver, namespaces %s.",
                __version__,
                config.url,
                config.persistence,
                found.driver.name,
                ", ".join(namespaces),
            )
            if ready is not None:
                ready()
        # What the start built (the app, its routes and schemas, the store's compiled queries) lives as
        # long as the server: out of the way of full collections, which would otherwise walk it all and
        # stall every request and plan for up to 150 ms now and then (``serving_tuned`` unfreezes it).
        gc.freeze()
        await stop.wait()
        log.info("vamp server: stopping.")
        parts.http.should_exit = True
        await serving
        for task in loops:
            task.cancel()
        found.leadership.stop()  # the election hands the leadership over; the task group waits for it


def _sla_loops(
    config: settings.Settings, artifact_store: sql.SqlStore, parts: _Assembled
) -> list[Callable[[], Coroutine[Any, Any, None]]]:
    """The SLA monitor and the escalator over the API's services, unless ``--sla-period 0``."""
    if config.sla_period <= 0:
        return []
    api = parts.api
    judged = sla_monitor.SlaMonitor(
        artifact_store, api.deployments, api.artifacts, parts.metrics, api.publisher, period=config.sla_period
    )
    limits = api_app.scale_limits(config.max_instances, config.max_cpu, config.max_memory)
    acting = sla_escalator.Escalator(api.deployments, api.artifacts, api.publisher, limits=limits)
    acting.listen(artifact_store)
    return [judged.run, acting.run]


async def _server_tokens(config: settings.Settings, tokens: token_service.Tokens) -> None:
    """Set the server's own tokens: the admin token (given, or kept in ``HOME/admin-token``, or made now
    at the first start and written there) and the agents' token when given; and note in ``HOME/api-url``
    which server the home's admin token is for, so the CLI on this machine finds it."""
    home_file = config.home / credentials.ADMIN_TOKEN
    secret = config.admin_token or credentials.read_secret(home_file)
    if secret is not None:
        await tokens.ensure("admin", access.Role.ADMIN, secret)
    elif not await tokens.has("admin", access.Scope(access.ScopeKind.SERVER)):
        secret = token_service.mint()
        credentials.write_private(home_file, secret + "\n")
        await tokens.ensure("admin", access.Role.ADMIN, secret)
        log.info("Made the admin token; it is in %s.", home_file)
    else:
        log.info("The admin token was made by an earlier start; its secret is not in %s.", home_file)
    if config.agent_token is not None:
        await tokens.ensure("agent", access.Role.AGENT, config.agent_token)
    credentials.write_private(config.home / credentials.API_URL, config.url + "\n")


async def _lead(
    leader: leadership.Leadership, loops: Sequence[Callable[[], Coroutine[Any, Any, None]]]
) -> None:
    """Run ``loops`` while this server leads; stop them when it stops leading, and wait to lead again.

    A loop may also return early: it did what a new leader has to do once.
    """
    while True:
        await leader.wait_until_leader()
        log.info("This server leads: reconciling.")
        async with asyncio.TaskGroup() as group:
            running = [
                group.create_task(loop(), name=getattr(loop, "__qualname__", "loop")) for loop in loops
            ]
            while leader.is_leader:
                await asyncio.sleep(LEADERSHIP_CHECK)
            log.warning("This server no longer leads: it stops reconciling.")
            for task in running:
                task.cancel()


class _QuietShutdown(logging.Filter):
    """Drops uvicorn's errors about the requests it cancels when the server stops: event streams and
    long polls never end by themselves, so their cancellation is the normal way for them to end."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False
        return "timeout graceful shutdown exceeded" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_QuietShutdown())
