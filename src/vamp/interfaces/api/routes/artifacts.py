"""``/api/v1/{kind}`` and ``/api/v1/{kind}/{name}`` for the kinds that are only stored.

Breeds, blueprints, scales, SLAs, escalations, conditions, routes, rewrites and templates answer at once:
POST 201 (202 for several documents), PUT 200, DELETE 204. Workflows are stored too, and as a background
kind answer 202; a workflow's DELETE stops it (status ``stopping``: the workflow controller deletes it
once its runs are gone), and its status and executions have routes of their own (``workflows.py``).
Gateways and deployments have routes of their own (``gateways.py``, ``deployments.py``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vamp import errors
from vamp.core import model
from vamp.interfaces.api import negotiation, pagination, representation
from vamp.interfaces.api.context import Services, Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.interfaces.api.routes import bodies
from vamp.services import references

STORED_KINDS = tuple(kind for kind in model.KINDS if kind not in ("gateways", "deployments"))
BACKGROUND_KINDS = frozenset({"workflows"})

router = APIRouter(tags=["artifacts"], dependencies=[Depends(negotiation.check_accept)])


def _kind(kind: str) -> str:
    if kind not in STORED_KINDS:
        raise errors.NotFoundError(f"There is no kind '{kind}'; the kinds are: {', '.join(model.KINDS)}.")
    return kind


def _status(kind: str, immediate: int) -> int:
    return 202 if kind in BACKGROUND_KINDS else immediate


async def shown(
    services: Services, namespace: str, artifact: model.Artifact, *, expand: bool, only: bool
) -> model.Artifact:
    """The artifact with its references expanded or collapsed, as a GET asks."""
    if expand:
        artifact = await services.artifacts.expanded(namespace, artifact)
    return references.only_references(artifact) if only else artifact


@router.get("/{kind}", summary="List artifacts of a kind")
async def list_artifacts(
    request: Request,
    kind: str,
    namespace: Namespace,
    services: Wired,
    paged: pagination.Paged,
    expand_references: bool = False,
    only_references: bool = False,
) -> Response:
    page = await services.artifacts.page(namespace, _kind(kind), offset=paged.offset, limit=paged.per_page)
    items = [
        representation.artifact(
            await shown(services, namespace, item, expand=expand_references, only=only_references)
        )
        for item in page.items
    ]
    return negotiation.render(request, items, 200, pagination.headers(request, paged, page.total))


@router.post("/{kind}", summary="Create artifacts of a kind", openapi_extra=bodies.DOCUMENT)
async def create_artifacts(
    request: Request, kind: str, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read(namespace, text, kind=_kind(kind))
    bodies.required(items, kind)
    stored = await services.bulk.save(namespace, items, source=text, validate_only=validate_only)
    status = _status(kind, 201) if len(items) == 1 else 202
    return negotiation.render(request, bodies.reply(stored), status)


@router.put("/{kind}", summary="Create or update artifacts of a kind", openapi_extra=bodies.DOCUMENT)
async def update_artifacts(
    request: Request, kind: str, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read(namespace, text, kind=_kind(kind))
    stored = await services.bulk.save(namespace, items, source=text, validate_only=validate_only)
    return negotiation.render(request, bodies.shown_all(stored), 202)


@router.delete("/{kind}", summary="Delete artifacts of a kind", openapi_extra=bodies.DOCUMENT)
async def delete_artifacts(
    request: Request, kind: str, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read_deletions(namespace, text, kind=_kind(kind))
    deleted = await services.bulk.delete(namespace, items, validate_only=validate_only)
    return negotiation.render(request, bodies.shown_all(deleted), 202)


@router.get("/{kind}/{name}", summary="Read an artifact")
async def read_artifact(
    request: Request,
    kind: str,
    name: str,
    namespace: Namespace,
    services: Wired,
    expand_references: bool = False,
    only_references: bool = False,
) -> Response:
    found = await services.artifacts.get(namespace, _kind(kind), name)
    found = await shown(services, namespace, found, expand=expand_references, only=only_references)
    return negotiation.render(request, representation.artifact(found))


@router.put("/{kind}/{name}", summary="Create or update an artifact", openapi_extra=bodies.DOCUMENT)
async def update_artifact(
    request: Request, kind: str, name: str, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read(namespace, text, kind=_kind(kind))
    bodies.one(items, kind, name, model.Model)
    stored = await services.bulk.save(namespace, items, source=text, validate_only=validate_only)
    return negotiation.render(request, bodies.reply(stored), _status(kind, 200))


@router.delete("/{kind}/{name}", summary="Delete an artifact")
async def delete_artifact(
    request: Request, kind: str, name: str, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    if kind == "workflows":
        stopped = await services.workflows.stop(namespace, name, validate_only=validate_only)
        return negotiation.render(request, [] if stopped is None else [bodies.shown(stopped)], 202)
    await services.artifacts.delete(namespace, _kind(kind), name, validate_only=validate_only)
    return Response(status_code=204)
