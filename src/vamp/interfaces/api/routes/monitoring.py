"""``/metrics``: the server's own metrics in Prometheus' text format (``interfaces.api.monitoring``).

Any valid token may scrape it — an agent's, a reader's, the admin's — with ``Authorization: Bearer
TOKEN`` (Prometheus' ``authorization`` or ``bearer_token_file`` in its scrape config): the page names
routes, never tenants, artifacts or secrets, so the token's role and scope do not matter; without a
token it is 401 like every route but ``/healthz``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from vamp.interfaces.api import monitoring
from vamp.interfaces.api.access import Caller

router = APIRouter(tags=["system"])


@router.get(
    "/metrics",
    summary="The server's metrics for Prometheus (any valid token)",
    response_class=Response,
    responses={200: {"content": {monitoring.CONTENT_TYPE: {}}}},
)
async def metrics(request: Request, _: Caller) -> Response:
    page = monitoring.exposition(request.app.state.monitoring)
    return Response(page, media_type=monitoring.CONTENT_TYPE)
