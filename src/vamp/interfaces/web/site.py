"""Serving the web UI: the page at ``/`` and its files under ``/ui/``, from the package's ``static`` folder.

The page is plain HTML, CSS and ES modules (no build step); it calls ``/api/v1`` with the token the user
signs in with, so serving it needs no token. Every answer carries headers that keep the page to itself:
a Content-Security-Policy that allows only this server (no inline script, nothing from the internet, no
framing), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and
``X-Frame-Options: DENY``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC = Path(__file__).with_name("static")
PREFIX = "/ui"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def install(app: FastAPI) -> None:
    """Serve the page at ``/`` and its files at ``/ui/...`` on ``app``."""

    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html", headers=HEADERS)

    app.add_api_route("/", index, methods=["GET"], include_in_schema=False)
    app.mount(PREFIX, SecureHeaders(StaticFiles(directory=STATIC)), name="ui")


class SecureHeaders:
    """ASGI wrapper: every answer of the wrapped app carries ``HEADERS``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *((name.encode(), value.encode()) for name, value in HEADERS.items()),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)
