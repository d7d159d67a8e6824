"""``/api/v1/organisations`` and their ``/environments``: the tenants of the server.

* ``GET|POST /organisations`` and ``GET|DELETE /organisations/{org}``: admins create and delete
  organisations; every token sees the organisations its scope reaches into.
* ``GET|POST /organisations/{org}/environments`` and ``GET|DELETE .../environments/{env}``: the
  organisation's owners (and admins) create and delete environments; a token sees the environments its
  scope covers. Deleting one that holds deployments or gateways is 409 naming them, unless
  ``?force=true``, which undeploys them first.

Bodies are ``{"name": "acme"}``, JSON or YAML. These routes are served under ``/api/v1`` only: they are
the server's, not a namespace's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from vamp import errors
from vamp.core import access
from vamp.interfaces.api import negotiation, request_bodies
from vamp.interfaces.api.access import Caller
from vamp.interfaces.api.context import Services, Wired
from vamp.interfaces.api.routes import bodies

router = APIRouter(tags=["access"], dependencies=[Depends(negotiation.check_accept)])

Force = Annotated[
    bool, Query(description="Undeploy and delete what the environment holds instead of refusing.")
]


def _environment(organisation: str, name: str) -> dict[str, Any]:
    return {"name": name, "organisation": organisation, "namespace": access.namespace_of(organisation, name)}


def _may(token: access.Token, permission: access.Permission, organisation: str) -> None:
    """Raises ``errors.ForbiddenError`` unless ``token`` may ``permission`` all of ``organisation``."""
    if permission not in access.ROLE_TABLE[token.role] or not token.scope.covers_organisation(organisation):
        who = (
            "an admin token"
            if permission is access.Permission.ADMINISTER
            else (f"an owner token of organisation {organisation!r}, or an admin token")
        )
        raise errors.ForbiddenError(
            f"The token {token.name!r} ({token.role.value} of {token.scope}) may not do this: it needs {who}."
        )


def _sees(token: access.Token, organisation: str) -> None:
    if not token.scope.touches_organisation(organisation):
        raise errors.ForbiddenError(
            f"The token {token.name!r} ({token.role.value} of {token.scope}) does not reach organisation "
            f"{organisation!r}: that needs a token whose scope is the server, the organisation "
            f"{organisation!r}, or one of its environments ('{organisation}-ENVIRONMENT')."
        )


async def _environments(services: Services, token: access.Token, organisation: str) -> list[str]:
    _sees(token, organisation)
    return [
        name
        for name in await services.tenants.environments(organisation)
        if token.scope.covers_namespace(access.namespace_of(organisation, name))
    ]


@router.get("/organisations", summary="List organisations")
async def list_organisations(request: Request, services: Wired, token: Caller) -> Response:
    names = [
        name for name in await services.tenants.organisations() if token.scope.touches_organisation(name)
    ]
    return negotiation.render(request, [{"name": name} for name in names])


@router.post("/organisations", summary="Create an organisation", openapi_extra=bodies.DOCUMENT)
async def create_organisation(request: Request, services: Wired, token: Caller) -> Response:
    _may(token, access.Permission.ADMINISTER, "")
    name = (await request_bodies.mapping(request, required=("name",)))["name"]
    await services.tenants.create_organisation(name)
    return negotiation.render(request, {"name": name, "environments": []}, 201)


@router.get("/organisations/{organisation}", summary="Read an organisation")
async def read_organisation(request: Request, organisation: str, services: Wired, token: Caller) -> Response:
    environments = await _environments(services, token, organisation)
    return negotiation.render(request, {"name": organisation, "environments": environments})


@router.delete("/organisations/{organisation}", summary="Delete an organisation and its environments")
async def delete_organisation(
    organisation: str, services: Wired, token: Caller, force: Force = False
) -> Response:
    _may(token, access.Permission.ADMINISTER, organisation)
    await services.tenants.delete_organisation(organisation, force=force)
    return Response(status_code=204)


@router.get("/organisations/{organisation}/environments", summary="List an organisation's environments")
async def list_environments(request: Request, organisation: str, services: Wired, token: Caller) -> Response:
    names = await _environments(services, token, organisation)
    return negotiation.render(request, [_environment(organisation, name) for name in names])


@router.post(
    "/organisations/{organisation}/environments",
    summary="Create an environment (the namespace <organisation>-<environment>)",
    openapi_extra=bodies.DOCUMENT,
)
async def create_environment(request: Request, organisation: str, services: Wired, token: Caller) -> Response:
    _may(token, access.Permission.MANAGE, organisation)
    name = (await request_bodies.mapping(request, required=("name",)))["name"]
    await services.tenants.create_environment(organisation, name)
    return negotiation.render(request, _environment(organisation, name), 201)


@router.get("/organisations/{organisation}/environments/{environment}", summary="Read an environment")
async def read_environment(
    request: Request, organisation: str, environment: str, services: Wired, token: Caller
) -> Response:
    namespace = access.namespace_of(organisation, environment)
    if not token.scope.covers_namespace(namespace):
        raise errors.ForbiddenError(
            f"The token {token.name!r} ({token.role.value} of {token.scope}) does not reach {namespace!r}: "
            f"that needs a token whose scope is the server, the organisation {organisation!r}, or "
            f"{namespace!r} itself."
        )
    if environment not in await services.tenants.environments(organisation):
        raise errors.NotFoundError(f"Organisation {organisation!r} has no environment {environment!r}.")
    return negotiation.render(request, _environment(organisation, environment))


@router.delete("/organisations/{organisation}/environments/{environment}", summary="Delete an environment")
async def delete_environment(
    organisation: str, environment: str, services: Wired, token: Caller, force: Force = False
) -> Response:
    _may(token, access.Permission.MANAGE, organisation)
    await services.tenants.delete_environment(organisation, environment, force=force)
    return Response(status_code=204)
