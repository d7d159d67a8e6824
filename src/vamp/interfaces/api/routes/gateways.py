"""``/api/v1/gateways``: free-standing gateways and the gateways of deployments (vamp.md §1.9, §2.2).

A gateway's name may hold slashes (``sava/sava/webport``): in a URL it is encoded (``sava%2Fsava%2Fwebport``)
or written as it is. Writes answer 202, as Vamp's background kinds do; each gateway is shown against the
namespace's current routing plan (``deployed``, route ``targets``) and what the gateway agents refused
(``refused``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vamp.core import model
from vamp.interfaces.api import negotiation, pagination, representation
from vamp.interfaces.api.context import Services, Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.interfaces.api.routes import artifacts, bodies

KIND = "gateways"

router = APIRouter(prefix="/gateways", tags=["gateways"], dependencies=[Depends(negotiation.check_accept)])


def _views(services: Services, namespace: str) -> representation.GatewayViews:
    holder = services.plans(namespace)
    refused = services.info.refused(namespace)
    return representation.GatewayViews(holder.current(), services.gateway_host, holder.addresses, refused)


def _shown(services: Services, namespace: str, stored: list[model.Artifact]) -> list[object]:
    views = _views(services, namespace)
    return [views.gateway(item) if isinstance(item, model.Gateway) else bodies.shown(item) for item in stored]


@router.get("", summary="List gateways, free-standing and of deployments")
async def list_gateways(
    request: Request,
    namespace: Namespace,
    services: Wired,
    paged: pagination.Paged,
    expand_references: bool = False,
) -> Response:
    page = await services.gateways.page(namespace, offset=paged.offset, limit=paged.per_page)
    found = [
        await artifacts.shown(services, namespace, item, expand=expand_references, only=False)
        for item in page.items
    ]
    shown = _shown(services, namespace, found)
    return negotiation.render(request, shown, 200, pagination.headers(request, paged, page.total))


@router.post("", summary="Create or update gateways", openapi_extra=bodies.DOCUMENT)
async def create_gateways(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read(namespace, text, kind=KIND)
    bodies.required(items, KIND)
    shown = _shown(
        services,
        namespace,
        await services.bulk.save(namespace, items, source=text, validate_only=validate_only),
    )
    return negotiation.render(request, shown[0] if len(shown) == 1 else shown, 202)


@router.put("", summary="Create or update gateways", openapi_extra=bodies.DOCUMENT)
async def update_gateways(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read(namespace, text, kind=KIND)
    stored = await services.bulk.save(namespace, items, source=text, validate_only=validate_only)
    return negotiation.render(request, _shown(services, namespace, stored), 202)


@router.delete("", summary="Delete gateways", openapi_extra=bodies.DOCUMENT)
async def delete_gateways(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read_deletions(namespace, text, kind=KIND)
    deleted = await services.bulk.delete(namespace, items, validate_only=validate_only)
    return negotiation.render(request, _shown(services, namespace, deleted), 202)


@router.get("/{name:path}", summary="Read a gateway")
async def read_gateway(
    request: Request, name: str, namespace: Namespace, services: Wired, expand_references: bool = False
) -> Response:
    found = await services.gateways.get(namespace, name)
    shown = await artifacts.shown(services, namespace, found, expand=expand_references, only=False)
    return negotiation.render(request, _shown(services, namespace, [shown])[0])


@router.put("/{name:path}", summary="Create or update a gateway", openapi_extra=bodies.DOCUMENT)
async def update_gateway(
    request: Request, name: str, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    gateway = bodies.one(await services.bulk.read(namespace, text, kind=KIND), KIND, name, model.Gateway)
    saved = await services.gateways.save(namespace, gateway, source=text, validate_only=validate_only)
    return negotiation.render(request, _views(services, namespace).gateway(saved), 202)


@router.delete("/{name:path}", summary="Delete a gateway")
async def delete_gateway(
    request: Request, name: str, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    await services.gateways.delete(namespace, name, validate_only=validate_only)
    return Response(status_code=202)
