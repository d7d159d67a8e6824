"""The WebSocket API of Vamp 1.0 (vamp.md §2.3) at ``/websocket`` and ``/{namespace}/websocket``.

Every request on the socket is replayed in-process through the app itself as the REST request it stands
for (``websocket_messages.Request.http``), with the socket's own request headers, so routing,
validation, tokens, roles, namespaces and errors are exactly the REST API's, and the answer is the REST
answer. Requests are answered one at a time, in order.

The token is the upgrade request's ``Authorization`` header (``Bearer TOKEN``, or Vamp's ``token TOKEN``),
or, for browsers, which cannot set headers on a WebSocket, a message ``{"token": "<secret>"}``: it is
checked at once (answered OK or 401) and sent with every later request. Tokens are never read from the
query string, which servers and proxies log, and never logged or echoed here. A socket without a token
stays open, but every request on it is answered 401 like a REST request without a token. Browsers
apply no CORS to WebSockets, but the API has no ambient credentials (no cookies), so a page elsewhere
that opens a socket gets nothing without a token.

A Peek whose REST answer is an event stream (``events/stream``) subscribes the socket: it is answered
once the subscription listens (``status`` OK, ``data`` empty), then once per event, ``data`` the event in
the format asked for — with the REST stream's filters (``tag``, ``type``) and its token checks: a stream
the server ends (a token revoked) is answered ERROR with the reason. Closing the socket ends them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect, WebSocketState

from vamp import errors
from vamp.interfaces.api import context, error_responses, namespaces
from vamp.interfaces.api import websocket_messages as messages

router = APIRouter()

_DROPPED = frozenset(
    {
        b"accept",
        b"accept-encoding",
        b"content-type",
        b"content-length",
        b"connection",
        b"upgrade",
        b"transfer-encoding",
        b"sec-websocket-key",
        b"sec-websocket-version",
        b"sec-websocket-extensions",
        b"sec-websocket-protocol",
    }
)
"""Upgrade-request headers that belong to the socket, not to the requests replayed on it (a browser's
``Accept-Encoding: gzip`` would have the answers compressed, and ``data`` is text)."""

MAX_SUBSCRIPTIONS = 32
"""The most event streams one socket may subscribe to at once."""


class _Exchange:
    """One REST request replayed in-process: its body in, its answer (or its event stream) out."""

    def __init__(
        self, body: bytes, closed: asyncio.Event, on_block: Callable[[str], Awaitable[None]]
    ) -> None:
        self._body = body
        self._requested = False
        self._closed = closed
        self._on_block = on_block
        self._buffer = ""
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()
        self.streaming = False
        self.settled = asyncio.get_running_loop().create_future()
        self.admitted = asyncio.Event()
        """Set when the socket takes the event stream as a subscription; its blocks wait until then."""

    async def receive(self) -> Message:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": self._body, "more_body": False}
        await self._closed.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
            media = dict(self.headers).get(b"content-type", b"")
            self.streaming = self.status == 200 and media.startswith(b"text/event-stream")
            if self.streaming:
                self._settle()
                await self.admitted.wait()
            return
        if message["type"] != "http.response.body":
            return
        if not self.streaming:
            self.body += message.get("body", b"")
            if not message.get("more_body", False):
                self._settle()
            return
        self._buffer += message.get("body", b"").decode("utf-8", "replace")
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            await self._on_block(block)

    def _settle(self) -> None:
        if not self.settled.done():
            self.settled.set_result(None)


class Connection:
    """One socket: its headers (the token among them), its subscriptions, and one sender at a time."""

    def __init__(self, socket: WebSocket, namespace: str | None) -> None:
        self._socket = socket
        self._namespace = namespace
        self._headers = [(key, value) for key, value in socket.scope["headers"] if key not in _DROPPED]
        self._sending = asyncio.Lock()
        self._closed = asyncio.Event()
        self._subscriptions: set[asyncio.Task[None]] = set()

    async def serve(self) -> None:
        await self._socket.accept()
        try:
            while True:
                frame = await self._socket.receive()
                if frame["type"] == "websocket.disconnect":
                    return
                text = frame.get("text")
                if text is None:
                    await self._send(messages.unreadable(errors.RequestError(_BINARY)))
                    continue
                await self._frame(text)
        finally:
            await self._close()

    async def _frame(self, text: str) -> None:
        try:
            found = messages.read_frame(text)
        except errors.RequestError as exc:
            await self._send(messages.unreadable(exc))
            return
        for message in found:
            try:
                secret = messages.token_of(message)
                if secret is not None:
                    await self._authenticate(secret)
                    continue
                await self._request(messages.read_request(message))
            except errors.RequestError as exc:
                await self._send(messages.unreadable(exc, message))

    async def _authenticate(self, secret: str) -> None:
        """Take ``secret`` as the socket's token, once the token service knows it."""
        try:
            await context.services_of(self._socket.app).tokens.authenticate(secret)
        except errors.VampError as exc:
            await self._send({"status": "ERROR", "code": error_responses.status_of(exc), "error": str(exc)})
            return
        self._headers = [(key, value) for key, value in self._headers if key != b"authorization"]
        self._headers.append((b"authorization", f"Bearer {secret}".encode("latin-1", "replace")))
        await self._send({"status": "OK", "code": 200, "token": "accepted"})

    async def _request(self, request: messages.Request) -> None:
        method, path, query = request.http(self._namespace)
        body = (request.data or "").encode("utf-8")
        headers = [*self._headers, (b"accept", request.accept_type.encode())]
        if request.content_type is not None and body:
            headers.append((b"content-type", request.content_type.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        scope = {
            **{
                key: self._socket.scope[key]
                for key in ("client", "server", "root_path")
                if key in self._socket.scope
            },
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "https" if self._socket.scope.get("scheme") == "wss" else "http",
            "path": urllib.parse.unquote(path),
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "headers": headers,
        }

        async def on_block(block: str) -> None:
            await self._event(request, block)

        exchange = _Exchange(body, self._closed, on_block)
        task = asyncio.create_task(self._socket.app(scope, exchange.receive, exchange.send))
        await asyncio.wait({task, exchange.settled}, return_when=asyncio.FIRST_COMPLETED)
        if exchange.streaming and len(self._subscriptions) >= MAX_SUBSCRIPTIONS:
            task.cancel()
            refused = (
                f"At most {MAX_SUBSCRIPTIONS} subscriptions per socket: remove one, or open another socket."
            )
            await self._send(messages.answer(request, 429, [], json.dumps({"message": refused})))
            return
        if exchange.streaming:
            exchange.admitted.set()
            self._subscriptions.add(task)
            task.add_done_callback(lambda done: self._ended(request, done))
            return
        with contextlib.suppress(Exception):
            await task
        status = exchange.status or 500
        text = (
            bytes(exchange.body).decode("utf-8", "replace")
            if exchange.status
            else '{"message": "Internal server error."}'
        )
        await self._send(messages.answer(request, status, exchange.headers, text))

    async def _event(self, request: messages.Request, block: str) -> None:
        """One block of an event stream: an event, the stream listening, a heartbeat, or why it ended."""
        lines = block.splitlines()
        data = "\n".join(line[len("data:") :].lstrip() for line in lines if line.startswith("data:"))
        if data:
            await self._send(messages.answer(request, 200, [], messages.event_data(data, request.accept)))
        elif block.startswith(": listening"):
            await self._send(messages.answer(request, 200, [], ""))
        elif block.startswith(": closed:"):
            reason = block[len(": closed:") :].strip()
            await self._send(messages.answer(request, 401, [], json.dumps({"message": reason})))

    def _ended(self, request: messages.Request, task: asyncio.Task[None]) -> None:
        self._subscriptions.discard(task)
        if not task.cancelled():
            task.exception()

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._sending:
            if self._socket.application_state is WebSocketState.CONNECTED:
                with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
                    await self._socket.send_text(json.dumps(message, ensure_ascii=False))

    async def _close(self) -> None:
        self._closed.set()
        for task in tuple(self._subscriptions):
            task.cancel()
        if self._subscriptions:
            await asyncio.wait(tuple(self._subscriptions), timeout=5)


_BINARY = "Unreadable message: binary frames are not read; send requests as text frames, in JSON or YAML."


async def serve(socket: WebSocket) -> None:
    """The WebSocket API on one socket, in the namespace its path names (or the server's default)."""
    named = socket.path_params.get(namespaces.PARAMETER)
    await Connection(socket, None if named is None else str(named)).serve()


for _path in (
    "/websocket",
    "/websocket/",
    f"{namespaces.PREFIX}/websocket",
    f"{namespaces.PREFIX}/websocket/",
):
    router.add_api_websocket_route(_path, serve)
