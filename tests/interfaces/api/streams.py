"""An event stream (SSE) read straight from the ASGI app, block by block, ended by a client disconnect.

``Stream(api, path, query, secret)`` sends ``secret`` as its token (the harness's admin token unless
told); ``run`` serves the request until the client goes (``close``) or the server ends the answer, after
which ``block`` gives ``END``. The status and headers of the answer are kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

from tests.interfaces.api import harness

END = "(end)"
"""The block after the last one, once the server has ended its answer."""


class Stream:
    def __init__(self, api: harness.Harness, path: str, query: str = "", secret: str = harness.ADMIN) -> None:
        self._api = api
        self._path = path
        self._query = query
        self._secret = secret
        self._blocks: asyncio.Queue[str] = asyncio.Queue()
        self._buffer = ""
        self._gone = asyncio.Event()
        self._requested = False
        self.status = 0
        self.headers: dict[str, str] = {}

    async def _receive(self) -> dict[str, Any]:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {key.decode(): value.decode() for key, value in message["headers"]}
            return
        self._buffer += message.get("body", b"").decode()
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            await self._blocks.put(block)
        if not message.get("more_body", False):
            await self._blocks.put(END)

    async def run(self) -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": self._path,
            "raw_path": self._path.encode(),
            "query_string": self._query.encode(),
            "root_path": "",
            "headers": [(b"host", b"vamp"), (b"authorization", f"Bearer {self._secret}".encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("vamp", 80),
        }
        await harness.prepare(self._api.app)
        await self._api.app(scope, self._receive, self._send)

    async def block(self) -> str:
        return await asyncio.wait_for(self._blocks.get(), 5)

    def close(self) -> None:
        self._gone.set()
