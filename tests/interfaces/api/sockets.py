"""A WebSocket client that talks to the ASGI app in-process, as a server would hand it a socket.

``Socket(api, path, secret, headers)`` opens ``path`` with ``Authorization: Bearer <secret>`` (none
when ``secret`` is ``None``) and any other ``headers`` of the upgrade request; ``send`` writes a text
frame (a message as JSON, or text as it is), ``answer`` waits for the answer carrying a transaction id
(answers to others are kept for their own ``answer``), ``next`` for the next message of any kind.
Leaving the ``async with`` disconnects the client and waits for the server's side to end.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any

from tests.interfaces.api import harness

WAIT = 5.0
"""Seconds a test waits for an answer before failing."""


class Socket:
    def __init__(
        self,
        api: harness.Harness,
        path: str = "/websocket",
        secret: str | None = harness.ADMIN,
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        self._api = api
        self._headers = headers
        self._path = path
        self._secret = secret
        self._to_server: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._to_client: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._kept: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self.accepted = False
        self.closed: int | None = None

    async def _receive(self) -> dict[str, Any]:
        return await self._to_server.get()

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "websocket.accept":
            self.accepted = True
        elif message["type"] == "websocket.close":
            self.closed = message.get("code", 1000)
        await self._to_client.put(dict(message))

    async def __aenter__(self) -> Socket:
        headers = [(b"host", b"vamp"), *self._headers]
        if self._secret is not None:
            headers.append((b"authorization", f"Bearer {self._secret}".encode()))
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "scheme": "ws",
            "path": self._path,
            "raw_path": self._path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("vamp", 80),
            "subprotocols": [],
        }
        await harness.prepare(self._api.app)
        await self._to_server.put({"type": "websocket.connect"})
        self._task = asyncio.create_task(self._api.app(scope, self._receive, self._send))
        first = await asyncio.wait_for(self._to_client.get(), WAIT)
        assert first["type"] == "websocket.accept", first
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._to_server.put({"type": "websocket.disconnect", "code": 1000})
        assert self._task is not None
        await asyncio.wait_for(self._task, WAIT)

    async def send(self, message: Any) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        await self._to_server.put({"type": "websocket.receive", "text": text})

    async def next(self) -> dict[str, Any]:
        if self._kept:
            return self._kept.pop(0)
        return await self._read()

    async def _read(self) -> dict[str, Any]:
        message = await asyncio.wait_for(self._to_client.get(), WAIT)
        assert message["type"] == "websocket.send", message
        found: dict[str, Any] = json.loads(message["text"])
        return found

    async def answer(self, transaction: str) -> dict[str, Any]:
        for index, kept in enumerate(self._kept):
            if kept.get("transaction") == transaction:
                return self._kept.pop(index)
        while True:
            found = await self._read()
            if found.get("transaction") == transaction:
                return found
            self._kept.append(found)

    async def ask(self, transaction: str, **request: Any) -> dict[str, Any]:
        """Send a request with ``transaction`` and wait for its answer."""
        await self.send({"api": "v1", "transaction": transaction, **request})
        return await self.answer(transaction)
