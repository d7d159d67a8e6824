"""The answers of the agents' plan long poll (``/api/v1/vga/plan``), compressed once per plan version.

A plan of 10,000 clusters is megabytes of JSON, and the HTTP server's gzip middleware compressed it anew
for every answer, to every agent (about 15 % of the server's time at 10,000 pods, under py-spy).
``PlanAnswers`` compresses a plan's text (``RoutingPlan.to_text``) once per version, in a worker thread,
and keeps the bytes of the last few versions: agents woken by one change share one compression. The bytes
decompress to the plan's text byte for byte. A client that does not accept gzip, or a plan too small to
be worth it, is answered the text as before (the middleware then does as it does for any answer).
"""

from __future__ import annotations

import asyncio
import gzip
from collections import OrderedDict

from starlette.requests import Request
from starlette.responses import Response

from vamp.core.routing.plan import RoutingPlan

KEPT = 8
"""Plan versions whose compressed bytes are kept (the newest; agents ask for the newest)."""

SMALLEST = 1024
"""Bytes of text below which a plan is answered as text: the gzip middleware's own threshold."""

LEVEL = 6
"""zlib's compression level: most of level 9's ratio on JSON at a fraction of its time."""


class PlanAnswers:
    """The gzip of the last ``kept`` plan versions answered; used on one event loop at a time."""

    def __init__(self, *, kept: int = KEPT) -> None:
        self._kept = kept
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._compressing: dict[str, asyncio.Task[bytes]] = {}
        self.compressions = 0
        """How many times a plan was compressed (once per version while it is kept)."""

    async def answer(self, request: Request, plan: RoutingPlan) -> Response:
        """The long poll's answer with ``plan``: its text, gzipped if the client accepts gzip."""
        text = plan.to_text()
        if len(text) < SMALLEST or "gzip" not in request.headers.get("accept-encoding", ""):
            return Response(text, media_type="application/json")
        body = await self.gzip(plan.version, text)
        headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(body, media_type="application/json", headers=headers)

    async def gzip(self, version: str, text: str) -> bytes:
        """The gzip of ``text``, the plan of ``version``: kept, being compressed, or compressed now."""
        kept = self._bodies.get(version)
        if kept is not None:
            self._bodies.move_to_end(version)
            return kept
        loop = asyncio.get_running_loop()
        pending = self._compressing.get(version)
        if pending is None or pending.get_loop() is not loop:
            # A task of its own: a client that leaves cancels its wait, not the compression the others
            # wait for.
            pending = loop.create_task(asyncio.to_thread(gzip.compress, text.encode(), LEVEL, mtime=0))
            self._compressing[version] = pending
            self.compressions += 1
            pending.add_done_callback(lambda done: self._compressed(version, done))
        return await asyncio.shield(pending)

    def _compressed(self, version: str, done: asyncio.Task[bytes]) -> None:
        if self._compressing.get(version) is done:
            del self._compressing[version]
        if done.cancelled() or done.exception() is not None:
            return
        self._bodies[version] = done.result()
        while len(self._bodies) > self._kept:
            self._bodies.popitem(last=False)
