"""The workflow controller: makes every stored workflow run, or not, as its status says (vamp.md §7.1).

One pass over one namespace is observe → decide → act → record, like the release controller's:

* observe: the workflows stored in the namespace (each with its revision) and what the runtime has
  scheduled there (``WorkflowRuntime.workflows``); for a workflow that should run, its spec
  (``core.workflows.specs``, through ``stored_specs``: its breed and a named scale looked up in the
  store) and the spec's digest;
* decide: ``core.workflows.lifecycle.decide``, which is pure;
* act: revoke the workflow's token and unschedule it; mint a token and schedule it (``tokens``);
* record: its status written compare-and-set against the revision read, or the workflow deleted (a
  stopping one), then the lifecycle events published (type ``workflow``, tags ``workflows:<name>`` and
  ``scheduled`` or ``unscheduled``). When a user changed the workflow meanwhile (``ConflictError``), the
  events of what was done are published and the workflow is observed and decided again: a user's
  status is never overwritten.

A workflow the runtime runs that is no longer stored (a crash between a delete and its unschedule) is
unscheduled. A running workflow scheduled with the current digest is left alone, so a server started
again over running workflows changes nothing and mints no token (theirs are still valid); a changed
digest (its breed or environment changed) schedules it anew, with a new token.

One workflow's failure (its breed missing, a bad period, the runtime refusing it) never stops the
others: it is logged and published (tags ``workflows:<name>`` and ``failed``, the reason as value) when
its reason changes, and it is tried again at the first pass at least ``period`` seconds later (sooner
when the workflow is stored again). A failure the runtime reports of a scheduled workflow (a daemon that
keeps exiting) is published the same way; one that never ran (a command this server may not run) stays
``starting`` meanwhile (``lifecycle``).

The controller runs only while its server leads (the wiring starts it with the reconciler), so one
server acts, and event runs (``triggers``) happen once. It passes over the server's namespaces and
every environment's at start, whenever the store keeps an event about a workflow, a breed or a scale,
and every ``period`` seconds. Stored workflows are read as models, and their specs made
(``stored_specs``), once per revision.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vamp import errors
from vamp.core import access, model
from vamp.core.workflows import lifecycle, runs
from vamp.ports import store
from vamp.ports import workflows as workflows_port
from vamp.services import artifacts, events, stored_models
from vamp.services.access import tokens as token_service
from vamp.services.workflows import stored_specs, triggers
from vamp.services.workflows import tokens as workflow_tokens

log = logging.getLogger("vamp.workflows")

KIND = "workflows"
EVENT_TYPE = "workflow"
"""The type of the lifecycle and failure events the controller publishes (Vamp's)."""
FAILED = "failed"
CONFLICT_RETRIES = 5
DEFAULT_PERIOD = 2.0
WAKING_KINDS = frozenset({KIND, "breeds", "scales"})
"""Kinds whose changes may change what a workflow runs."""


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str
    revision: int
    retry_at: float


class WorkflowController:
    """Runs the workflows of every namespace in ``workflow_store`` on ``runtime``.

    Args:
        publisher: where lifecycle events go, and whose events trigger event-scheduled workflows.
        tokens: the server's tokens, among which each scheduled workflow gets its own.
        api_url: the API the runs call (``VAMP_URL``).
        namespaces: namespaces to look at besides those the store holds artifacts in.
        period: seconds between two passes when nothing wakes the controller sooner, and the least time
            between two attempts at a failing workflow.
        clock: a monotonic clock in seconds.
    """

    def __init__(
        self,
        workflow_store: store.ArtifactStore,
        runtime: workflows_port.WorkflowRuntime,
        publisher: events.Events,
        tokens: token_service.Tokens,
        *,
        api_url: str,
        namespaces: Iterable[str] = (),
        period: float = DEFAULT_PERIOD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = workflow_store
        self._runtime = runtime
        self._publisher = publisher
        self._tokens = workflow_tokens.WorkflowTokens(tokens)
        self._namespaces = set(namespaces)
        self._looked: set[str] = set()
        """Namespaces the runtime was asked about at least once."""
        self._active: set[str] = set()
        """Namespaces that held workflows, stored or run, at the last look."""
        self._models = stored_models.StoredModels(artifacts.model_of, size=1024)
        self._specs = stored_specs.StoredSpecs(workflow_store, self._models, api_url=api_url)
        self._period = period
        self._clock = clock
        self._woken = asyncio.Event()
        self._failures: dict[runs.WorkflowKey, _Failure] = {}
        self._reported: dict[runs.WorkflowKey, str] = {}
        """The last failure published of each workflow (not published again until it changes)."""
        self.triggers = triggers.Triggers(publisher, runtime, on_failure=self._report)

    def listen(self, artifact_store: store.ArtifactStore) -> None:
        """Pass again as soon as ``artifact_store`` keeps an event about a workflow, breed or scale."""
        artifact_store.listen(self._heard)

    def wake(self) -> None:
        """Pass over every namespace soon."""
        self._woken.set()

    async def run(self) -> None:
        """Pass over every namespace at once, then on every wake-up and every ``period`` seconds, and run
        event-scheduled workflows on their events, until cancelled."""
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self.triggers.run(), name="workflow triggers")
                while True:
                    self._woken.clear()
                    try:
                        await self.pass_all()
                    except Exception as exc:  # the loop must outlive one failed pass
                        _log_failure("workflow controller: a pass failed", exc)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self._period):
                            await self._woken.wait()
        finally:
            self.triggers.close()

    async def pass_all(self) -> None:
        """One pass over the workflows of every namespace; one namespace's failure stops no other."""
        stored = await self._store.namespaces()
        found = {*self._namespaces, *(name for name in stored if access.split_namespace(name))}
        for namespace in sorted(found):
            try:
                await self.pass_namespace(namespace)
            except Exception as exc:  # one namespace's failure must never stop the others
                _log_failure(f"workflows of namespace {namespace}", exc)

    async def pass_namespace(self, namespace: str) -> None:
        """One pass over every workflow of ``namespace``, and over what the runtime runs there.

        The runtime is asked only about a namespace that holds workflows, held some at the last look, or
        was never looked at (once, for what a crash left there): on Kubernetes each look is three lists.
        """
        stored = (await self._store.list(namespace, KIND)).items
        self._specs.begin_pass()
        if not stored and namespace in self._looked and namespace not in self._active:
            self.triggers.watch(namespace, {})
            return
        states = {state.key.name: state for state in await self._runtime.workflows(namespace)}
        self._looked.add(namespace)
        if stored or states:
            self._active.add(namespace)
        else:
            self._active.discard(namespace)
        listening: dict[str, tuple[str, ...]] = {}
        for item in stored:
            key = runs.WorkflowKey(namespace, item.name)
            state = states.get(item.name)
            failure = self._failures.get(key)
            if failure is not None and failure.revision == item.revision and self._clock() < failure.retry_at:
                running = _event_tags(item) if state is not None else None  # not tried again yet
            else:
                try:
                    running = await self._converge(key, state, item)
                except Exception as exc:  # one workflow's failure must never stop the others
                    await self._failed(key, item.revision, exc)
                    running = _event_tags(item) if state is not None else None
            if running is not None:
                listening[item.name] = running
        names = {item.name for item in stored}
        for name in sorted(states.keys() - names):
            key = runs.WorkflowKey(namespace, name)
            try:
                await self._act(key, lifecycle.ORPHAN, None, None)
            except Exception as exc:  # an orphan's failure must never stop the others
                await self._failed(key, 0, exc)
        for key in [key for key in self._reported if key.namespace == namespace and key.name not in names]:
            del self._reported[key]
        self._specs.keep(namespace, names)
        self.triggers.watch(namespace, listening)

    async def _converge(
        self, key: runs.WorkflowKey, state: runs.WorkflowState | None, listed: store.StoredArtifact
    ) -> tuple[str, ...] | None:
        """Observe, decide and act on one workflow (``listed`` as the pass read it) until a pass goes
        through without a user's change in between; the tags of its event schedule when it runs on events
        afterwards (else ``None``)."""
        stored: store.StoredArtifact | None = listed
        for _ in range(CONFLICT_RETRIES):
            if stored is None:
                return None  # deleted meanwhile: the next pass unschedules what is left of it
            workflow = _workflow(self._models.model_of(stored))
            made = (
                await self._specs.spec(key, workflow, stored)
                if lifecycle.needs_spec(workflow.status)
                else None
            )
            spec = None if made is None else made.spec
            step = lifecycle.decide(
                workflow.status, lifecycle.observe(state, None if made is None else made.digest)
            )
            try:
                await self._act(key, step, spec, stored)
            except errors.ConflictError as exc:
                log.debug("workflow %s changed while it was acted on, again: %s", key, exc)
                state = await self._state(key)
                stored = await self._store.get(key.namespace, KIND, key.name)
                continue
            self._failures.pop(key, None)
            if state is not None and state.failure and not (step.schedule or step.unschedule):
                await self._report(key, state.failure)
            else:
                self._reported.pop(key, None)
            status = step.status or workflow.status
            running = step.schedule or (
                state is not None and not step.unschedule and status is model.WorkflowStatus.RUNNING
            )
            if running and isinstance(workflow.schedule, model.EventSchedule):
                return workflow.schedule.tags
            return None
        raise errors.ConflictError(
            f"Workflow '{key.name}' of namespace '{key.namespace}' kept changing while it was scheduled; "
            "it is tried again at the next pass."
        )

    async def _act(
        self,
        key: runs.WorkflowKey,
        step: lifecycle.Step,
        spec: runs.WorkflowSpec | None,
        stored: store.StoredArtifact | None,
    ) -> None:
        """Do ``step``: act on the runtime, record in the store, publish the events of what was done."""
        if step.idle:
            return
        if step.unschedule:
            await self._tokens.revoke(key)
            await self._runtime.unschedule(key)
            log.info("workflow %s: unscheduled.", key)
        if step.schedule:
            if spec is None:
                raise errors.DriverError(f"Workflow '{key.name}' cannot be scheduled without its spec.")
            secret = await self._tokens.mint(key)
            try:
                await self._runtime.schedule(spec, secret)
            except Exception:
                await self._tokens.revoke(key)  # no run holds it
                raise
            log.info("workflow %s: scheduled (%s, digest %s).", key, spec.schedule.value, spec.digest)
            if spec.schedule is runs.ScheduleKind.EVENT:
                self.triggers.add(key, spec.tags)  # before its status reads running: an event then runs it
        try:
            await self._record(key, step, stored)
        except errors.ConflictError:
            if step.schedule or step.unschedule:
                await self._publish(key, step.events)
            raise
        await self._publish(key, step.events)

    async def _record(
        self, key: runs.WorkflowKey, step: lifecycle.Step, stored: store.StoredArtifact | None
    ) -> None:
        if stored is None:  # an orphan: what it ran is of a workflow that is gone
            await self._runtime.forget(key)
            return
        if step.delete:
            await self._store.delete(key.namespace, KIND, key.name, revision=stored.revision)
            await self._tokens.revoke(key)
            await self._runtime.forget(key)
            self._failures.pop(key, None)
            self._reported.pop(key, None)
            log.info("workflow %s: stopped and deleted.", key)
        elif step.status is not None:
            data = {**stored.data, "status": step.status.value}
            await self._store.put(key.namespace, KIND, key.name, data, revision=stored.revision)

    async def _state(self, key: runs.WorkflowKey) -> runs.WorkflowState | None:
        return next(
            (state for state in await self._runtime.workflows(key.namespace) if state.key == key), None
        )

    async def _failed(self, key: runs.WorkflowKey, revision: int, exc: Exception) -> None:
        if isinstance(exc, errors.VampError):
            reason = str(exc)
        else:
            reason = f"An unexpected error: {type(exc).__name__}: {exc}"
            log.error("workflow %s: unexpected error", key, exc_info=exc)
        self._failures[key] = _Failure(reason, revision, self._clock() + self._period)
        await self._report(key, reason)

    async def _report(self, key: runs.WorkflowKey, reason: str) -> None:
        """Log and publish a workflow's failure, unless it is the one published last."""
        if self._reported.get(key) == reason:
            return
        self._reported[key] = reason
        log.warning("workflow %s: %s", key, reason)
        event = model.Event(tags=(f"workflows:{key.name}", FAILED), type=EVENT_TYPE, value=reason)
        with contextlib.suppress(errors.VampError):
            await self._publisher.publish(key.namespace, event)

    async def _publish(self, key: runs.WorkflowKey, what: Iterable[str]) -> None:
        found = [model.Event(tags=(f"workflows:{key.name}", tag), type=EVENT_TYPE) for tag in what]
        if found:
            await self._publisher.publish_all(key.namespace, found)

    def _heard(self, namespace: str, event: model.Event) -> None:
        if event.type != EVENT_TYPE and any(tag in WAKING_KINDS for tag in event.tags):
            self._woken.set()


def _event_tags(stored: store.StoredArtifact) -> tuple[str, ...] | None:
    """The tags of a stored workflow's event schedule; ``None`` for another schedule or unreadable data."""
    try:
        found = artifacts.model_of(stored)
    except errors.VampError:
        return None
    if isinstance(found, model.Workflow) and isinstance(found.schedule, model.EventSchedule):
        return found.schedule.tags
    return None


def _workflow(found: model.Artifact) -> model.Workflow:
    if not isinstance(found, model.Workflow):
        raise errors.StoreError(f"A stored workflow reads as a {found.kind} artifact; store it again.")
    return found


def _log_failure(what: str, exc: Exception) -> None:
    if isinstance(exc, errors.VampError):
        log.warning("%s: %s", what, exc)
    else:
        log.error("%s: unexpected error", what, exc_info=exc)
