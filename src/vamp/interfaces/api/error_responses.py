"""Errors as HTTP answers: one table from each error type to one status, and ``{"message": ...}`` bodies.

A DSL error also lists its issues (``{document, path, line, column, message}``); an expression error
shows the expression with a caret under the offending character. Requests FastAPI cannot even bind
(a query parameter that is not a number…) are 400s like any other bad input. Anything unexpected is
logged with its traceback and answered 500 ``{"message": "Internal server error."}``: a client never
sees a traceback.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vamp import errors
from vamp.interfaces.api import negotiation

log = logging.getLogger("vamp.api")

INTERNAL = "Internal server error."

STATUSES: dict[type[errors.VampError], int] = {
    errors.DslError: 400,
    errors.ExpressionSyntaxError: 400,
    errors.DeploymentError: 400,
    errors.RoutingError: 400,
    errors.RequestError: 400,
    errors.BodyTooLargeError: 413,
    errors.UnauthorizedError: 401,
    errors.ForbiddenError: 403,
    errors.NotFoundError: 404,
    errors.ConflictError: 409,
    errors.DriverError: 502,
    errors.PublishError: 502,
    errors.GatewaysRefused: 502,
    errors.DataPlaneError: 502,
    errors.PlanSourceError: 502,
    errors.StoreError: 503,
    errors.UnavailableError: 503,
    errors.VampError: 500,
}
"""The status of each error type; a type not listed takes its nearest listed ancestor's."""


def status_of(error: errors.VampError) -> int:
    return next(STATUSES[kind] for kind in type(error).__mro__ if kind in STATUSES)


def body_of(error: errors.VampError) -> dict[str, Any]:
    if isinstance(error, errors.ExpressionSyntaxError):
        return {"message": error.explain()}
    body: dict[str, Any] = {"message": str(error)}
    if isinstance(error, errors.DslError):
        body["issues"] = [
            {
                "document": issue.document,
                "path": issue.path,
                "line": issue.line,
                "column": issue.column,
                "message": issue.message,
            }
            for issue in error.issues
        ]
    return body


async def _vamp_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.VampError)
    challenge = (
        {"WWW-Authenticate": 'Bearer realm="vamp"'} if isinstance(exc, errors.UnauthorizedError) else None
    )
    return negotiation.render(request, body_of(exc), status_of(exc), challenge)


async def _unbound(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        place, *names = (str(part) for part in error.get("loc", ()))
        problems.append(f"{place} parameter '{'.'.join(names)}': {error.get('msg', 'invalid')}")
    return negotiation.render(request, {"message": f"Invalid {'; '.join(problems)}."}, 400)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {
        404: f"There is no {request.url.path}; the API's endpoints are listed at /openapi.json.",
        405: f"{request.method} is not allowed on {request.url.path}.",
    }.get(exc.status_code, str(exc.detail))
    return negotiation.render(request, {"message": message}, exc.status_code, dict(exc.headers or {}))


def install(app: FastAPI) -> None:
    """Answer every error the app's routes raise as the table says."""
    app.add_exception_handler(errors.VampError, _vamp_error)
    app.add_exception_handler(RequestValidationError, _unbound)
    app.add_exception_handler(HTTPException, _http)
    app.add_middleware(Unexpected)


class Unexpected:
    """ASGI middleware: an unexpected exception is logged and answered 500 without a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("unexpected error answering %s %s", scope.get("method"), scope.get("path"))
            if started:  # too late for a status: the client sees the answer end early
                return
            body = json.dumps({"message": INTERNAL}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
