"""The API's routes, one module per area; ``api_router`` puts them in the order they must be matched.

Specific paths come before the generic ``/{kind}`` routes of the static kinds, so ``/events/stream``
or ``/info`` never reads as an artifact kind and name.
"""

from fastapi import APIRouter

from vamp.interfaces.api.routes import artifacts, bulk, deployments, events, gateways, system, traffic

PREFIX = "/api/v1"


def api_router() -> APIRouter:
    """Every route of ``/api/v1``."""
    router = APIRouter()
    for area in (system, events, traffic, gateways, deployments, bulk, artifacts):
        router.include_router(area.router, prefix=PREFIX)
    return router
