"""``POST``/``PUT``/``DELETE /api/v1``: documents of any kinds in one body, each saying its kind. 202."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vamp.interfaces.api import negotiation
from vamp.interfaces.api.context import Services, Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.interfaces.api.routes import bodies

router = APIRouter(tags=["bulk"], dependencies=[Depends(negotiation.check_accept)])


async def _save(request: Request, namespace: str, services: Services, validate_only: bool) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read(namespace, text, kind=None)
    stored = await services.bulk.save(namespace, items, source=text, validate_only=validate_only)
    return negotiation.render(request, [bodies.shown(artifact) for artifact in stored], 202)


@router.post("", summary="Create or update artifacts of any kinds", openapi_extra=bodies.DOCUMENT)
async def create_all(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    return await _save(request, namespace, services, validate_only)


@router.put("", summary="Create or update artifacts of any kinds", openapi_extra=bodies.DOCUMENT)
async def update_all(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    return await _save(request, namespace, services, validate_only)


@router.delete("", summary="Delete artifacts of any kinds", openapi_extra=bodies.DOCUMENT)
async def delete_all(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read(namespace, text, kind=None)
    deleted = await services.bulk.delete(namespace, items, validate_only=validate_only)
    return negotiation.render(request, [bodies.shown(artifact) for artifact in deleted], 202)
