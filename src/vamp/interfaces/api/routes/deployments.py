"""``/api/v1/deployments``: deploy, merge and slice blueprints; scale and SLA sub-resources (vamp.md §3).

``POST`` deploys each blueprint of the body into the deployment of its name (merging when it exists);
``PUT /{name}`` merges into ``name`` (or slices, with ``?delete=true``); ``DELETE /{name}`` slices the
services of the body out (an empty body changes nothing); ``DELETE`` slices each document's services out
of the deployment of its name, or undeploys it whole when the document gives only its name (as Vamp's
bulk ``DELETE`` does, ``services.bulk``). Every write answers 202 with what was stored:
the inline breeds and the deployment. ``?as_blueprint=true`` shows a deployment as the blueprint that
would deploy it again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vamp.core import deployments as core_deployments
from vamp.core import model
from vamp.interfaces.api import negotiation, pagination, representation
from vamp.interfaces.api.context import Services, Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.interfaces.api.routes import bodies
from vamp.services import documents, references

KIND = "deployments"

router = APIRouter(
    prefix="/deployments", tags=["deployments"], dependencies=[Depends(negotiation.check_accept)]
)


def _shown(found: model.Deployment, *, as_blueprint: bool, only_references: bool) -> dict[str, Any]:
    if as_blueprint:
        blueprint = core_deployments.as_blueprint(found)
        return representation.artifact(
            references.only_references(blueprint) if only_references else blueprint
        )
    return representation.deployment(found, only_references=only_references)


async def _blueprints(request: Request, namespace: str, services: Services) -> list[model.Blueprint]:
    return await services.deployments.read(namespace, await negotiation.body_text(request))


@router.get("", summary="List deployments")
async def list_deployments(
    request: Request,
    namespace: Namespace,
    services: Wired,
    paged: pagination.Paged,
    as_blueprint: bool = False,
    only_references: bool = False,
) -> Response:
    page = await services.deployments.page(namespace, offset=paged.offset, limit=paged.per_page)
    items = [_shown(item, as_blueprint=as_blueprint, only_references=only_references) for item in page.items]
    return negotiation.render(request, items, 200, pagination.headers(request, paged, page.total))


@router.post("", summary="Deploy blueprints", openapi_extra=bodies.DOCUMENT)
async def deploy(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    blueprints = await _blueprints(request, namespace, services)
    bodies.required(blueprints, "blueprints")
    stored = await services.deployments.deploy(namespace, blueprints, validate_only=validate_only)
    return negotiation.render(request, bodies.shown_all(stored), 202)


@router.put("", summary="Deploy blueprints", openapi_extra=bodies.DOCUMENT)
async def deploy_all(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    blueprints = await _blueprints(request, namespace, services)
    stored = await services.deployments.deploy(namespace, blueprints, validate_only=validate_only)
    return negotiation.render(request, bodies.shown_all(stored), 202)


@router.delete("", summary="Slice the services of blueprints out of the deployments of their names")
async def slice_all(
    request: Request, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    text = await negotiation.body_text(request)
    items = await services.bulk.read_deletions(namespace, text, kind=KIND)
    stored = await services.bulk.delete(namespace, items, validate_only=validate_only)
    return negotiation.render(request, bodies.shown_all(stored), 202)


@router.get("/{name}", summary="Read a deployment")
async def read_deployment(
    request: Request,
    name: str,
    namespace: Namespace,
    services: Wired,
    as_blueprint: bool = False,
    only_references: bool = False,
) -> Response:
    found = await services.deployments.get(namespace, name)
    return negotiation.render(
        request, _shown(found, as_blueprint=as_blueprint, only_references=only_references)
    )


@router.put(
    "/{name}", summary="Merge blueprints into a deployment (or slice them out)", openapi_extra=bodies.DOCUMENT
)
async def merge(
    request: Request,
    name: str,
    namespace: Namespace,
    services: Wired,
    validate_only: bool = False,
    delete: bool = False,
) -> Response:
    blueprints = await _blueprints(request, namespace, services)
    if delete:
        stored = await services.deployments.slice(namespace, name, blueprints, validate_only=validate_only)
    else:
        bodies.required(blueprints, "blueprints")
        stored = await services.deployments.deploy(
            namespace, blueprints, name=name, validate_only=validate_only
        )
    return negotiation.render(request, bodies.shown_all(stored), 202)


@router.delete("/{name}", summary="Slice services out of a deployment", openapi_extra=bodies.DOCUMENT)
async def slice(
    request: Request, name: str, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    blueprints = await _blueprints(request, namespace, services)
    stored = await services.deployments.slice(namespace, name, blueprints, validate_only=validate_only)
    return negotiation.render(request, bodies.shown_all(stored), 202)


@router.get("/{name}/clusters/{cluster}/services/{service}/scale", summary="Read a service's scale")
async def read_scale(
    request: Request, name: str, cluster: str, service: str, namespace: Namespace, services: Wired
) -> Response:
    scale = await services.deployments.scale(namespace, name, cluster, service)
    return negotiation.render(request, representation.artifact(scale))


@router.put(
    "/{name}/clusters/{cluster}/services/{service}/scale",
    summary="Scale a service (it is deployed again)",
    openapi_extra=bodies.DOCUMENT,
)
async def update_scale(
    request: Request,
    name: str,
    cluster: str,
    service: str,
    namespace: Namespace,
    services: Wired,
    validate_only: bool = False,
) -> Response:
    text = await negotiation.body_text(request)
    given = await documents.read_part(services.artifacts, namespace, text, "scales", model.Scale)
    scale = await services.deployments.set_scale(
        namespace, name, cluster, service, given, validate_only=validate_only
    )
    return negotiation.render(request, representation.artifact(scale), 202)


@router.get("/{name}/clusters/{cluster}/sla", summary="Read a cluster's SLA")
async def read_sla(
    request: Request, name: str, cluster: str, namespace: Namespace, services: Wired
) -> Response:
    sla = await services.deployments.sla(namespace, name, cluster)
    return negotiation.render(request, representation.cluster_sla(sla))


@router.put(
    "/{name}/clusters/{cluster}/sla",
    summary="Set a cluster's SLA",
    name="update_sla",
    openapi_extra=bodies.DOCUMENT,
)
@router.post(
    "/{name}/clusters/{cluster}/sla",
    summary="Set a cluster's SLA",
    name="create_sla",
    openapi_extra=bodies.DOCUMENT,
)
async def set_sla(
    request: Request,
    name: str,
    cluster: str,
    namespace: Namespace,
    services: Wired,
    validate_only: bool = False,
) -> Response:
    text = await negotiation.body_text(request)
    given = await documents.read_part(services.artifacts, namespace, text, "slas", model.Sla)
    sla = await services.deployments.set_sla(namespace, name, cluster, given, validate_only=validate_only)
    return negotiation.render(request, representation.artifact(sla), 202)


@router.delete("/{name}/clusters/{cluster}/sla", summary="Remove a cluster's SLA")
async def delete_sla(
    name: str, cluster: str, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    await services.deployments.remove_sla(namespace, name, cluster, validate_only=validate_only)
    return Response(status_code=204)
