"""What the API's route handlers are given: the services, and the settings that shape answers.

Built once by ``app.create_app`` and kept on the application's state; a handler asks for it with the
``Wired`` parameter type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request

from vamp.services import (
    artifacts,
    bulk,
    deployments,
    event_log,
    events,
    gateway_artifacts,
    info,
    measurements,
    routing_preview,
)
from vamp.services import gateways as gateway_sync
from vamp.services.access import tenants, tokens
from vamp.services.releases import policies
from vamp.services.workflows import requests as workflow_requests


@dataclass(frozen=True, slots=True)
class Services:
    tokens: tokens.Tokens
    tenants: tenants.Tenants
    artifacts: artifacts.ArtifactService
    gateways: gateway_artifacts.GatewayService
    deployments: deployments.DeploymentService
    bulk: bulk.Bulk
    event_log: event_log.EventLog
    publisher: events.Events
    measurements: measurements.Measurements
    info: info.InfoService
    preview: routing_preview.RoutingPreview
    releases: policies.Releases
    workflows: workflow_requests.WorkflowRequests
    plans: gateway_sync.PlanBoard
    """The routing plan of every namespace; called with one, its ``PlanHolder``."""
    gateway_host: str
    """Where gateways are reached, shown as each gateway's ``service.host``."""
    heartbeat: float
    """Seconds between the SSE stream's keep-alive comments."""
    longest_wait: float
    """The longest a routing-plan long poll may wait, in seconds."""
    config: Mapping[str, Any]
    """The server's ``vamp.*`` configuration keys but the namespace, flat (``routes/config``)."""


async def services(request: Request) -> Services:
    # A coroutine, so FastAPI calls it on the event loop rather than handing it to a worker thread.
    return services_of(request.app)


def services_of(app: FastAPI) -> Services:
    found: Services = app.state.services
    return found


Wired = Annotated[Services, Depends(services)]
"""A route parameter: the services and settings."""
