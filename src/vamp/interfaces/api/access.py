"""Who is asking, and may they: the API's authentication and authorisation, as dependencies.

Every route of ``/api/v1`` (and ``/{namespace}/api/v1``) depends on ``authorised``: the request's token
(``Authorization: Bearer TOKEN``, or Vamp's ``Authorization: token TOKEN``) is looked up (401 when
missing, unknown, revoked or expired), its role and scope must allow what the route does in the
request's namespace (403 saying which token would), and the namespace must exist (404 saying how to
create it) — in that order, so nobody learns which environments exist without a token that covers them.

What a route does is its method's, unless ``PERMISSIONS`` names the route: ``GET`` reads, every other
method writes, and the agents' long poll reads plans. The token becomes the store's ``actor`` and the
method its ``verb``, so the archive events of the request's writes record the token and are tagged by
the verb as Vamp tags them. The routes of organisations and tokens ask only for
``Caller`` and decide for themselves (``routes/organisations.py``, ``routes/tokens.py``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vamp.core import access
from vamp.interfaces.api import namespaces
from vamp.interfaces.api.context import Wired
from vamp.ports import store

SCHEMES = ("bearer", "token")
"""``Authorization`` schemes that carry a token: the standard one and Vamp's own."""

PERMISSIONS: dict[str, access.Permission] = {"routing_plan": access.Permission.PLANS}
"""Routes, by name, whose permission is not their method's."""


def secret_of(request: Request) -> str | None:
    """The token a request carries, if any."""
    scheme, _, secret = request.headers.get("authorization", "").strip().partition(" ")
    return secret.strip() or None if scheme.lower() in SCHEMES else None


_DOCUMENTED = HTTPBearer(
    auto_error=False, description="An API token: `vamp token create`, or HOME/admin-token."
)
"""Only so the OpenAPI document (and its docs page's Authorize button) shows the bearer scheme; the header is
read by ``secret_of``, which also takes Vamp's ``token`` scheme."""


async def caller(
    request: Request,
    services: Wired,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(_DOCUMENTED)] = None,
) -> access.Token:
    """The request's token (a dependency). Raises ``errors.UnauthorizedError``."""
    token = await services.tokens.authenticate(secret_of(request))
    store.actor.set(token.label)
    store.verb.set(request.method)
    return token


Caller = Annotated[access.Token, Depends(caller)]
"""A route parameter: the token of the request, authenticated."""


def permission_of(request: Request) -> access.Permission:
    """What the matched route does: ``PERMISSIONS``' entry, else read for GET and HEAD, else write."""
    route = request.scope.get("route")
    named = PERMISSIONS.get(getattr(route, "name", ""))
    if named is not None:
        return named
    return access.Permission.READ if request.method in ("GET", "HEAD") else access.Permission.WRITE


async def authorised(request: Request, services: Wired, token: Caller) -> None:
    """A dependency of every namespaced route: the token may do what the route does, where it does it.

    Raises:
        errors.ForbiddenError: it may not.
        errors.NotFoundError: the namespace is not an environment (nor the default namespace).
    """
    namespace = namespaces.current(request)
    services.tokens.authorise(token, permission_of(request), namespace)
    await services.tenants.check_namespace(namespace)
