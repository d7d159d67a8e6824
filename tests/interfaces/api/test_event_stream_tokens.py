"""Open event streams and their tokens: a stream ends once its token is revoked or expired or its
environment removed (checked every ``TOKEN_CHECKED_EVERY``, at the next event or heartbeat), and goes on
while its token stays valid."""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any

import pytest

from tests.interfaces.api.harness import JSON, Harness
from vamp.core import model

pytestmark = pytest.mark.anyio


class Reader:
    """An event stream read straight from the ASGI app with a token of the test's choosing."""

    def __init__(self, api: Harness, path: str, secret: str) -> None:
        self.blocks: asyncio.Queue[str] = asyncio.Queue()
        self._api = api
        self._path = path
        self._secret = secret
        self._gone = asyncio.Event()
        self._sent = False
        self._buffer = ""
        self.task = asyncio.create_task(self._run())

    async def _receive(self) -> dict[str, Any]:
        if not self._sent:
            self._sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        self._buffer += message.get("body", b"").decode()
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            await self.blocks.put(block)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            await self.blocks.put("(end)")

    async def _run(self) -> None:
        headers = [(b"host", b"vamp"), (b"authorization", f"Bearer {self._secret}".encode())]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": self._path,
            "raw_path": self._path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("vamp", 80),
        }
        await self._api.app(scope, self._receive, self._send)

    async def block(self) -> str:
        return await asyncio.wait_for(self.blocks.get(), 5)

    async def close(self) -> None:
        self._gone.set()
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
        assert await reader.block() == "(end)"
    finally:
        await reader.close()


async def test_an_open_event_stream_carries_on_while_its_token_is_valid(api: Harness) -> None:
    secret = await api.token("viewer", "acme-prod", name="watcher")
    reader = Reader(api, "/acme-prod/api/v1/events/stream", secret)
    try:
        assert await reader.block() == ": listening"
        api.clock.advance(60)
        await api.services.publisher.publish("acme-prod", model.Event(tags=("after",)))

        assert '"after"' in await reader.block()
    finally:
        await reader.close()
