"""The API's routes, one module per area; the routers put them in the order they must be matched.

``server_router`` holds what belongs to the server rather than a namespace — liveness, organisations and
environments, tokens — served under ``/api/v1`` only and matched first. ``api_router`` holds every
namespaced route, each behind ``access.authorised``; specific paths come before the generic ``/{kind}``
routes of the static kinds, so ``/events/stream`` or ``/info`` never reads as an artifact kind and name.
"""

from fastapi import APIRouter, Depends

from vamp.interfaces.api import access
from vamp.interfaces.api.routes import (
    artifacts,
    bulk,
    config,
    deployments,
    events,
    gateways,
    liveness,
    monitoring,
    organisations,
    releases,
    system,
    tokens,
    traffic,
    workflows,
)

PREFIX = "/api/v1"


def server_router() -> APIRouter:
    """The routes of the server itself: ``/healthz`` (no token), ``/metrics``, organisations and tokens."""
    router = APIRouter()
    router.include_router(liveness.router)
    router.include_router(monitoring.router)
    for area in (organisations, tokens):
        router.include_router(area.router, prefix=PREFIX)
    return router


def api_router() -> APIRouter:
    """Every route of ``/api/v1`` that acts in a namespace."""
    router = APIRouter(dependencies=[Depends(access.authorised)])
    for area in (
        system,
        config,
        events,
        traffic,
        gateways,
        deployments,
        bulk,
        releases,
        workflows,
        artifacts,
    ):
        router.include_router(area.router, prefix=PREFIX)
    return router
