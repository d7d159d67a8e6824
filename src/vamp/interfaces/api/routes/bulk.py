"""``POST``/``PUT``/``DELETE /api/v1``: documents of any kinds in one body, each saying its kind. 202."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vamp.interfaces.api import negotiation
from vamp.interfaces.api.context import Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.interfaces.api.routes import bodies

router = APIRouter(tags=["bulk"], dependencies=[Depends(negotiation.check_accept)])


@router.put(
    "",
    summary="Create or update artifacts of any kinds",
    name="update_all",
    openapi_extra=bodies.DOCUMENT,
)
@router.post(
    "",
    summary="Create or update artifacts of any kinds",
    name="create_all",
    openapi_extra=bodies.DOCUMENT,
)
async def save_all(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read(namespace, text, kind=None)
    stored = await services.bulk.save(namespace, items, source=text, validate_only=validate_only)
    return negotiation.render(request, bodies.shown_all(stored), 202)


@router.delete("", summary="Delete artifacts of any kinds", openapi_extra=bodies.DOCUMENT)
async def delete_all(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read_deletions(namespace, text, kind=None)
    deleted = await services.bulk.delete(namespace, items, validate_only=validate_only)
    return negotiation.render(request, bodies.shown_all(deleted), 202)
