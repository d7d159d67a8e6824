"""``/api/v1/tokens``: create, list and revoke API tokens; ``/api/v1/tokens/self``: the caller's own.

A POST body is ``{"name": "ci", "role": "operator", "scope": "acme-prod"}`` (JSON or YAML), with an
optional ``expires`` (an ISO 8601 time, or a lifetime such as ``30d``); the 201 answer carries the secret
once, in ``token``. A scope of no organisation or environment is 404 saying how to create it, decided
after the caller is found allowed there, so nobody learns what exists beyond its reach. Lists show what
the caller may manage; a token is revoked by name within a scope (``?scope=``, the caller's own scope by
default). Tokens are managed by owners (of their organisation) and admins; every valid token may read
``/tokens/self``. A token that manages no tokens is refused before its body is read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from vamp import errors
from vamp.core import access
from vamp.interfaces.api import negotiation, request_bodies
from vamp.interfaces.api.access import Caller
from vamp.interfaces.api.context import Wired
from vamp.interfaces.api.routes import bodies
from vamp.services.access import tokens as token_service

router = APIRouter(tags=["access"], dependencies=[Depends(negotiation.check_accept)])


def shown(token: access.Token) -> dict[str, Any]:
    """A token as the API shows it: never its secret nor its digest."""
    return {
        "name": token.name,
        "role": token.role.value,
        "scope": str(token.scope),
        "created": token.created.isoformat(),
        "expires": None if token.expires is None else token.expires.isoformat(),
        "last_used": None if token.last_used is None else token.last_used.isoformat(),
        "created_by": token.created_by,
    }


@router.get("/tokens", summary="List the tokens the caller manages")
async def list_tokens(request: Request, services: Wired, token: Caller) -> Response:
    return negotiation.render(request, [shown(found) for found in await services.tokens.visible(token)])


@router.get("/tokens/self", summary="The caller's own token")
async def own_token(request: Request, token: Caller) -> Response:
    return negotiation.render(request, shown(token))


@router.post("/tokens", summary="Create a token (its secret is shown once)", openapi_extra=bodies.DOCUMENT)
async def create_token(request: Request, services: Wired, token: Caller) -> Response:
    services.tokens.manages_tokens(token)
    body = await request_bodies.mapping(request, required=("name", "role", "scope"), optional=("expires",))
    try:
        role = access.Role(body["role"])
    except ValueError:
        raise errors.RequestError(
            f"Invalid role {body['role']!r}: one of {', '.join(role.value for role in access.Role)}."
        ) from None
    scope = services.tokens.scope(body["scope"])
    expires = body.get("expires")
    when = None if expires is None else token_service.expiry(str(expires), services.tokens.now())
    services.tokens.may_grant(token, role, scope)
    await services.tenants.check_scope(scope)
    created, secret = await services.tokens.create(token, body["name"], role, scope, expires=when)
    return negotiation.render(request, {**shown(created), "token": secret}, 201)


@router.delete("/tokens/{name}", summary="Revoke a token")
async def revoke_token(
    name: str,
    services: Wired,
    token: Caller,
    scope: Annotated[str | None, Query(description="The token's scope; the caller's own by default.")] = None,
) -> Response:
    services.tokens.manages_tokens(token)
    await services.tokens.revoke(token, name, services.tokens.scope(scope) if scope else token.scope)
    return Response(status_code=204)
