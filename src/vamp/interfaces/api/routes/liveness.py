"""``/healthz``: whether the server is up and its store answers — the one route that needs no token.

For probes (Kubernetes' liveness and readiness, ``vamp up`` waiting for its server): 200
``{"status": "ok"}``, or 503 with the store's error. It tells nothing about any tenant.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from vamp import errors
from vamp.interfaces.api.context import Wired

router = APIRouter(tags=["system"])


@router.get("/healthz", summary="Liveness: the server and its store answer (no token needed)")
async def healthz(services: Wired) -> Response:
    try:
        await services.tenants.organisations()
    except errors.StoreError as exc:
        return JSONResponse({"status": "unavailable", "message": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok"})
