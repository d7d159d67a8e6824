"""The last good routing plan a data plane keeps (``plan.json``), shared by Envoy's and HAProxy's.

A data plane keeps a plan only once its proxy reports it active, and starts from it after a restart of the
agent. ``write`` puts it in place in one rename (synced, the folder too), so a crash leaves the old plan
or the new one, never half of one; ``read`` gives it back, ``None`` when none was kept yet. The file is
the plan's JSON text (``RoutingPlan.to_text``: kept by the plan when it was read or compiled from text).

``Keeper`` does the writing off the caller's way, for a data plane that must be ready for the next plan
at once: a plan of 10,000 clusters takes a tenth of a second to write and sync.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from vamp import errors
from vamp.adapters import private_files
from vamp.core.routing import plan as routing_plan

log = logging.getLogger("vamp.agent")


def read(path: Path) -> routing_plan.RoutingPlan | None:
    """The plan kept at ``path``; ``None`` when there is none.

    Raises:
        errors.RoutingError: the file is not JSON, or not a plan.
    """
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise errors.RoutingError([f"The kept plan {path} is not JSON: {exc}."]) from exc
    return routing_plan.RoutingPlan.from_data(data)


def write(path: Path, plan: routing_plan.RoutingPlan) -> None:
    """Keep ``plan`` at ``path``, in one rename from a file beside it."""
    private_files.write_atomically(path, plan.to_text().encode(), path.parent)


class Keeper:
    """Keeps plans at ``path`` in a thread: ``keep`` returns at once, and the newest plan kept is written.

    One write at a time, each in one rename (``write``); a plan kept while another is written replaces
    any plan still waiting, so the file never goes back to an older plan. ``last`` is the newest plan
    kept, written yet or not (else the one read from the file); ``flush`` waits until it is written. A
    write that fails is logged, and the next plan kept is written again. Use from one event loop.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._newest: routing_plan.RoutingPlan | None = None
        self._waiting: routing_plan.RoutingPlan | None = None
        self._writer: asyncio.Task[None] | None = None

    def keep(self, plan: routing_plan.RoutingPlan) -> None:
        """Keep ``plan``: it is written as soon as the write under way, if any, is done."""
        self._newest = self._waiting = plan
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write(), name="kept plan writer")

    def last(self) -> routing_plan.RoutingPlan | None:
        """The newest plan kept; before the first, the one at ``path`` (``read``)."""
        return self._newest if self._newest is not None else read(self.path)

    async def flush(self) -> None:
        """Wait until the newest plan kept is written (or failed to be)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write(self) -> None:
        while (plan := self._waiting) is not None:
            self._waiting = None
            try:
                await asyncio.to_thread(write, self.path, plan)
            except OSError as exc:
                log.warning("The routing plan %s could not be kept at %s: %s", plan.version, self.path, exc)
