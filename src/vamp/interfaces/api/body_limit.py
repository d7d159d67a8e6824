"""The largest request body the API takes (``--max-body``, 4 MiB by default), and how sizes are written.

``BodyLimit`` is an ASGI middleware in front of every route: a request whose ``Content-Length`` says it
is too large is answered 413 before a byte of its body is read; a body without a length (chunked) is
counted as it arrives, and the reader that goes past the limit gets ``errors.BodyTooLargeError``, which
the API answers 413 like any other error. A refused body is not kept: what is still on its way is read
and dropped (up to a bound), so the client sees the answer rather than a broken connection. The message
says the limit and how to raise it. ``parse_size`` reads ``4194304``, ``4MiB``, ``512KiB`` or ``1MB``.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vamp import errors

DEFAULT_MAX_BODY = 4 * 1024 * 1024
"""4 MiB: far more than any real Vamp document; a 50 MB breed is not one."""

DRAIN_FACTOR = 4
"""A refused body is read and dropped up to this many times the limit, then the connection is left."""

_SIZE = re.compile(r"^\s*(\d+)\s*([a-zA-Z]*)\s*$")
_FACTORS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "k": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gib": 1024**3,
}


def parse_size(text: str) -> int:
    """A size in bytes: ``4194304``, ``4MiB``, ``512KiB``, ``1MB`` (``K``/``M``/``G`` are powers of 1024).

    Raises:
        ValueError: with a message that shows the forms accepted.
    """
    match = _SIZE.match(text)
    factor = None if match is None else _FACTORS.get(match.group(2).lower())
    if match is None or factor is None or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a size: write bytes, or a number with KiB, MiB or GiB (4MiB).")
    return int(match.group(1)) * factor


def shown(size: int) -> str:
    """A size as messages show it: ``4 MiB (4,194,304 bytes)``."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit} ({size:,} bytes)"
    return f"{size:,} bytes"


def too_large(limit: int) -> str:
    larger = max(1, 2 * limit // 1024**2)
    return (
        f"The request body is larger than this server takes: at most {shown(limit)}. Send less (split a "
        f"bulk request), or start the server with a larger --max-body (e.g. --max-body {larger}MiB)."
    )


class BodyLimit:
    """ASGI middleware: bodies over ``limit`` bytes are answered 413 ``{"message": ...}``."""

    def __init__(self, app: ASGIApp, limit: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await _drain(receive, self.limit * DRAIN_FACTOR)
            await _refuse(send, self.limit)
            return
        received = 0
        refused = False
        more = True

        async def counted() -> Message:
            nonlocal received, refused, more
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                more = bool(message.get("more_body", False))
                if received > self.limit:
                    refused = True
                    raise errors.BodyTooLargeError(too_large(self.limit))
            return message

        await self.app(scope, counted, send)
        if refused and more:
            await _drain(receive, self.limit * DRAIN_FACTOR - received)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 30 else None
    return None


async def _drain(receive: Receive, budget: int) -> None:
    """Read and drop what is left of a refused body, up to ``budget`` bytes."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"message": too_large(limit)}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
