"""Paths with a trailing slash answer as without one: ``GET /api/v1/deployments/`` is ``/api/v1/deployments``.

Vamp's clients and integration recipes send paths with a trailing slash (``PUT /api/v1/``) and do not
follow redirects, and Vamp served those paths directly. ``TrailingSlash`` is an ASGI middleware in front
of the router: it drops one trailing slash from every HTTP and WebSocket path but ``/`` before routing, so
every method of every route (namespaced ones too) answers there, and nothing redirects (the router's
``redirect_slashes`` is off, so no answer carries a ``Location`` built from the ``Host`` header).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


def without_trailing_slash(path: str) -> str:
    """``path`` without one trailing slash; ``/`` stays ``/``."""
    return path[:-1] if len(path) > 1 and path.endswith("/") else path


class TrailingSlash:
    """ASGI middleware: routes the path with one trailing slash removed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and path != without_trailing_slash(path):
            scope = dict(scope)
            scope["path"] = path[:-1]
            raw = scope.get("raw_path")
            if isinstance(raw, bytes) and len(raw) > 1 and raw.endswith(b"/"):
                scope["raw_path"] = raw[:-1]
        await self.app(scope, receive, send)
