"""A tiny plan server on 127.0.0.1 that behaves as issue 4's server will, for testing the agent's client."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


class PlanServer:
    """Answers ``GET /api/v1/vga/plan`` at once when the asked version differs, else holds up to ``wait``
    seconds for a new plan and answers 304. ``failure`` makes it answer that status instead, ``not_json``
    a 200 with HTML."""

    def __init__(self) -> None:
        self.plan: dict[str, Any] | None = None
        self.failure: int | None = None
        self.not_json = False
        self.asked: list[tuple[str, str]] = []
        self._changed = asyncio.Event()
        self.app = Starlette(routes=[Route("/api/v1/vga/plan", self._answer)])

    def publish(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self._changed.set()
        self._changed = asyncio.Event()

    async def _answer(self, request: Request) -> Response:
        version, wait = request.query_params["version"], request.query_params["wait"]
        self.asked.append((version, wait))
        if self.failure is not None:
            return PlainTextResponse("database is locked", status_code=self.failure)
        if self.not_json:
            return PlainTextResponse("<html>")
        if self.plan is None or self.plan.get("version") == version:
            try:
                await asyncio.wait_for(self._changed.wait(), float(wait))
            except TimeoutError:
                return Response(status_code=304)
        assert self.plan is not None
        return JSONResponse(self.plan)


class Serving:
    def __init__(self, server: PlanServer, listening: socket.socket) -> None:
        self.server = server
        self.port = listening.getsockname()[1]
        self._listening = listening
        self._uvicorn = uvicorn.Server(
            uvicorn.Config(server.app, log_config=None, lifespan="off", timeout_graceful_shutdown=0)
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._uvicorn.serve(sockets=[self._listening]))
        while not self._uvicorn.started:
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        self._uvicorn.should_exit = True
        if self._task is not None:
            await self._task


def bound() -> socket.socket:
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    return listening
