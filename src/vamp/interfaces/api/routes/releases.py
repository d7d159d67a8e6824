"""``/api/v1/releases``: release policies shown with their status, and the status set by hand (issue 11).

Releases are stored, changed and deleted by the generic routes of the stored kinds (``artifacts.py``:
POST, PUT, DELETE, bulk ``/api/v1`` too); the routes here, matched before those, show each release
with its ``status`` (``{phase, step, weights, since, reason, requested, decisions, dropped,
policy_revision}``: ``Pending`` with no decisions for a release the controller has not picked up yet).

``PUT /api/v1/releases/{name}/status`` asks for ``paused``, ``running``, ``promoted`` (skip to the end) or
``aborted`` (roll back), as Vamp's workflow status is set: the body is the word as plain text, a JSON
string or ``{"status": word}``. It answers 202 with the release and its status, the request recorded as
``requested`` (the controller acts on it at its next look); a release that is over answers 409.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vamp import errors
from vamp.core import model
from vamp.interfaces.api import negotiation, pagination, representation
from vamp.interfaces.api.context import Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.interfaces.api.routes import bodies
from vamp.services.releases import policies

router = APIRouter(tags=["releases"], dependencies=[Depends(negotiation.check_accept)])

VALID = ", ".join(requested.value for requested in model.Requested)
BODY = {
    "requestBody": {
        "required": True,
        "description": f"The status asked for: one of {VALID}, as plain text, a JSON string or "
        '`{"status": ...}`.',
        "content": {
            "text/plain": {"schema": {"type": "string", "enum": [r.value for r in model.Requested]}},
            negotiation.JSON: {
                "schema": {"anyOf": [{"type": "string"}, {"type": "object"}]},
                "example": {"status": "paused"},
            },
        },
    }
}


def shown(found: policies.Tracked) -> dict[str, Any]:
    """A release as the API shows it: the policy, and its status under ``status``."""
    return representation.artifact(found.policy) | {"status": policies.status_data(found.status)}


@router.get("/releases", summary="List releases with their status")
async def list_releases(
    request: Request, namespace: Namespace, services: Wired, paged: pagination.Paged
) -> Response:
    page = await services.artifacts.page(namespace, policies.KIND, offset=paged.offset, limit=paged.per_page)
    items = [shown(await services.releases.tracked(namespace, str(item.name))) for item in page.items]
    return negotiation.render(request, items, 200, pagination.headers(request, paged, page.total))


@router.get("/releases/{name}", summary="Read a release and its status")
async def read_release(request: Request, name: str, namespace: Namespace, services: Wired) -> Response:
    return negotiation.render(request, shown(await services.releases.tracked(namespace, name)))


@router.get("/releases/{name}/status", summary="Read a release's status")
async def read_release_status(request: Request, name: str, namespace: Namespace, services: Wired) -> Response:
    status = await services.releases.status(namespace, name)
    return negotiation.render(request, policies.status_data(status))


@router.put(
    "/releases/{name}/status", summary="Pause, resume, promote or abort a release", openapi_extra=BODY
)
async def set_release_status(request: Request, name: str, namespace: Namespace, services: Wired) -> Response:
    requested = requested_of(await request.body(), name)
    await services.releases.request(namespace, name, requested)
    return negotiation.render(request, shown(await services.releases.tracked(namespace, name)), 202)


def requested_of(body: bytes, name: str) -> model.Requested:
    """The status a body asks for: ``paused``, ``"paused"`` or ``{"status": "paused"}``.

    Raises:
        errors.RequestError: anything else, naming the valid values.
    """
    place = f"PUT /api/v1/releases/{name}/status"
    word, shown_body = bodies.status_word(body)
    if word is not None and word in set(model.Requested):
        return model.Requested(word)
    raise errors.RequestError(
        f"Unknown release status {shown_body!r} in the body of {place}; valid values are: {VALID} "
        '(as plain text, a JSON string or {"status": ...}).'
    )
