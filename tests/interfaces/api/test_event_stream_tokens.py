"""Open event streams and their tokens: a stream ends once its token is revoked or expired or its
environment removed (checked every ``TOKEN_CHECKED_EVERY``, at the next event or heartbeat), and goes on
while its token stays valid."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.interfaces.api.harness import JSON, Harness
from tests.interfaces.api.streams import END, Stream
from vamp.core import model

pytestmark = pytest.mark.anyio


class Reader(Stream):
    """An event stream with a token of the test's choosing, running from the start."""

    def __init__(self, api: Harness, path: str, secret: str) -> None:
        super().__init__(api, path, secret=secret)
        self.task = asyncio.create_task(self.run())

    async def finished(self) -> None:
        self.close()
        await asyncio.wait_for(self.task, 5)


@pytest.mark.parametrize("how", ["revoked", "expired", "environment removed"])
async def test_an_open_event_stream_ends_once_its_token_no_longer_reaches_the_namespace(
    api: Harness, how: str
) -> None:
    created = await api.client.post(
        "/api/v1/tokens",
        content=json.dumps({"name": "watcher", "role": "viewer", "scope": "acme-prod", "expires": "1h"}),
        headers=JSON,
    )
    reader = Reader(api, "/acme-prod/api/v1/events/stream", created.json()["token"])
    try:
        assert await reader.block() == ": listening"
        await api.client.post("/acme-prod/api/v1/events", json={"tags": ["before"]})
        assert '"before"' in await reader.block()

        if how == "revoked":
            assert (await api.client.delete("/api/v1/tokens/watcher?scope=acme-prod")).status_code == 204
        elif how == "environment removed":
            removed = await api.client.delete("/api/v1/organisations/acme/environments/prod")
            assert removed.status_code == 204
        api.clock.advance(3600 if how == "expired" else 5)
        await api.services.publisher.publish("acme-prod", model.Event(tags=("after",)))

        closing = await reader.block()
        assert closing.startswith(": closed: ")
        assert await reader.block() == END
    finally:
        await reader.finished()


async def test_an_open_event_stream_carries_on_while_its_token_is_valid(api: Harness) -> None:
    secret = await api.token("viewer", "acme-prod", name="watcher")
    reader = Reader(api, "/acme-prod/api/v1/events/stream", secret)
    try:
        assert await reader.block() == ": listening"
        api.clock.advance(60)
        await api.services.publisher.publish("acme-prod", model.Event(tags=("after",)))

        assert '"after"' in await reader.block()
    finally:
        await reader.finished()
