"""``/api/v1/events``: publish, query and stream events (vamp.md §1.16, §2.2).

A query is ``?tag=a&tag=b&type=t``, or a JSON or YAML body with tags, type, a timestamp range and an
aggregator; answers are pages, newest first, or ``{"value": x}`` for an aggregator. The stream is
Server-Sent Events: ``event: <type>`` and ``data: <event JSON>`` per event of the namespace that
matches ``?tag=``/``?type=``, and a comment line as a heartbeat when nothing happens for a while. A
revoked or expired token ends its stream (with a comment saying why) at the first event or heartbeat
after ``TOKEN_CHECKED_EVERY``, as does an environment removed, so no token reads on past its revocation.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response, StreamingResponse

from vamp import errors
from vamp.core import access as core_access
from vamp.interfaces.api import access, negotiation, pagination, representation
from vamp.interfaces.api.context import Services, Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.interfaces.api.routes import bodies
from vamp.services import event_log

router = APIRouter(prefix="/events", tags=["events"])

TOKEN_CHECKED_EVERY = timedelta(seconds=5)
"""How often a stream checks that its token is still valid and still reaches the namespace."""

Tags = Annotated[
    list[str] | None, Query(alias="tag", description="Only events with every one of these tags.")
]
Type = Annotated[str | None, Query(description="Only events of this type.")]


async def _query(request: Request, tags: list[str] | None, type: str | None) -> event_log.Query:
    text = await negotiation.body_text(request)
    if text.strip():
        return await event_log.read_query(text)
    return event_log.query_of(tuple(tags or ()), type)


@router.get(
    "",
    summary="Query events",
    dependencies=[Depends(negotiation.check_accept)],
    openapi_extra=bodies.DOCUMENT,
)
async def query_events(
    request: Request,
    namespace: Namespace,
    services: Wired,
    paged: pagination.Paged,
    tags: Tags = None,
    type: Type = None,
) -> Response:
    query = await _query(request, tags, type)
    if query.aggregator is not None:
        value = await services.event_log.aggregate(namespace, query.events, query.aggregator)
        return negotiation.render(request, {"value": value})
    page = await services.event_log.page(namespace, query.events, offset=paged.offset, limit=paged.per_page)
    found = [representation.event(event) for event in page.items]
    return negotiation.render(request, found, 200, pagination.headers(request, paged, page.total))


@router.post(
    "",
    summary="Publish an event",
    dependencies=[Depends(negotiation.check_accept)],
    openapi_extra=bodies.DOCUMENT,
)
async def publish_event(request: Request, namespace: Namespace, services: Wired) -> Response:
    event = await services.event_log.publish(namespace, await negotiation.body_text(request))
    return negotiation.render(request, representation.event(event), 201)


@router.get("/stream", summary="Stream events (Server-Sent Events)", response_class=StreamingResponse)
async def stream_events(
    request: Request, namespace: Namespace, services: Wired, tags: Tags = None, type: Type = None
) -> StreamingResponse:
    query = await _query(request, tags, type)
    reader = access.secret_of(request)
    stream = _stream(services, namespace, query.events.tags, query.events.type, reader)
    return StreamingResponse(stream, media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})


async def _stream(
    services: Services,
    namespace: str,
    tags: tuple[str, ...],
    type: str | None,
    secret: str | None = None,
) -> AsyncIterator[str]:
    """The stream's blocks, for as long as ``secret`` is a token that may read ``namespace``."""
    checked = services.tokens.now()
    with services.publisher.subscribe(namespace, tags=tags, type=type) as subscription:
        yield ": listening\n\n"
        while True:
            try:
                async with asyncio.timeout(services.heartbeat):
                    event = await subscription.get()
            except TimeoutError:
                event = None
            if services.tokens.now() - checked >= TOKEN_CHECKED_EVERY:
                try:
                    token = await services.tokens.authenticate(secret)
                    services.tokens.authorise(token, core_access.Permission.READ, namespace)
                    await services.tenants.check_namespace(namespace)
                except (errors.UnauthorizedError, errors.ForbiddenError, errors.NotFoundError) as refused:
                    yield f": closed: {refused}\n\n"
                    return
                checked = services.tokens.now()
            if event is None:
                yield ": heartbeat\n\n"
                continue
            data = json.dumps(representation.event(event), ensure_ascii=False)
            yield f"event: {event.type}\ndata: {data}\n\n"
