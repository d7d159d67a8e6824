"""Event-scheduled workflows run on their events: one run per event whose tags include all of theirs.

The workflow controller tells ``Triggers.watch`` which event-scheduled workflows of a namespace run now
(with their tags) after every pass over it, and ``Triggers.add`` of each one it schedules as soon as it
is scheduled (before its status reads ``running`` and its ``scheduled`` event is published). While a
namespace has any, a subscription to its events (``services.events.Events.subscribe``) is open; each
event that comes, as stored (its tags expanded: ``deployments:sava`` also tags ``deployments``), runs
every watched workflow whose tags it carries, all of them: ``WorkflowRuntime.execute`` with the event as
the API shows it, JSON in base64, for ``VAMP_WORKFLOW_DATA``. Events tagged ``workflows`` — the
workflows' own lifecycle, failure and archive events — never run anything, so a workflow cannot set
itself off. Each event is taken once by the one subscription of its namespace, and only the leading
server runs the controller, so an event makes one run, never two. A run that cannot start is reported
through ``on_failure`` (logged and published as the workflow's failure); the events after it are handled
as usual.

Events kept while a namespace had no subscription open (before its first event workflow was scheduled)
run nothing; a subscription that falls behind by more than its buffer loses the oldest events (counted
in ``Subscription.missed``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping

from vamp import errors
from vamp.core import dsl, model
from vamp.core.workflows import runs
from vamp.ports import workflows as workflows_port
from vamp.services import events

log = logging.getLogger("vamp.workflows")

OWN_TAG = "workflows"
"""Events with this tag are about workflows themselves and never trigger one."""

Report = Callable[[runs.WorkflowKey, str], Awaitable[None]]


def event_data(event: model.Event) -> str:
    """What an event run finds in ``VAMP_WORKFLOW_DATA``: the event as the API shows it, JSON in base64."""
    text = json.dumps(dsl.event_to_data(event), separators=(",", ":"), default=str)
    return base64.b64encode(text.encode()).decode("ascii")


def triggered(watched: Mapping[str, tuple[str, ...]], event: model.Event) -> list[str]:
    """The names of the ``watched`` workflows (name → tags) that ``event`` runs, in name order."""
    if OWN_TAG in event.tags:
        return []
    carried = set(event.tags)
    return sorted(name for name, tags in watched.items() if tags and set(tags) <= carried)


class _Listening:
    """One namespace's open subscription, the workflows it runs, and the task that drains it."""

    def __init__(self, subscription: events.Subscription, close: contextlib.ExitStack) -> None:
        self.subscription = subscription
        self.close = close
        self.watched: dict[str, tuple[str, ...]] = {}
        self.task: asyncio.Task[None] | None = None


class Triggers:
    """Runs the event-scheduled workflows ``watch`` names on ``runtime``, on the events of ``publisher``."""

    def __init__(
        self, publisher: events.Events, runtime: workflows_port.WorkflowRuntime, *, on_failure: Report
    ) -> None:
        self._publisher = publisher
        self._runtime = runtime
        self._on_failure = on_failure
        self._listening: dict[str, _Listening] = {}
        self._changed = asyncio.Event()
        self.runs = 0
        """How many runs were started (for tests and ``/metrics``)."""

    def watch(self, namespace: str, workflows: Mapping[str, tuple[str, ...]]) -> None:
        """The event-scheduled workflows of ``namespace`` that run now, by name, with their tags; the
        events kept from now on run them (none: the namespace's subscription is closed)."""
        found = self._listening.get(namespace)
        if not workflows:
            if found is not None:
                self._stop(namespace)
            return
        if found is None:
            stack = contextlib.ExitStack()
            subscription = stack.enter_context(self._publisher.subscribe(namespace))
            found = self._listening[namespace] = _Listening(subscription, stack)
            self._changed.set()
        found.watched = dict(workflows)

    def add(self, key: runs.WorkflowKey, tags: tuple[str, ...]) -> None:
        """Run one more event-scheduled workflow on the events kept from now on (its namespace's
        subscription opened if need be): the controller calls it as soon as the workflow is scheduled,
        before its status reads ``running``, so an event posted then runs it; the next ``watch`` of the
        namespace keeps it or drops it."""
        found = self._listening.get(key.namespace)
        watched = {} if found is None else found.watched
        self.watch(key.namespace, {**watched, key.name: tags})

    async def run(self) -> None:
        """Run workflows on the events of every watched namespace, until cancelled."""
        try:
            async with asyncio.TaskGroup() as group:
                while True:
                    self._changed.clear()
                    for namespace, listening in self._listening.items():
                        if listening.task is None:
                            listening.task = group.create_task(
                                self._drain(namespace, listening), name=f"workflow triggers {namespace}"
                            )
                    await self._changed.wait()
        finally:
            self.close()

    def close(self) -> None:
        """Close every subscription (the tasks draining them end with ``run``)."""
        for namespace in list(self._listening):
            self._stop(namespace)

    async def _drain(self, namespace: str, listening: _Listening) -> None:
        async for event in listening.subscription:
            for name in triggered(listening.watched, event):
                key = runs.WorkflowKey(namespace, name)
                try:
                    await self._runtime.execute(key, event_data(event))
                except errors.VampError as exc:
                    await self._on_failure(key, f"It could not run on event {event.id}: {exc}")
                    continue
                except Exception as exc:  # one run that fails must not stop the runs of later events
                    log.error(
                        "workflow %s: unexpected error running on event %s", key, event.id, exc_info=exc
                    )
                    await self._on_failure(key, f"It could not run on event {event.id}: an unexpected error.")
                    continue
                self.runs += 1
                log.info("workflow %s: runs on event %s.", key, event.id)

    def _stop(self, namespace: str) -> None:
        listening = self._listening.pop(namespace)
        listening.close.close()
        if listening.task is not None:
            listening.task.cancel()
